"""Read: unlock with the passphrase (deleted at once), show the case protected, delete it later.

Only a reader the case is sealed for sees anything; anyone else gets the stale-button answer.
"""

from __future__ import annotations

import contextlib
import html

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.alerts import EscalationLadder
from bot.audit import AuditLog
from bot.crypto import SealedEntryError
from bot.keyvault import KeyVault
from bot.reading import CaseReader, OpenedReport
from bot.shown import ShownMessages
from bot.staff import StaffDesk
from handlers import alert_texts
from handlers.officer import ReadCase
from handlers.states import Unlocking
from handlers.taps import answer_tap

CHUNK = 3500  # under Telegram's 4096, leaving room for the escaping of < > &


def render(report: OpenedReport) -> list[str]:
    case = report.case
    lines = [f"📄 <b>{case.code}</b> · {case.urgency} · {case.audience}"]
    lines += [f"<i>{html.escape(k)}</i>: {html.escape(str(v))}" for k, v in report.answers.items()]
    lines += ["", *(html.escape(m) for m in report.messages)]
    lines += [html.escape(m) for m in report.follow_ups]
    text = "\n".join(lines)
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]


async def show(
    bot: Bot,
    chat_id: int,
    report: OpenedReport,
    shown: ShownMessages,
    audit: AuditLog,
    member_id: int,
) -> None:
    await audit.record(f"staff:{member_id}", "read", report.case.code)
    sent = [await bot.send_message(chat_id, part, protect_content=True) for part in render(report)]
    for number, voice in enumerate(report.voices, start=1):
        sent.append(
            await bot.send_voice(
                chat_id, BufferedInputFile(voice, f"voice-{number}.ogg"), protect_content=True
            )
        )
    await shown.delete_later(chat_id, (m.message_id for m in sent))


async def on_read(
    callback: CallbackQuery,
    callback_data: ReadCase,
    bot: Bot,
    state: FSMContext,
    ladder: EscalationLadder,
    vault: KeyVault,
    reader: CaseReader,
    shown: ShownMessages,
    audit: AuditLog,
) -> None:
    member = await ladder.member_for(callback.from_user.id)
    if member is None:
        raise SkipHandler  # not staff: the answer anyone gets for a stale button
    key = vault.key_of(member.id)
    if key is None:
        await answer_tap(callback)
        await state.set_state(Unlocking.passphrase)
        await state.update_data(reading=callback_data.code)
        await bot.send_message(callback.from_user.id, alert_texts.ask_passphrase())
        return
    report = await reader.open(callback_data.code, member, key)
    if report is None:
        await answer_tap(callback, alert_texts.not_yours())
        return
    await answer_tap(callback)
    await show(bot, callback.from_user.id, report, shown, audit, member.id)


async def on_passphrase(
    message: Message,
    bot: Bot,
    state: FSMContext,
    ladder: EscalationLadder,
    staff: StaffDesk,
    vault: KeyVault,
    reader: CaseReader,
    shown: ShownMessages,
    audit: AuditLog,
) -> None:
    with contextlib.suppress(TelegramBadRequest):
        await message.delete()  # first: the passphrase must not stay on the screen
    if message.from_user is None:
        return
    member = await ladder.member_for(message.from_user.id)
    code = str((await state.get_data()).get("reading", ""))
    await state.clear()
    if member is None:
        return
    try:
        key = await staff.unlock(member, message.text or "")
    except SealedEntryError:
        await message.answer(alert_texts.wrong_passphrase())
        return
    vault.keep(member.id, key)
    report = await reader.open(code, member, key)
    if report is None:
        await message.answer(alert_texts.not_yours())
        return
    await show(bot, message.from_user.id, report, shown, audit, member.id)


async def on_lock(message: Message, ladder: EscalationLadder, vault: KeyVault) -> None:
    if message.from_user is None:
        return
    member = await ladder.member_for(message.from_user.id)
    if member is None:
        raise SkipHandler  # an unknown command for anyone who is not staff
    vault.lock(member.id)
    await message.answer(alert_texts.locked())


def build_router() -> Router:
    router = Router(name="reading")
    router.callback_query.register(on_read, ReadCase.filter())
    router.message.register(on_passphrase, Unlocking.passphrase, F.text & ~F.text.startswith("/"))
    router.message.register(on_lock, Command("lock"))
    return router
