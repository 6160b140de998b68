"""What the daily heartbeat and the word after an outage say: counts and times, never a case."""

from __future__ import annotations

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.heartbeat import DailyFacts, Outage
from bot.settings import OrganisationConfig
from handlers.texts import duration
from handlers.when import day_and_time, day_in_words


class HeartbeatTexts:
    """Renders bot.heartbeat's messages (which must not know about translations)."""

    def __init__(self, i18n: I18n, config: OrganisationConfig) -> None:
        self._i18n = i18n
        self._config = config

    def heartbeat(self, facts: DailyFacts, language: str) -> str:
        zone = self._config.zone
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {day} is a date in words, e.g. "14 March 2026". Sent every day to the
            # officer: it proves the bot runs and its messages arrive.
            daily = _("Daily check, {day}: SafePerson is running and this channel works.")
            lines = [
                "💚 " + daily.format(day=day_in_words(facts.at, zone)),
                # Translators: {count} and {overdue} are numbers, e.g. 3 and 0. Glossary
                # (locales/glossary.toml): case; deadline.
                _("Open cases: {count}. Past their deadline: {overdue}.").format(
                    count=facts.cases.open, overdue=facts.cases.overdue
                ),
            ]
            if facts.cases.next_deadline is not None:
                lines.append(
                    # Translators: {deadline} is a local date and time, e.g. "14 Mar 2026, 09:30
                    # EET". Glossary (locales/glossary.toml): case; deadline.
                    _("Next case deadline: {deadline}.").format(
                        deadline=day_and_time(facts.cases.next_deadline, zone)
                    )
                )
            lines.append(
                # Translators: {count} and {overdue} are numbers, e.g. 1 and 0. A consent request
                # is a request to take back an agreement given for a child. Glossary
                # (locales/glossary.toml): agreement (consent); deadline.
                _("Consent requests due: {count}. Past their deadline: {overdue}.").format(
                    count=facts.consent.open, overdue=facts.consent.overdue
                )
            )
            if facts.consent.next_deadline is not None:
                lines.append(
                    # Translators: {deadline} is a local date and time, e.g. "14 Mar 2026, 09:30
                    # EET". Glossary (locales/glossary.toml): agreement (consent); deadline.
                    _("Next consent request deadline: {deadline}.").format(
                        deadline=day_and_time(facts.consent.next_deadline, zone)
                    )
                )
            if facts.fingerprint is not None:
                # Translators: {fingerprint} is a long hexadecimal string, kept exactly (the same
                # as in the board's daily message).
                fingerprint = _("Audit log fingerprint: <code>{fingerprint}</code>")
                lines.append("🔏 " + fingerprint.format(fingerprint=facts.fingerprint))
            return "\n".join(lines)

    def outage(self, outage: Outage, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {duration} is a duration in words, e.g. "3 hours 20 minutes"
            # (translated on its own). {count} is a number, e.g. 4 (messages people wrote to the
            # bot while it was stopped, which Telegram kept and delivered when it started again).
            text = "⚠️ " + _(
                "SafePerson was not running for {duration}. Messages that arrived late: {count}."
            ).format(duration=duration(outage.down_for), count=outage.late)
            if outage.lost_some:
                # Translators: said after the message above when the bot was stopped for more
                # than a day.
                text += "\n" + _(
                    "Telegram keeps messages for 24 hours only: messages sent before that "
                    "are lost. Ask people to write again if they wrote then."
                )
            return text
