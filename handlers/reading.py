"""Read: unlock with the passphrase (deleted at once), show the case protected, delete it later.

Only a reader the case is sealed for sees anything; anyone else gets the stale-button answer.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable, Mapping
from typing import Final, cast
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.alerts import EscalationLadder
from bot.audience import Audience
from bot.audit import AuditLog
from bot.case_model import CaseKind
from bot.consent import withdrawal_from
from bot.courier import Replies
from bot.keyvault import KeyVault
from bot.languages import ENDONYMS, is_supported
from bot.reading import CaseReader, LaterEntry, OpenedReport
from bot.reporting import find_step
from bot.settings import OrganisationConfig
from bot.shown import ShownMessages
from bot.staff import PASSPHRASE_LOCK_AFTER, PassphraseRefused, StaffDesk
from handlers import alert_texts, consent_texts, reading_texts
from handlers.flows import StepViews
from handlers.keyboards import ReadCase
from handlers.report_steps import choice_label
from handlers.states import Unlocking
from handlers.taps import answer_tap
from handlers.when import day_and_time

CHUNK = 3500  # under Telegram's 4096, leaving room for the escaping of < > &


def _answer(audience: Audience, key: str, value: object, config: OrganisationConfig) -> str:
    """An answer as the reader should see it: a choice in words, typed text as typed."""
    step = find_step(audience, key)
    if step is not None and step.kind == "choice" and isinstance(value, str):
        with contextlib.suppress(KeyError):
            return html.escape(choice_label(audience, step, value, config))
    return html.escape(str(value))


def _later(entry: LaterEntry, zone: ZoneInfo) -> str:
    moment = day_and_time(entry.written_at, zone)
    name = html.escape(entry.author or "?")
    heading = {
        # Translators: Glossary (locales/glossary.toml): the reporter.
        "follow_up": lambda: _("The reporter added"),
        # Translators: {name} is a staff member's first name, e.g. "Ana". Glossary
        # (locales/glossary.toml): safe person.
        "reply": lambda: _("{name} replied as «the safe person»").format(name=name),
        # Translators: {name} is a staff member's first name, e.g. "Ana".
        "note": lambda: _("Note by {name}").format(name=name),
    }.get(entry.kind, lambda: entry.kind)()
    return f"<i>{moment} · {heading}</i>\n{html.escape(entry.text)}"


def render_consent(report: OpenedReport, config: OrganisationConfig) -> list[str]:
    request = withdrawal_from(report.case, report.answers)
    lines = consent_texts.opened(request, report.case.deadline_at, config)
    for entry in report.later:
        moment = day_and_time(entry.written_at, config.zone)
        heading = consent_texts.later_heading(entry.kind, entry.author)
        lines += ["", f"<i>{moment} · {heading}</i>", html.escape(entry.text)]
    return in_chunks(lines)


def render_concern(report: OpenedReport, config: OrganisationConfig) -> list[str]:
    case = report.case
    audience = cast(Audience, case.audience)
    lines = [
        # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
        # (locales/glossary.toml): case.
        "📄 " + _("Case {code}").format(code=case.code),
        # Translators: {urgency} is how urgent, e.g. "urgent" or "standard" (translated on its own).
        # Glossary (locales/glossary.toml): urgent.
        _("Urgency: {urgency}").format(urgency=alert_texts.urgency_label(case.urgency)),
        # Translators: {audience} is who reported, e.g. "a child or young person" (translated on its
        # own).
        _("From: {audience}").format(audience=alert_texts.audience_label(case.audience)),
    ]
    if report.language is not None and is_supported(report.language):
        # So the reply can be written in the language the reporter used.
        lines.append(reading_texts.reporter_language(ENDONYMS[report.language]))
    lines.append("")
    lines += [
        f"<b>{reading_texts.answer_label(key)}</b>: {_answer(audience, key, value, config)}"
        for key, value in report.answers.items()
    ]
    lines += ["", "<b>" + reading_texts.what_they_told() + "</b>"]
    lines += [html.escape(m) for m in report.messages]
    if report.voices:
        lines.append(reading_texts.voice_notes_follow(len(report.voices)))
    for entry in report.later:
        lines += ["", _later(entry, config.zone)]
    return in_chunks(lines)


# How a reader sees each kind of case; a new kind adds its entry here.
RENDERERS: Final[Mapping[CaseKind, Callable[[OpenedReport, OrganisationConfig], list[str]]]] = {
    CaseKind.CONCERN: render_concern,
    CaseKind.CONSENT: render_consent,
}


def render(report: OpenedReport, config: OrganisationConfig) -> list[str]:
    return RENDERERS[report.case.kind](report, config)


def in_chunks(lines: list[str], size: int = CHUNK) -> list[str]:
    """Lines joined into messages of at most `size` characters, never cutting a tag or an
    entity: markup sits in short lines of its own, and a long line of escaped text is cut
    only outside an "&...;" entity."""
    pieces: list[str] = []
    for line in lines:
        while len(line) > size:
            cut = size
            ampersand = line.rfind("&", cut - 8, cut)
            if ampersand != -1 and ";" not in line[ampersand:cut]:
                cut = ampersand
            pieces.append(line[:cut])
            line = line[cut:]
        pieces.append(line)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current}\n{piece}" if current else piece
        if len(joined) > size and current:
            chunks.append(current)
            current = piece
        else:
            current = joined
    if current.strip():
        chunks.append(current)
    return chunks


async def show(
    bot: Bot,
    chat_id: int,
    report: OpenedReport,
    shown: ShownMessages,
    audit: AuditLog,
    member_id: int,
    config: OrganisationConfig,
    replies: Replies,
) -> None:
    """The opened report, protected, and deleted from the chat after `read_visible_for`. It is
    sent from memory after the commit and never written anywhere: after a crash in between,
    the reader taps Read again."""
    await audit.record(f"staff:{member_id}", "read", report.case.code)
    with replies.shown_briefly(shown.delete_at()):
        for part in render(report, config):
            await bot.send_message(chat_id, part, protect_content=True)
        for number, voice in enumerate(report.voices, start=1):
            await bot.send_voice(
                chat_id, BufferedInputFile(voice, f"voice-{number}.ogg"), protect_content=True
            )


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
    config: OrganisationConfig,
    replies: Replies,
) -> None:
    member = await ladder.member_for(callback.from_user.id)
    if member is None:
        raise SkipHandler  # not staff: the answer anyone gets for a stale button
    key = await vault.key_of(member.id)
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
    await show(bot, callback.from_user.id, report, shown, audit, member.id, config, replies)


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
    config: OrganisationConfig,
    replies: Replies,
) -> None:
    await message.delete()  # first after the commit: the passphrase must not stay on the screen
    if message.from_user is None:
        return
    member = await ladder.member_for(message.from_user.id)
    code = str((await state.get_data()).get("reading", ""))
    unlocked: bytes | PassphraseRefused | None = None
    if member is not None:
        # Argon2id before anything is written: no other update waits for it. Wrong tries are
        # limited per member (growing waits, then a lock-out the board hears of).
        unlocked = await staff.unlock_limited(member, message.text or "")
    await state.clear()
    if member is None:
        return
    if isinstance(unlocked, PassphraseRefused):
        if unlocked.just_locked:
            await ladder.tell_board_key_locked(member, PASSPHRASE_LOCK_AFTER)
        if unlocked.locked_out:
            await message.answer(alert_texts.passphrase_locked_out(unlocked.retry_after))
        else:
            await message.answer(alert_texts.passphrase_wait(unlocked.retry_after))
        return
    if unlocked is None:
        await message.answer(alert_texts.wrong_passphrase())
        return
    key = unlocked
    await vault.keep(member.id, key)
    report = await reader.open(code, member, key)
    if report is None:
        await message.answer(alert_texts.not_yours())
        return
    await show(bot, message.from_user.id, report, shown, audit, member.id, config, replies)


async def on_lock(message: Message, ladder: EscalationLadder, vault: KeyVault) -> None:
    if message.from_user is None:
        return
    member = await ladder.member_for(message.from_user.id)
    if member is None:
        raise SkipHandler  # an unknown command for anyone who is not staff
    await vault.lock(member.id)
    await message.answer(alert_texts.locked())


def build_router(views: StepViews) -> Router:
    views.register_text(Unlocking.passphrase, alert_texts.ask_passphrase)
    router = Router(name="reading")
    router.callback_query.register(on_read, ReadCase.filter())
    router.message.register(on_passphrase, Unlocking.passphrase, F.text & ~F.text.startswith("/"))
    router.message.register(on_lock, Command("lock"))
    return router
