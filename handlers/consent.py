"""/consent: taking back an agreement (data, photos, videos), and the contact's Done and Ask.

The draft lives in the conversation state (sealed with the server key) until it is sent; then
bot.consent seals it for the data-protection contact and it is forgotten here.
"""

from __future__ import annotations

from typing import cast

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.case_model import CaseSummary
from bot.consent import (
    MAX_QUESTION_CHARACTERS,
    SCOPES,
    STATUS_DONE,
    ConsentDesk,
    ConsentRequest,
    Requester,
    consent_step_after,
    first_name_from,
    scopes_from,
)
from bot.courier import Replies
from bot.intake import NoReadersError
from bot.people import PeopleService
from bot.settings import OrganisationConfig
from bot.staff import Member, StaffDesk
from handlers import consent_texts as say
from handlers import steps, texts
from handlers.chat import Chat
from handlers.consent_steps import (
    ConsentDraft,
    scopes_markup,
    show_consent_confirm,
    show_consent_step,
)
from handlers.keyboards import ConsentAction, ConsentPick, ConsentSend, ConsentStart, Erase, buttons
from handlers.report_texts import erase_button
from handlers.states import ConsentFlow, ConsentHandling, Onboarding
from handlers.taps import answer_tap, settle_menu

DRAFT = "consent"


async def start_consent(
    chat: Chat, state: FSMContext, consent: ConsentDesk, config: OrganisationConfig
) -> None:
    draft: ConsentDraft = {"id": consent.new_draft_id(), "step": "who", "scopes": []}
    await state.set_data({DRAFT: draft})
    await state.set_state(ConsentFlow.answering)
    await chat.bot.send_message(chat.chat_id, say.intro())
    await show_consent_step(chat, draft, config)


async def on_consent_command(
    message: Message,
    bot: Bot,
    state: FSMContext,
    consent: ConsentDesk,
    config: OrganisationConfig,
) -> None:
    if message.from_user is None:
        return
    await start_consent(Chat.private(bot, message.from_user.id), state, consent, config)


async def on_consent_button(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    consent: ConsentDesk,
    config: OrganisationConfig,
) -> None:
    await settle_menu(callback, say.start_label())
    await start_consent(Chat.private(bot, callback.from_user.id), state, consent, config)


async def _advance(
    chat: Chat, state: FSMContext, draft: ConsentDraft, config: OrganisationConfig
) -> None:
    following = consent_step_after(
        draft["step"], scopes_from(draft.get("scopes")), bool(config.activities)
    )
    if following is None:
        draft["step"] = "confirm"
        await state.update_data({DRAFT: draft})
        await state.set_state(ConsentFlow.confirming)
        await show_consent_confirm(chat, draft, config)
        return
    draft["step"] = following
    await state.update_data({DRAFT: draft})
    await show_consent_step(chat, draft, config)


async def _draft(state: FSMContext) -> ConsentDraft | None:
    draft = (await state.get_data()).get(DRAFT)
    return draft if isinstance(draft, dict) else None


async def on_pick(
    callback: CallbackQuery,
    callback_data: ConsentPick,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
) -> None:
    draft = await _draft(state)
    chat = Chat.private(bot, callback.from_user.id)
    if draft is None or draft["step"] != callback_data.step:
        await steps.after_stale_tap(callback, chat, state, config, people, i18n)
        return
    step, value = callback_data.step, callback_data.value
    if step == "who" and value in ("parent", "child"):
        draft["requester"] = value
        await settle_menu(callback, say.who_label(value))
    elif step == "scopes" and value in SCOPES:
        # A toggle: the same menu, ticked or unticked; nothing moves on yet.
        chosen = set(scopes_from(draft.get("scopes"))) ^ {value}
        draft["scopes"] = list(scopes_from(chosen))
        await state.update_data({DRAFT: draft})
        await answer_tap(callback)
        if isinstance(callback.message, Message):
            await callback.message.edit_reply_markup(reply_markup=scopes_markup(draft))
        return
    elif step == "scopes" and value in ("all", "next"):
        if value == "all":
            draft["scopes"] = list(SCOPES)
        if not draft["scopes"]:
            await answer_tap(callback, say.choose_one_first())
            return
        await settle_menu(callback, say.scopes_line(scopes_from(draft["scopes"])))
    elif step == "activity" and (value == "any" or config.activity(value) is not None):
        draft["activity"] = None if value == "any" else value
        await settle_menu(callback, say.activity_name(draft["activity"], config))
    elif step in ("erase", "take_down") and value in ("yes", "no"):
        draft[step] = value == "yes"
        await settle_menu(callback, say.yes_or_no(value == "yes"))
    else:
        await answer_tap(callback, texts.stale_button())
        return
    await _advance(chat, state, draft, config)


