"""What case handling says: to staff in their language, and to the reporter as "the safe person".

The reporter never sees who wrote, and staff never see who the reporter is.
"""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.case_model import CaseStatus
from bot.casework import CaseCard
from bot.settings import OrganisationConfig
from handlers.alert_texts import audience_label, urgency_label
from handlers.keyboards import AnswerSafePerson, ReadCase
from handlers.texts import duration
from handlers.when import day_and_time

Buttons = list[list[tuple[str, str]]]


class CaseworkTexts:
    """Renders what bot.casework sends through the outbox (it must not know about translations)."""

    def __init__(self, i18n: I18n) -> None:
        self._i18n = i18n

    def reply_to_reporter(self, code: str, text: str, language: str) -> tuple[str, Buttons]:
        with self._i18n.context(), self._i18n.use_locale(language):
            message = "\n\n".join(
                (
                    # Translators: Glossary (locales/glossary.toml): safe person.
                    "💬 " + _("A message from the safe person:"),
                    html.escape(text),
                    _("You can answer here. Tap «Answer»."),
                )
            )
            return message, [[(_("Answer"), AnswerSafePerson(code=code).pack())]]

    def reporter_answered(self, code: str, language: str) -> tuple[str, Buttons]:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
            # (locales/glossary.toml): case; the reporter.
            text = "✉️ " + _("Case {code}: the reporter wrote more. Tap Read to see it.").format(
                code=code
            )
            return text, [[(_("Read"), ReadCase(code=code).pack())]]


def status_label(status: str) -> str:
    labels = {
        "awaiting_alert": _("nobody could be alerted yet"),
        "alerted": _("waiting for someone to acknowledge"),
        "acknowledged": _("acknowledged"),
        "assessing": _("being assessed"),
        "referred": _("referred"),
        "closed": _("closed"),
    }
    return labels.get(status, status)


def close_reason_label(reason: str) -> str:
    labels = {
        "no_concern": _("No safeguarding concern"),
        "handled_internally": _("Handled within the organisation"),
        "handed_over": _("Handed over to the authorities"),
        # Translators: Glossary (locales/glossary.toml): case.
        "duplicate": _("Duplicate of another case"),
        "other": _("Another reason (write it)"),
    }
    return labels.get(reason, reason)


def step_label(step: CaseStatus) -> str:
    labels = {
        "assessing": _("Start assessing"),
        "referred": _("Referred to…"),
        "closed": _("Close…"),
    }
    return labels[step]


def card(facts: CaseCard, config: OrganisationConfig) -> str:
    lines = [
        # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
        # (locales/glossary.toml): case.
        "📁 " + _("Case {code}").format(code=facts.code),
        # Translators: {urgency} is how urgent, e.g. "urgent" or "standard" (translated on its own).
        # Glossary (locales/glossary.toml): urgent.
        _("Urgency: {urgency}").format(urgency=urgency_label(facts.urgency)),
        # Translators: {audience} is who reported, e.g. "a child or young person" (translated on its
        # own).
        _("From: {audience}").format(audience=audience_label(facts.audience)),
    ]
    activity = config.activity(facts.activity) if facts.activity else None
    if activity is not None:
        # Translators: {activity} is the name of one of the organisation's activities, as configured
        # (e.g. "Football club"), not translated.
        lines.append(_("Activity: {activity}").format(activity=html.escape(activity.name)))
    # Translators: {status} is a status, e.g. "acknowledged" for a case or "received" for a request
    # (translated on its own).
    lines.append(_("Status: {status}").format(status=status_label(facts.status)))
    if facts.acknowledged_by is not None:
        # Translators: {name} is a staff member's first name, e.g. "Ana".
        lines.append(_("Acknowledged by {name}.").format(name=html.escape(facts.acknowledged_by)))
    if facts.referred_to is not None and facts.referred_at is not None:
        lines.append(
            # Translators: {authority} is the authority the case went to, e.g. "Police" or a name
            # staff typed. {when} is a local date and time, e.g. "14 Mar 2026, 09:30 EET".
            _("Referred to {authority} on {when}.").format(
                authority=html.escape(facts.referred_to),
                when=day_and_time(facts.referred_at, config.zone),
            )
        )
    if facts.closed_reason is not None:
        # Translators: {reason} is why the case was closed, e.g. "No safeguarding concern"
        # (translated on its own).
        lines.append(_("Closed: {reason}.").format(reason=close_reason_label(facts.closed_reason)))
    lines.append(deadline_line(facts, config.zone))
    if facts.legal_hold_at is not None:
        when = day_and_time(facts.legal_hold_at, config.zone)
        # Translators: {when} is a local date and time, e.g. "14 Mar 2026, 09:30 EET". Glossary
        # (locales/glossary.toml): erase, delete. "Legal hold": kept for an inquiry or a court
        # hearing, whatever the retention period says.
        held = _("On legal hold since {when}: not deleted until the hold is released.")
        lines.append("⚖️ " + held.format(when=when))
    return "\n".join(lines)


