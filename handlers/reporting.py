"""The reporting flows: one engine for the child, parent and staff questions (bot.reporting).

The draft lives in the conversation state (sealed with the server key) until it is sent; then it
is sealed for the case's readers by the case desk and forgotten here.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.audience import Audience
from bot.case_desk import CaseDesk
from bot.courier import Replies
from bot.drafts import ReportDraft, new_report_draft, report_from_draft
from bot.intake import NoReadersError
from bot.people import PeopleService
from bot.reporting import (
    MAX_MESSAGES,
    MAX_VOICE_BYTES,
    MAX_VOICE_NOTES,
    Step,
    find_step,
    is_danger,
    is_unsure_if_safe,
    step_after,
)
from bot.settings import OrganisationConfig
from bot.voices import DraftVoices
from handlers import report_texts as say
from handlers import steps, texts
from handlers.chat import Chat
from handlers.flows import StepViews
from handlers.keyboards import Answer, Confirm, Erase, OpenStatus, buttons
from handlers.report_steps import (
    REPORT_FLOW,
    choice_label,
    choice_values,
    show_report_step,
    step_markup,
)
from handlers.states import Reporting
from handlers.taps import answer_tap, settle_menu
from handlers.when import day_and_time


def _chat(bot: Bot, user_id: int) -> Chat:
    return Chat.private(bot, user_id)


async def start_flow(
    chat: Chat, state: FSMContext, audience: Audience, config: OrganisationConfig, desk: CaseDesk
) -> None:
    activity = (await state.get_data()).get("activity")
    draft = new_report_draft(
        audience, desk.new_draft_id(), activity if isinstance(activity, str) else None
    )
    if audience == "staff":
        await chat.bot.send_message(chat.chat_id, say.staff_intro())
    await REPORT_FLOW.start(chat, state, draft, config)


async def _current(state: FSMContext) -> tuple[ReportDraft, Step] | None:
    draft = await REPORT_FLOW.draft(state)
    step = find_step(draft.audience, draft.step) if draft is not None else None
    return (draft, step) if draft is not None and step is not None else None


async def on_answer(
    callback: CallbackQuery,
    callback_data: Answer,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
) -> None:
    current = await _current(state)
    chat = _chat(bot, callback.from_user.id)
    if current is None or current[1].key != callback_data.step:
        await steps.after_stale_tap(callback, chat, state, config, people, i18n, step_views)
        return
    draft, step = current
    value = callback_data.value
    if step.kind == "choice":
        if value not in choice_values(step, config):
            await answer_tap(callback, texts.stale_button())
            return
        draft.answers[step.key] = value
        await settle_menu(callback, choice_label(draft.audience, step, value, config))
        if is_danger(step.key, value):
            await bot.send_message(chat.chat_id, say.danger_now(draft.audience))
            await bot.send_message(chat.chat_id, texts.help_numbers(config.help_numbers))
        elif is_unsure_if_safe(step.key, value):
            await bot.send_message(chat.chat_id, say.unsure_if_safe())
            await bot.send_message(chat.chat_id, texts.help_numbers(config.help_numbers))
        following = step_after(draft.audience, step.key)
        if draft.audience == "child" and following is not None and following.key == "story":
            await bot.send_message(chat.chat_id, say.before_story(config.report_deadline))
    elif step.kind == "telling" and value == "done":
        if not draft.messages and not draft.voices:
            await answer_tap(callback, say.tell_something_first())
            return
        await settle_menu(callback, say.that_is_all())
    elif step.kind == "free_text" and value == "skip" and step.skippable:
        await settle_menu(callback, say.skip())
    else:
        await answer_tap(callback, texts.stale_button())
        return
    await REPORT_FLOW.advance(chat, state, draft, config)


def _room_left(draft: ReportDraft) -> bool:
    return len(draft.messages) < MAX_MESSAGES and len(draft.voices) < MAX_VOICE_NOTES


async def on_report_text(
    message: Message, bot: Bot, state: FSMContext, config: OrganisationConfig
) -> None:
    current = await _current(state)
    if current is None or message.text is None or message.from_user is None:
        return
    draft, step = current
    chat = _chat(bot, message.from_user.id)
    if step.kind == "telling":
        markup = step_markup(draft.audience, step, config)
        if not _room_left(draft):
            await message.answer(say.too_much(), reply_markup=markup)
            return
        draft.messages.append(message.text)
        await REPORT_FLOW.save(state, draft)
        await message.answer(say.got_it(draft.audience), reply_markup=markup)
    elif step.kind == "free_text":
        draft.answers[step.key] = message.text
        await REPORT_FLOW.advance(chat, state, draft, config)
    else:
        await message.answer(texts.tap_a_button())
        await show_report_step(chat, draft, config)


async def on_report_voice(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    voices: DraftVoices,
    voice_note: bytes | None = None,
    voice_problem: str | None = None,
) -> None:
    """`voice_note` is the recording itself, fetched before this update's transaction (None
    if it could not be had; `voice_problem` says why: "too big", or "unavailable")."""
    current = await _current(state)
    if current is None or message.voice is None or message.from_user is None:
        return
    draft, step = current
    chat = _chat(bot, message.from_user.id)
    if step.kind == "choice":
        await message.answer(texts.tap_a_button())
        await show_report_step(chat, draft, config)
        return
    if voice_note is None or (message.voice.file_size or 0) > MAX_VOICE_BYTES:
        # Said plainly, so nobody believes a recording went with the report when it did not;
        # what they wrote is kept in the draft all the same.
        too_big = voice_problem != "unavailable" or (message.voice.file_size or 0) > MAX_VOICE_BYTES
        await message.answer(say.voice_too_big() if too_big else say.voice_not_fetched())
        await show_report_step(chat, draft, config)
        return
    markup = step_markup(draft.audience, step, config)
    if not _room_left(draft):
        await message.answer(say.too_much(), reply_markup=markup)
        return
    await voices.keep(draft.id, voice_note)
    draft.voices.append(message.voice.file_unique_id)
    if step.kind == "telling":
        await REPORT_FLOW.save(state, draft)
        await message.answer(say.got_it(draft.audience), reply_markup=markup)
    else:
        draft.answers[step.key] = f"(voice message {len(draft.voices)})"
        await REPORT_FLOW.advance(chat, state, draft, config)


async def on_confirm(
    callback: CallbackQuery,
    callback_data: Confirm,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    desk: CaseDesk,
    i18n: I18n,
    step_views: StepViews,
    voices: DraftVoices,
    replies: Replies,
) -> None:
    draft = await REPORT_FLOW.draft(state)
    chat = _chat(bot, callback.from_user.id)
    if draft is None:
        await steps.after_stale_tap(callback, chat, state, config, people, i18n, step_views)
        return
    if callback_data.choice == "delete":
        await settle_menu(callback, say.draft_deleted())
        await voices.forget(draft.id)
        await _forget(state, "draft")
        await steps.show_audience_menu(chat, state)
        return
    voice_notes = await voices.of_draft(draft.id)
    report = report_from_draft(draft, voice_notes, chat.chat_id, steps.current_language(i18n))
    try:
        receipt = await desk.submit(report)
    except NoReadersError:
        await answer_tap(callback)
        await bot.send_message(chat.chat_id, say.nobody_to_read())
        await bot.send_message(chat.chat_id, texts.help_numbers(config.help_numbers))
        return
    await settle_menu(callback, say.send())
    await voices.forget(draft.id)
    await _forget(state, "draft", "activity")
    await state.set_state(None)
    if receipt is None:
        return  # this draft was already sent: nothing new to say
    # A recording kept longer than its 24 hours is wiped even if the draft was touched since:
    # the report goes with what is left (the words matter most), and the sender is told.
    lost_voices = max(0, len(draft.voices) - len(voice_notes))
    # Committed with the case: after a crash the sender gets this very receipt, never another.
    with replies.durable(f"receipt|{receipt.code}", case_id=receipt.case_id):
        if draft.audience == "staff":
            moment = day_and_time(receipt.received_at, config.zone)
            await bot.send_message(chat.chat_id, say.received_at(moment))
        await bot.send_message(
            chat.chat_id,
            say.submitted(
                draft.audience, config.report_deadline, report.wants_reply, config.help_numbers
            ),
        )
        await bot.send_message(
            chat.chat_id,
            say.receipt(receipt.code, receipt.secret),
            reply_markup=buttons(
                [
                    (say.status_button(), OpenStatus(code=receipt.code)),
                    (say.erase_button(), Erase()),
                ]
            ),
        )
        if lost_voices:
            await bot.send_message(chat.chat_id, say.voices_lost(lost_voices))


async def _forget(state: FSMContext, *keys: str) -> None:
    data = await state.get_data()
    await state.set_data({key: value for key, value in data.items() if key not in keys})


def build_router(views: StepViews) -> Router:
    REPORT_FLOW.register_views(views)
    router = Router(name="reporting")
    router.callback_query.register(on_answer, Answer.filter(), Reporting.answering)
    router.callback_query.register(on_confirm, Confirm.filter(), Reporting.confirming)
    router.message.register(on_report_text, Reporting.answering, F.text & ~F.text.startswith("/"))
    router.message.register(on_report_voice, Reporting.answering, F.voice)
    router.message.register(
        REPORT_FLOW.on_confirm_text, StateFilter(Reporting.confirming), F.text | F.voice
    )
    return router
