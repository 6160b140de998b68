"""/status: come back with the code and the secret word, see the case, add more."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.case_desk import CaseDesk
from bot.case_model import CaseKind
from bot.intake import NoReadersError
from bot.reporter_view import CaseView, TooManyGuesses
from bot.settings import OrganisationConfig
from handlers import common, consent_texts, steps, texts
from handlers import report_texts as say
from handlers.chat import Chat
from handlers.flows import StepScreen, StepViews
from handlers.keyboards import AnswerSafePerson, OpenStatus, StatusAction
from handlers.states import StatusCheck
from handlers.taps import answer_tap, settle_menu


async def on_status(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(StatusCheck.code)
    await message.answer(say.ask_code())


async def on_open_status(
    callback: CallbackQuery, callback_data: OpenStatus, bot: Bot, state: FSMContext
) -> None:
    """The button under a receipt: /status with its code filled in, so only the secret word is
    typed. A second tap asks again; whatever was going on is left, as /status leaves it."""
    await answer_tap(callback)
    await state.clear()
    await state.set_data({"status_code": callback_data.code})
    await state.set_state(StatusCheck.secret)
    await bot.send_message(callback.from_user.id, say.ask_secret())


async def on_code(message: Message, state: FSMContext) -> None:
    await state.update_data(status_code=message.text)
    await state.set_state(StatusCheck.secret)
    await message.answer(say.ask_secret())


async def on_secret(
    message: Message, bot: Bot, state: FSMContext, desk: CaseDesk, config: OrganisationConfig
) -> None:
    # The secret must not stay on the phone: its deletion is the first call after the commit.
    await message.delete()
    if message.from_user is None or message.text is None:
        return
    data = await state.get_data()
    found = await desk.open_for_reporter(
        str(message.from_user.id), str(data.get("status_code", "")), message.text
    )
    if isinstance(found, TooManyGuesses):
        await state.clear()
        # Rounded up: a wait of 40 seconds is "1 minute", never "0 minutes".
        minutes = max(1, math.ceil(found.retry_after.total_seconds() / 60))
        await message.answer(say.too_many_tries(minutes))
        return
    if not isinstance(found, CaseView):
        await state.set_state(StatusCheck.code)
        await message.answer(say.no_match())
        await message.answer(say.ask_code())
        return
    await state.set_data({"status_case": found.code})
    await state.set_state(StatusCheck.viewing)
    view = STATUS_VIEWS[found.kind]
    for text in view.replies(found, config.zone):
        await message.answer(text)
    await message.answer(view.summary(found, config.zone), reply_markup=steps.status_actions())


@dataclass(frozen=True)
class StatusView:
    """What the sender of one kind of case sees on /status: what was written to them, then
    where the case stands; dates in the organisation's zone."""

    replies: Callable[[CaseView, ZoneInfo], list[str]]
    summary: Callable[[CaseView, ZoneInfo], str]


CONCERN_STATUS: Final = StatusView(
    replies=lambda found, zone: [
        say.reply_from_safe_person(reply.text, reply.written_at, zone) for reply in found.replies
    ],
    summary=lambda found, zone: say.case_status(found.code, found.status),
)
CONSENT_STATUS: Final = StatusView(
    replies=lambda found, zone: [
        consent_texts.question_in_status(question.text, question.written_at, zone)
        for question in found.replies
    ],
    summary=lambda found, zone: consent_texts.status(
        found.code, found.status, found.deadline_at, zone
    ),
)
# A new kind of case adds its entry here.
STATUS_VIEWS: Final[Mapping[CaseKind, StatusView]] = {
    CaseKind.CONCERN: CONCERN_STATUS,
    CaseKind.CONSENT: CONSENT_STATUS,
}


async def on_action(
    callback: CallbackQuery, callback_data: StatusAction, bot: Bot, state: FSMContext
) -> None:
    chat = Chat.private(bot, callback.from_user.id)
    if callback_data.action == "add":
        await settle_menu(callback, say.add_more())
        await state.set_state(StatusCheck.adding)
        await bot.send_message(chat.chat_id, say.adding(), reply_markup=steps.adding_markup())
    else:
        await settle_menu(callback, say.done())
        await state.clear()


async def on_addition(
    message: Message,
    bot: Bot,
    state: FSMContext,
    desk: CaseDesk,
    config: OrganisationConfig,
    voice_note: bytes | None = None,
) -> None:
    """`voice_note`: the recording, fetched before this update's transaction."""
    code = str((await state.get_data()).get("status_case", ""))
    if message.voice is not None and voice_note is None:
        await message.answer(say.voice_too_big())
        return
    try:
        await desk.add_from_reporter(code, message.text, voice_note)
    except NoReadersError:
        await message.answer(say.nobody_to_read())
        await message.answer(texts.help_numbers(config.help_numbers))
        return
    await message.answer(say.got_it("child"), reply_markup=steps.adding_markup())


async def on_finished_adding(
    callback: CallbackQuery, callback_data: StatusAction, state: FSMContext
) -> None:
    await settle_menu(callback, say.added())
    await state.clear()


async def on_answer_safe_person(
    callback: CallbackQuery,
    callback_data: AnswerSafePerson,
    bot: Bot,
    state: FSMContext,
    desk: CaseDesk,
) -> None:
    """«Answer» under a message from the safe person: what comes next goes into that case.

    Only the chat the case's replies go to may answer; for anyone else it is a stale button.
    """
    if not await desk.is_reporter_chat(callback_data.code, callback.from_user.id):
        raise SkipHandler
    await answer_tap(callback)
    await state.set_data({"status_case": callback_data.code})
    await state.set_state(StatusCheck.adding)
    await bot.send_message(callback.from_user.id, say.adding(), reply_markup=steps.adding_markup())


async def show_viewing_step(screen: StepScreen) -> bool:
    code = str(screen.data.get("status_case", ""))
    await screen.chat.bot.send_message(
        screen.chat.chat_id, say.case_status(code, "open"), reply_markup=steps.status_actions()
    )
    return True


async def show_adding_step(screen: StepScreen) -> bool:
    await screen.chat.bot.send_message(
        screen.chat.chat_id, say.adding(), reply_markup=steps.adding_markup()
    )
    return True


def build_router(views: StepViews) -> Router:
    views.register_text(StatusCheck.code, say.ask_code)
    views.register_text(StatusCheck.secret, say.ask_secret)
    views.register(StatusCheck.viewing, show_viewing_step)
    views.register(StatusCheck.adding, show_adding_step)
    router = Router(name="status")
    not_a_command = F.text & ~F.text.startswith("/")
    router.message.register(on_status, Command("status"))
    router.message.register(on_code, StatusCheck.code, not_a_command)
    router.message.register(on_secret, StatusCheck.secret, not_a_command)
    router.message.register(
        common.show_the_step_again, StateFilter(StatusCheck.code, StatusCheck.secret), ~F.text
    )
    router.message.register(on_addition, StatusCheck.adding, not_a_command | F.voice)
    router.callback_query.register(
        on_finished_adding, StatusAction.filter(F.action == "finished"), StatusCheck.adding
    )
    router.callback_query.register(on_action, StatusAction.filter(), StatusCheck.viewing)
    router.callback_query.register(on_answer_safe_person, AnswerSafePerson.filter())
    router.callback_query.register(on_open_status, OpenStatus.filter())
    return router