def deadline_line(facts: CaseCard, zone: ZoneInfo) -> str:
    if facts.time_left is None:
        # Translators: Glossary (locales/glossary.toml): deadline.
        return _("Report deadline met.")
    if facts.time_left.total_seconds() <= 0:
        # Translators: {deadline} is a local date and time, e.g. "14 Mar 2026, 09:30 EET". Glossary
        # (locales/glossary.toml): deadline.
        return "⚠️ " + _("Report deadline passed: {deadline}.").format(
            deadline=day_and_time(facts.deadline_at, zone)
        )
    # Translators: {deadline} is a local date and time, e.g. "14 Mar 2026, 09:30 EET". {left} is the
    # time left, in words, e.g. "3 hours 5 minutes" (translated on its own). Glossary
    # (locales/glossary.toml): deadline.
    return _("Report deadline: {deadline} (in {left}).").format(
        deadline=day_and_time(facts.deadline_at, zone), left=duration(facts.time_left)
    )


def list_line(facts: CaseCard) -> str:
    if facts.time_left is None:
        # Translators: Glossary (locales/glossary.toml): deadline.
        deadline = _("deadline met")
    elif facts.time_left.total_seconds() <= 0:
        # Translators: Glossary (locales/glossary.toml): deadline.
        deadline = "⚠️ " + _("deadline passed")
    else:
        # Translators: {left} is the time left, in words, e.g. "3 hours 5 minutes" (translated on
        # its own).
        deadline = _("{left} left").format(left=duration(facts.time_left))
    return f"<b>{facts.code}</b> · {urgency_label(facts.urgency)} · " + (
        f"{status_label(facts.status)} · {deadline}"
    )


def open_cases(count: int) -> str:
    if count == 0:
        # Translators: Glossary (locales/glossary.toml): case.
        return _("No open cases for you.")
    # Translators: {count} is a number, e.g. 3: choose the plural form for it. Glossary
    # (locales/glossary.toml): case.
    return _("Open cases for you: {count}. Tap one to act on it.").format(count=count)


def more_cases(count: int) -> str:
    # Translators: {count} is a number, e.g. 3: choose the plural form for it.
    return ngettext("…and {count} more.", "…and {count} more.", count).format(count=count)


def hold_label() -> str:
    # Translators: a button on a case's card: keep the case (for an inquiry or a court case)
    # past its retention period, until someone releases it.
    return _("Legal hold")


def release_label() -> str:
    # Translators: a button on a case's card that is on legal hold: end the hold.
    return _("Release legal hold")


def held(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case; erase, delete.
    return _("Case {code} is on legal hold: it is not deleted until the hold is released.").format(
        code=code
    )


def released(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case; erase, delete.
    return _(
        "Legal hold on case {code} released: it is deleted when its retention period ends."
    ).format(code=code)


def hold_unchanged(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case.
    return _("Case {code}: someone changed the legal hold first. Nothing changed.").format(
        code=code
    )


def reply_label() -> str:
    return _("Reply")


def note_label() -> str:
    return _("Note")


def ask_reply() -> str:
    # Translators: Glossary (locales/glossary.toml): safe person; the reporter.
    return _(
        "Write your reply. The reporter sees it as from «the safe person», never your name. "
        "Or /cancel."
    )


def reply_sent(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case; the reporter.
    return _("Sent to the reporter of case {code}.").format(code=code)


def reply_kept(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case; the reporter.
    return _(
        "The reporter of case {code} asked not to be written to here. Your reply is sealed in "
        "the case; they see it if they check with /status."
    ).format(code=code)


def step_cancelled() -> str:
    return _("Stopped: nothing was sent or saved.")


def too_long(limit: int) -> str:
    # Translators: {limit} is the largest number of characters allowed, e.g. 4000.
    return ngettext(
        "That is too long. Please keep it under {limit} character.",
        "That is too long. Please keep it under {limit} characters.",
        limit,
    ).format(limit=limit)


def text_only() -> str:
    return _("Please write it as text.")


def ask_note() -> str:
    # Translators: Glossary (locales/glossary.toml): case.
    return _("Write the note. It is sealed: only this case's readers can open it. Or /cancel.")


def note_saved(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case.
    return _("Note sealed into case {code}.").format(code=code)


def moved(code: str, status: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. {status} is a status, e.g.
    # "acknowledged" or "referred" (translated on its own). Glossary (locales/glossary.toml): case.
    return _("Case {code}: {status}.").format(code=code, status=status_label(status))


def not_now(code: str, status: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. {status} is a case status,
    # e.g. "closed" (translated on its own). Glossary (locales/glossary.toml): case.
    return _("Case {code} is already {status}: nothing changed.").format(
        code=code, status=status_label(status)
    )


def acknowledge_first(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case.
    return _("Acknowledge case {code} first.").format(code=code)


def ask_authority() -> str:
    return _("To which authority was it referred? Tap one, or write the name.")


def ask_referred_when(example: str) -> str:
    """`example`: the current local time, written as the answer is read (it is always taken)."""
    # Translators: {example} is the current local date and time in the form the bot reads, e.g.
    # "14.03.2026 09:30", kept exactly.
    return _("When? Tap «Now», or write the date and time, for example {example}.").format(
        example=example
    )


def now_label() -> str:
    return _("Now")


def when_not_understood(example: str) -> str:
    # Translators: {example} is a local date and time in the form the bot reads, e.g.
    # "14.03.2026 09:30", kept exactly. Glossary (locales/glossary.toml): case.
    return _(
        "I could not read that time, or it is in the future or before the case came in. "
        "For example: {example}."
    ).format(example=example)


def ask_close_reason() -> str:
    # Translators: Glossary (locales/glossary.toml): case.
    return _("Why is the case closed?")


def ask_close_note() -> str:
    # Translators: Glossary (locales/glossary.toml): case.
    return _("Write the reason. It is sealed into the case.")
