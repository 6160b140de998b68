"""What an alert says: the triage facts, in the reader's language, never the report."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.alerts import AlertFacts
from bot.case_model import Urgency
from bot.outbox import MAX_DIGEST_BUTTONS, DigestLine
from bot.settings import OrganisationConfig
from handlers.enrolment_texts import role_label
from handlers.keyboards import AckAlert, CaseAction, ReadCase
from handlers.texts import duration
from handlers.when import day_and_time, day_in_words

# Coalesced alerts, the most urgent first; codes in rows of four buttons.
DIGEST_GROUPS: Final = (
    (Urgency.IMMEDIATE, "🔴"),
    (Urgency.URGENT, "🟠"),
    (Urgency.STANDARD, "🟡"),
)
DIGEST_ROW: Final = 4


def urgency_label(urgency: str) -> str:
    labels: dict[str, str] = {
        # Translators: Glossary (locales/glossary.toml): the reporter; danger.
        Urgency.IMMEDIATE: _("IMMEDIATE: the reporter may be in danger now"),
        # Translators: Glossary (locales/glossary.toml): urgent.
        Urgency.URGENT: _("urgent"),
        Urgency.STANDARD: _("standard"),
    }
    return labels.get(urgency, urgency)


def audience_label(audience: str) -> str:
    labels = {
        "child": _("a child or young person"),
        "parent": _("a parent or guardian"),
        "staff": _("staff or a volunteer"),
        "other": _("someone else"),
    }
    return labels.get(audience, audience)


class AlertTexts:
    """Renders alerts for bot.alerts (which must not know about translations)."""

    def __init__(self, i18n: I18n, config: OrganisationConfig) -> None:
        self._i18n = i18n
        self._config = config

    def key_locked(self, name: str, role: str, member_id: int, failures: int, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {name} is a staff member's first name, e.g. "Ana". {role} is a staff
            # role, e.g. "safe person" or "Child Protection Officer" (translated on its own).
            # {count} is a number, e.g. 3: choose the plural form for it. {member_id} is a number
            # staff type in the command, kept as is. Glossary (locales/glossary.toml): passphrase.
            return "⚠️ " + ngettext(
                "Security: {name} ({role}): their key was locked after {count} wrong "
                "passphrase. If they did not type it, someone else may have their phone or "
                "Telegram account: call them, and if needed revoke them with "
                "<code>safeperson staff revoke {member_id}</code>.",
                "Security: {name} ({role}): their key was locked after {count} wrong "
                "passphrases. If they did not type them, someone else may have their phone or "
                "Telegram account: call them, and if needed revoke them with "
                "<code>safeperson staff revoke {member_id}</code>.",
                failures,
            ).format(
                name=html.escape(name),
                role=role_label(role),
                count=failures,
                member_id=member_id,
            )

    def alert(self, facts: AlertFacts, language: str) -> tuple[str, list[list[tuple[str, str]]]]:
        with self._i18n.context(), self._i18n.use_locale(language):
            activity = self._config.activity(facts.activity) if facts.activity else None
            lines = [
                # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
                # (locales/glossary.toml): case.
                "🔔 " + _("New case {code}").format(code=facts.code),
            ]
            if facts.round > 1:
                # Translators: {round} is which reminder this is, 2 or more.
                lines.append(_("Not acknowledged yet: reminder {round}.").format(round=facts.round))
            lines += [
                # Translators: {urgency} is how urgent, e.g. "urgent" or "standard" (translated on
                # its own). Glossary (locales/glossary.toml): urgent.
                _("Urgency: {urgency}").format(urgency=urgency_label(facts.urgency)),
                # Translators: {audience} is who reported, e.g. "a child or young person"
                # (translated on its own).
                _("From: {audience}").format(audience=audience_label(facts.audience)),
            ]
            if facts.about_staff:
                lines.append(_("It concerns someone who works with us."))
            if activity is not None:
                # Translators: {activity} is the name of one of the organisation's activities, as
                # configured (e.g. "Football club"), not translated.
                lines.append(_("Activity: {activity}").format(activity=activity.name))
            lines.append(
                # Translators: {received} is a local date and time, e.g. "14 Mar 2026, 09:30 EET".
                # {deadline} is a local date and time, e.g. "14 Mar 2026, 09:30 EET". Glossary
                # (locales/glossary.toml): deadline.
                _("Received: {received}. Deadline: {deadline}.").format(
                    received=day_and_time(facts.received_at, self._config.zone),
                    deadline=day_and_time(facts.deadline_at, self._config.zone),
                )
            )
            buttons = [
                [
                    (_("Acknowledge"), AckAlert(code=facts.code).pack()),
                    (_("Read"), ReadCase(code=facts.code).pack()),
                ]
            ]
        return "\n".join(lines), buttons

    def digest(
        self, lines: Sequence[DigestLine], language: str
    ) -> tuple[str, list[list[tuple[str, str]]]]:
        """Alerts coalesced under a burst: every case's code, by urgency, and a button for
        each (as many as one message holds; /cases lists them all)."""
        with self._i18n.context(), self._i18n.use_locale(language):
            count = len(lines)
            text = [
                "🔔 "
                # Translators: {count} is a number, e.g. 3: choose the plural form for it. Glossary
                # (locales/glossary.toml): code; case.
                + ngettext(
                    "{count} new case. Tap its code to act on it, or send /cases.",
                    "{count} new cases. Tap a code to act on it, or send /cases.",
                    count,
                ).format(count=count)
            ]
            for urgency, mark in DIGEST_GROUPS:
                codes = [line.code for line in lines if line.urgency == urgency]
                if codes:
                    text.append(f"{mark} {digest_heading(urgency)}: {', '.join(codes)}")
            shown = [line.code for line in lines][:MAX_DIGEST_BUTTONS]
        buttons = [
            [
                (code, CaseAction(action="card", code=code).pack())
                for code in shown[start : start + DIGEST_ROW]
            ]
            for start in range(0, len(shown), DIGEST_ROW)
        ]
        return "\n".join(text), buttons

    def reminder(self, code: str, time_left: timedelta, deadline: datetime, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. {left} is the time
            # left, in words, e.g. "3 hours 5 minutes" (translated on its own). {deadline} is a
            # local date and time, e.g. "14 Mar 2026, 09:30 EET". Glossary (locales/glossary.toml):
            # case; deadline.
            return "⏰ " + _(
                "Case {code}: the report deadline is in {left} ({deadline}). "
                "Refer it to the authorities, or close it with a reason."
            ).format(
                code=code,
                left=duration(time_left),
                deadline=day_and_time(deadline, self._config.zone),
            )

    def breach(self, code: str, deadline: datetime, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. {deadline} is a
            # local date and time, e.g. "14 Mar 2026, 09:30 EET". Glossary (locales/glossary.toml):
            # case; deadline.
            return "⚠️ " + _(
                "Case {code} passed its report deadline ({deadline}) without being referred "
                "or closed."
            ).format(code=code, deadline=day_and_time(deadline, self._config.zone))

    def audit_witness(self, fingerprint: str, at: datetime, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {day} is a date in words, e.g. "14 March 2026". {fingerprint} is a long
            # hexadecimal string, kept exactly.
            return "🔏 " + _(
                "Audit log fingerprint for {day}: <code>{fingerprint}</code>. Keep this "
                "message. Later, <code>safeperson audit verify --expect {fingerprint}</code> "
                "shows whether anything recorded up to today was removed or changed."
            ).format(day=day_in_words(at, self._config.zone), fingerprint=fingerprint)

    def taken(self, code: str, taken_by: str, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. {name} is a staff
            # member's first name, e.g. "Ana". Glossary (locales/glossary.toml): case.
            return _("Case {code} was acknowledged by {name}.").format(
                code=code, name=html.escape(taken_by)
            )


def digest_heading(urgency: str) -> str:
    labels = {
        "immediate": _("Immediate"),
        # Translators: Glossary (locales/glossary.toml): urgent.
        "urgent": _("Urgent"),
        "standard": _("Standard"),
    }
    return labels.get(urgency, urgency)


def you_took_it(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case.
    return _("You acknowledged case {code}. The others are told.").format(code=code)


def already_taken(code: str, name: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. {name} is a staff member's
    # first name, e.g. "Ana". Glossary (locales/glossary.toml): case.
    return _("Case {code} is already acknowledged by {name}.").format(code=code, name=name)


def ask_passphrase() -> str:
    # Translators: Glossary (locales/glossary.toml): passphrase; erase, delete.
    return _("Your key is locked. Send your passphrase; I delete it at once.")


def passphrase_wait(wait: timedelta) -> str:
    # Translators: {wait} is a duration in words, e.g. "15 minutes" (translated on its own).
    # Glossary (locales/glossary.toml): passphrase.
    return _(
        "Too many wrong passphrases. Please wait {wait} before the next try, then tap Read again."
    ).format(wait=_short_wait(wait))


def passphrase_locked_out(wait: timedelta) -> str:
    # Translators: {wait} is a duration in words, e.g. "15 minutes" (translated on its own).
    # Glossary (locales/glossary.toml): board; passphrase.
    return _(
        "Too many wrong passphrases: your key stays locked for {wait}, and the board has been "
        "told. If you have forgotten your passphrase, ask to be invited again."
    ).format(wait=_short_wait(wait))


def _short_wait(wait: timedelta) -> str:
    """Seconds while under a minute ("8 seconds"), else in minutes and up, rounded up."""
    return duration(wait, with_seconds=True)


def wrong_passphrase() -> str:
    # Translators: Glossary (locales/glossary.toml): passphrase.
    return _("That passphrase does not open your key. Tap Read to try again.")


def not_yours() -> str:
    # Translators: Glossary (locales/glossary.toml): case.
    return _("This case is not sealed for you.")


def locked() -> str:
    # Translators: Glossary (locales/glossary.toml): passphrase.
    return _("Locked. Your passphrase is needed to read again.")


def acknowledge_label() -> str:
    return _("Acknowledge")


def read_label() -> str:
    return _("Read")
