"""/consent: taking back an agreement (data, photos, videos), and the contact's Done and Ask.

The draft lives in the conversation state (sealed with the server key) until it is sent; then
bot.consent seals it for the data-protection contact and it is forgotten here.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.case_desk import CaseDesk
from bot.case_model import CaseStatus, CaseSummary
from bot.consent import MAX_QUESTION_CHARACTERS, ConsentDesk
from bot.courier import Replies
from bot.drafts import (
    CONFIRM,
    ConsentDraft,
    apply_consent_pick,
    apply_first_name,
    consent_request_from_draft,
    new_consent_draft,
)
from bot.intake import NoReadersError
from bot.people import PeopleService
from bot.settings import OrganisationConfig
from bot.staff import Member, StaffDesk
from handlers import consent_texts as say
from handlers import steps, texts
from handlers.chat import Chat
from handlers.consent_steps import CONSENT_FLOW, scopes_markup, show_consent_step
from handlers.flows import StepViews
from handlers.keyboards import (
    ConsentAction,
    ConsentPick,
    ConsentSend,
    ConsentStart,
    Erase,
    OpenStatus,
    buttons,
)
from handlers.report_texts import erase_button
from handlers.states import ConsentFlow, ConsentHandling, Onboarding
from handlers.taps import answer_tap, settle_menu


async def start_consent(
    chat: Chat, state: FSMContext, desk: CaseDesk, config: OrganisationConfig
) -> None:
    await state.set_data({})
    await chat.bot.send_message(chat.chat_id, say.intro())
    await CONSENT_FLOW.start(chat, state, new_consent_draft(desk.new_draft_id()), config)


async def on_consent_command(
    message: Message, bot: Bot, state: FSMContext, desk: CaseDesk, config: OrganisationConfig
) -> None:
    if message.from_user is None:
        return
    await start_consent(Chat.private(bot, message.from_user.id), state, desk, config)


async def on_consent_button(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    desk: CaseDesk,
    config: OrganisationConfig,
) -> None:
    await settle_menu(callback, say.start_label())
    await start_consent(Chat.private(bot, callback.from_user.id), state, desk, config)


def _answer_label(draft: ConsentDraft, config: OrganisationConfig) -> str:
    """The answer just given, in words, left where its question's buttons were."""
    if draft.step == "who":
        return say.who_label(str(draft.requester))
    if draft.step == "scopes":
        return say.scopes_line(draft.scopes)
    if draft.step == "activity":
        return say.activity_name(draft.activity, config)
    return say.yes_or_no(draft.erase if draft.step == "erase" else bool(draft.take_down))


async def on_pick(
    callback: CallbackQuery,
    callback_data: ConsentPick,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
) -> None:
    draft = await CONSENT_FLOW.draft_on(state, callback_data.step)
    chat = Chat.private(bot, callback.from_user.id)
    if draft is None:
        await steps.after_stale_tap(callback, chat, state, config, people, i18n, step_views)
        return
    activities = [activity.code for activity in config.activities]
    result = apply_consent_pick(draft, callback_data.step, callback_data.value, activities)
    if result == "toggled":
        # The same menu, ticked or unticked; nothing moves on yet.
        await CONSENT_FLOW.save(state, draft)
        await answer_tap(callback)
        if isinstance(callback.message, Message):
            await callback.message.edit_reply_markup(reply_markup=scopes_markup(draft))
    elif result == "choose_one_first":
        await answer_tap(callback, say.choose_one_first())
    elif result == "not_an_answer":
        await answer_tap(callback, texts.stale_button())
    else:
        await settle_menu(callback, _answer_label(draft, config))
        await CONSENT_FLOW.advance(chat, state, draft, config)


async def on_message(
    message: Message, bot: Bot, state: FSMContext, config: OrganisationConfig
) -> None:
    """Something typed or sent while a step is open: the first name, or a nudge to tap."""
    draft = await CONSENT_FLOW.draft(state)
    if draft is None or message.from_user is None:
        return
    chat = Chat.private(bot, message.from_user.id)
    if draft.step != "first_name":
        await message.answer(texts.tap_a_button())
    elif message.text is None:
        # The contact and the photographers need the name written, to find it on their lists.
        await message.answer(say.type_the_name())
    elif not apply_first_name(draft, message.text):
        await message.answer(say.first_name_again())
    else:
        await CONSENT_FLOW.advance(chat, state, draft, config)
        return
    await show_consent_step(chat, draft, config)


