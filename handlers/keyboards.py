"""Inline keyboards and their callback data (each well under Telegram's 64-byte limit)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.audience import AUDIENCES
from bot.languages import ENDONYMS, LanguageCode
from handlers import texts


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


class AudienceChoice(CallbackData, prefix="aud"):
    who: str


def language_picker(
    enabled: tuple[LanguageCode, ...], preselected: LanguageCode
) -> InlineKeyboardMarkup:
    # The likely language first and ticked, so most people need one tap.
    ordered = (preselected, *(code for code in enabled if code != preselected))
    return one_per_row(
        (
            f"✓ {ENDONYMS[code]}" if code == preselected else ENDONYMS[code],
            LanguageChoice(code=code),
        )
        for code in ordered
    )


def audience_menu(consent_label: str) -> InlineKeyboardMarkup:
    rows: list[tuple[str, CallbackData]] = [
        (texts.audience_label(who), AudienceChoice(who=who)) for who in AUDIENCES
    ]
    # Parents and young people can take back their agreement from the first menu.
    rows.append((consent_label, ConsentStart()))
    return one_per_row(rows)


class Answer(CallbackData, prefix="ans"):
    """An answer to one step; the step is named so a tap on an older step is recognised."""

    step: str
    value: str


class Confirm(CallbackData, prefix="send"):
    choice: str


class Erase(CallbackData, prefix="erase"):
    scope: str = "chat"


class OpenStatus(CallbackData, prefix="os"):
    """The button under a receipt: /status with this code already filled in."""

    code: str


class StatusAction(CallbackData, prefix="st"):
    action: str


class AckAlert(CallbackData, prefix="ack"):
    code: str


class ReadCase(CallbackData, prefix="read"):
    code: str


class CaseAction(CallbackData, prefix="cw"):
    """A step on a case card: card, reply, note, assessing, referred, closed, hold or release
    (legal hold), concerned (a staff member is) and step_away."""

    action: str
    code: str


class ReferTo(CallbackData, prefix="rf"):
    code: str
    # The authority's place in the config's list (its name may be longer than callback data).
    choice: int


class ReferredNow(CallbackData, prefix="rn"):
    code: str


class NameConcerned(CallbackData, prefix="nc"):
    """On a case: this member is the one the concern is about (asks to confirm)."""

    code: str
    member: int


class ConfirmSuspension(CallbackData, prefix="cs"):
    code: str
    member: int


class ConfirmStepAway(CallbackData, prefix="sa"):
    code: str


class KeepAsIs(CallbackData, prefix="ka"):
    """Cancel pausing someone's access, or stepping away from the case."""

    code: str


class Reinstate(CallbackData, prefix="ri"):
    member: int


class CloseWith(CallbackData, prefix="cl"):
    code: str
    reason: str


class AnswerSafePerson(CallbackData, prefix="asp"):
    code: str


class ConsentStart(CallbackData, prefix="cns"):
    """The consent button on the audience menu."""


class ConsentPick(CallbackData, prefix="cp"):
    """An answer in the consent flow; the step is named so an older step's tap is recognised."""

    step: str
    value: str


class ConsentSend(CallbackData, prefix="csend"):
    choice: str


class ConsentAction(CallbackData, prefix="ca"):
    """Done or Ask a question, on a consent request's alert."""

    action: str
    code: str


def buttons(rows: Sequence[tuple[str, CallbackData]]) -> InlineKeyboardMarkup:
    return one_per_row(rows)


def one_per_row(rows: Iterable[tuple[str, CallbackData]]) -> InlineKeyboardMarkup:
    """A keyboard of one button a row, built directly: aiogram's keyboard builder deep-copies
    every button on export, which was a fortieth of the bot's time under load. `pack` still
    refuses callback data over Telegram's 64 bytes."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data.pack())] for label, data in rows
        ]
    )