async def on_message(
    message: Message, bot: Bot, state: FSMContext, config: OrganisationConfig
) -> None:
    """Something typed or sent while a step is open: the first name, or a nudge to tap."""
    draft = await _draft(state)
    if draft is None or message.from_user is None:
        return
    chat = Chat.private(bot, message.from_user.id)
    if draft["step"] != "first_name":
        await message.answer(texts.tap_a_button())
    elif message.text is None:
        # The contact and the photographers need the name written, to find it on their lists.
        await message.answer(say.type_the_name())
    elif (name := first_name_from(message.text)) is None:
        await message.answer(say.first_name_again())
    else:
        draft["first_name"] = name
        await _advance(chat, state, draft, config)
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
    replies: Replies,
) -> None:
    draft = await _draft(state)
    chat = Chat.private(bot, callback.from_user.id)
    if draft is None or draft.get("step") != "confirm":
        await steps.after_stale_tap(callback, chat, state, config, people, i18n)
        return
    if callback_data.choice == "delete":
        await settle_menu(callback, say.request_deleted())
        await state.clear()
        await steps.show_audience_menu(chat, state)
        return
    take_down = draft.get("take_down")
    request = ConsentRequest(
        requester=cast(Requester, draft.get("requester", "parent")),
        scopes=scopes_from(draft.get("scopes")),
        first_name=str(draft.get("first_name", "")),
        activity=draft.get("activity"),
        erase=bool(draft.get("erase")),
        take_down=bool(take_down),
        reply_chat_id=chat.chat_id,
        draft_id=str(draft["id"]),
    )
    try:
        receipt = await consent.submit(request)
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
    with replies.durable(f"reference|{receipt.code}"):
        await bot.send_message(chat.chat_id, say.sent(receipt.deadline_at, days))
        await bot.send_message(
            chat.chat_id,
            say.reference(receipt.code, receipt.secret),
            reply_markup=buttons([(erase_button(), Erase())]),
        )


async def on_confirm_text(
    message: Message, bot: Bot, state: FSMContext, config: OrganisationConfig
) -> None:
    draft = await _draft(state)
    if draft is not None and message.from_user is not None:
        await message.answer(texts.tap_a_button())
        await show_consent_confirm(Chat.private(bot, message.from_user.id), draft, config)


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
    if request.status == STATUS_DONE:
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


def build_router() -> Router:
    router = Router(name="consent")
    typed = F.text & ~F.text.startswith("/")
    router.message.register(on_consent_command, Command("consent"))
    router.callback_query.register(on_consent_button, ConsentStart.filter(), Onboarding.audience)
    router.callback_query.register(on_pick, ConsentPick.filter(), ConsentFlow.answering)
    router.callback_query.register(on_send, ConsentSend.filter(), ConsentFlow.confirming)
    router.message.register(on_message, ConsentFlow.answering, ~F.text.startswith("/"))
    router.message.register(on_confirm_text, ConsentFlow.confirming, ~F.text.startswith("/"))
    router.callback_query.register(on_done, ConsentAction.filter(F.action == "done"))
    router.callback_query.register(on_ask, ConsentAction.filter(F.action == "ask"))
    router.message.register(on_question, ConsentHandling.question, typed)
    router.message.register(on_question_not_text, ConsentHandling.question, ~F.text)
    return router