async def on_send(
    callback: CallbackQuery,
    callback_data: ConsentSend,
    bot: Bot,
    state: FSMContext,
    consent: ConsentDesk,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
    replies: Replies,
) -> None:
    draft = await CONSENT_FLOW.draft_on(state, CONFIRM)
    chat = Chat.private(bot, callback.from_user.id)
    if draft is None:
        await steps.after_stale_tap(callback, chat, state, config, people, i18n, step_views)
        return
    if callback_data.choice == "delete":
        await settle_menu(callback, say.request_deleted())
        await state.clear()
        await steps.show_audience_menu(chat, state)
        return
    try:
        receipt = await consent.submit(consent_request_from_draft(draft, chat.chat_id))
    except NoReadersError:
        await answer_tap(callback)
        await bot.send_message(chat.chat_id, say.nobody_to_read())
        return
    await settle_menu(callback, say.send())
    await state.clear()
    if receipt is None:
        return  # already sent by an earlier tap: nothing new to say
    days = max(1, round(consent.deadline.total_seconds() / 86400))
    # Committed with the request: after a crash the sender gets this very reference.
    with replies.durable(f"reference|{receipt.code}", case_id=receipt.case_id):
        await bot.send_message(chat.chat_id, say.sent(receipt.deadline_at, days, config.zone))
        await bot.send_message(
            chat.chat_id,
            say.reference(receipt.code, receipt.secret),
            reply_markup=buttons(
                [
                    (say.status_button(), OpenStatus(code=receipt.code)),
                    (erase_button(), Erase()),
                ]
            ),
        )


# The data-protection contact's buttons.


async def _request_in_hand(
    user_id: int, code: str, staff: StaffDesk, consent: ConsentDesk
) -> tuple[Member, CaseSummary] | None:
    """The member and the request, if this is an active member the request is sealed for."""
    member = await staff.active_member(user_id)
    request = await consent.request_for(member, code) if member is not None else None
    return (member, request) if member is not None and request is not None else None


async def on_done(
    callback: CallbackQuery,
    callback_data: ConsentAction,
    bot: Bot,
    staff: StaffDesk,
    consent: ConsentDesk,
) -> None:
    found = await _request_in_hand(callback.from_user.id, callback_data.code, staff, consent)
    if found is None:
        raise SkipHandler  # not theirs: the answer anyone gets for a stale button
    member, request = found
    if not await consent.done(member, request):
        await answer_tap(callback, say.already_done(request.code))
        return
    await answer_tap(callback)
    await bot.send_message(callback.from_user.id, say.marked_done(request.code))


async def on_ask(
    callback: CallbackQuery,
    callback_data: ConsentAction,
    bot: Bot,
    state: FSMContext,
    staff: StaffDesk,
    consent: ConsentDesk,
) -> None:
    found = await _request_in_hand(callback.from_user.id, callback_data.code, staff, consent)
    if found is None:
        raise SkipHandler
    _member, request = found
    if request.status == CaseStatus.DONE:
        await answer_tap(callback, say.already_done(request.code))
        return
    await answer_tap(callback)
    await state.set_state(ConsentHandling.question)
    await state.set_data({"consent_case": request.code})
    await bot.send_message(callback.from_user.id, say.ask_question())


async def on_question(
    message: Message, state: FSMContext, staff: StaffDesk, consent: ConsentDesk
) -> None:
    if message.from_user is None:
        return
    code = str((await state.get_data()).get("consent_case", ""))
    found = await _request_in_hand(message.from_user.id, code, staff, consent)
    if found is None:
        await state.clear()  # revoked meanwhile
        raise SkipHandler
    member, request = found
    text = message.text or ""
    if len(text) > MAX_QUESTION_CHARACTERS:
        await message.answer(say.too_long(MAX_QUESTION_CHARACTERS))
        return
    await consent.ask(member, request, text)
    await state.clear()
    await message.answer(say.question_sent(request.code))


async def on_question_not_text(message: Message) -> None:
    await message.answer(say.write_as_text())
    await message.answer(say.ask_question())


def build_router(views: StepViews) -> Router:
    CONSENT_FLOW.register_views(views)
    views.register_text(ConsentHandling.question, say.ask_question)
    router = Router(name="consent")
    typed = F.text & ~F.text.startswith("/")
    router.message.register(on_consent_command, Command("consent"))
    router.callback_query.register(on_consent_button, ConsentStart.filter(), Onboarding.audience)
    router.callback_query.register(on_pick, ConsentPick.filter(), ConsentFlow.answering)
    router.callback_query.register(on_send, ConsentSend.filter(), ConsentFlow.confirming)
    router.message.register(on_message, ConsentFlow.answering, ~F.text.startswith("/"))
    router.message.register(
        CONSENT_FLOW.on_confirm_text, ConsentFlow.confirming, ~F.text.startswith("/")
    )
    router.callback_query.register(on_done, ConsentAction.filter(F.action == "done"))
    router.callback_query.register(on_ask, ConsentAction.filter(F.action == "ask"))
    router.message.register(on_question, ConsentHandling.question, typed)
    router.message.register(on_question_not_text, ConsentHandling.question, ~F.text)
    return router
