"""What /stats and `safeperson stats` say: the words of the board's figures, their charts and
their table, in the reader's language.

Month names come from Babel for the languages it knows; Romani has no CLDR locale, so Romani
readers see months in digits ("03.2026"), as handlers/when.py shows Romani days.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date
from babel.numbers import format_percent

from bot.board_charts import ChartWords
from bot.board_figures import (
    NO_ACTIVITY,
    PROTECTING_MARK,
    SMALL_MARK,
    BoardFigures,
    Count,
    Duration,
    Share,
    Withheld,
    month_key,
)
from bot.case_model import Urgency
from bot.languages import is_supported
from bot.settings import OrganisationConfig
from handlers.texts import duration

# Locales Babel knows; any other language gets digits.
_CLDR_LOCALES: Final = frozenset({"ro", "sq", "en"})


def _babel_locale() -> str | None:
    locale = get_i18n().current_locale
    return locale if is_supported(locale) and locale in _CLDR_LOCALES else None


def month_label(month: date) -> str:
    """A month as a chart's axis shows it: "mar. 2026", or "03.2026" in Romani."""
    locale = _babel_locale()
    if locale is None:
        return f"{month:%m.%Y}"
    return format_date(month, "LLL y", locale=locale)


def day_label(day: date) -> str:
    locale = _babel_locale()
    if locale is None:
        return f"{day:%d.%m.%Y}"
    return format_date(day, "d MMMM y", locale=locale)


def percent(value: float) -> str:
    locale = _babel_locale()
    if locale is None:
        return f"{round(value * 100)}%"
    return format_percent(value, locale=locale)


def command_description() -> str:
    # Translators: Glossary (locales/glossary.toml): board.
    return _("Figures for the board")


def not_allowed() -> str:
    # Translators: Glossary (locales/glossary.toml): board; Child Protection Officer.
    return _("Only the board and the Child Protection Officer see these figures.")


def usage() -> str:
    # Translators: "/stats" and "/stats 2026" are commands: keep them as they are.
    return _("Send /stats for the last 12 months, or /stats 2026 for one year.")


def title(figures: BoardFigures) -> str:
    period = figures.period
    # Translators: {first} and {last} are days, e.g. "1 January 2026" and "31 December 2026".
    return _("Figures from {first} to {last}").format(
        first=day_label(period.first), last=day_label(period.last)
    )


def count_shown(count: Count) -> str:
    return count.mark


def duration_shown(value: Duration) -> str:
    if value.value is None:
        return fewer_than_three()
    return duration(value.value) if value.value > timedelta(0) else duration(timedelta(minutes=1))


def share_shown(value: Share) -> str:
    if value.value is not None:
        return percent(value.value)
    if value.withheld == Withheld.FEW_CASES:
        return fewer_than_three()
    return hidden_small_numbers()


def fewer_than_three() -> str:
    # Translators: Glossary (locales/glossary.toml): case.
    return _("fewer than 3 cases")


def hidden_small_numbers() -> str:
    return _("hidden: it would show a number under 3")


def footnote() -> str:
    # Translators: {small} is "<3", {protecting} is "≥3": keep both signs as they are.
    return _(
        "{small}: 1 or 2, not shown so that nobody can be singled out. "
        "{protecting}: 3 or more, not shown so that a hidden number cannot be worked out "
        "from the total."
    ).format(small=SMALL_MARK, protecting=PROTECTING_MARK)


def caption(figures: BoardFigures) -> str:
    # Translators: {title} is e.g. "Figures from 1 January 2026 to 31 December 2026".
    # {count} is the number of concerns, or "<3". Glossary (locales/glossary.toml): case.
    return _("{title}. Concerns received: {count}. The full report is in the PDF below.").format(
        title=title(figures), count=figures.concerns.mark
    )


def audience_short(key: str) -> str:
    labels = {
        "child": _("children and young people"),
        "parent": _("parents and guardians"),
        "staff": _("staff and volunteers"),
        "other": _("others"),
    }
    return labels.get(key, key)


def urgency_short(key: str) -> str:
    labels: dict[str, str] = {
        # Translators: Glossary (locales/glossary.toml): danger.
        Urgency.IMMEDIATE: _("immediate danger"),
        # Translators: Glossary (locales/glossary.toml): urgent.
        Urgency.URGENT: _("urgent"),
        Urgency.STANDARD: _("standard"),
    }
    return labels.get(key, key)


def no_activity() -> str:
    return _("no activity given")


def key_numbers(figures: BoardFigures) -> tuple[tuple[str, str], ...]:
    return (
        (_("Concerns received"), figures.concerns.mark),
        # Translators: the middle value: half the concerns were acknowledged sooner.
        (_("Time to acknowledge, median"), duration_shown(figures.ack_median)),
        # Translators: 9 in 10 concerns were acknowledged sooner than this.
        (_("Time to acknowledge, 90th percentile"), duration_shown(figures.ack_p90)),
        # Translators: Glossary (locales/glossary.toml): deadline.
        (_("Referred or closed within the deadline"), share_shown(figures.within_deadline)),
        # Translators: Glossary (locales/glossary.toml): deputy; board.
        (_("Alerts passed on to the deputies or the board"), figures.climbed.mark),
        # Translators: Glossary (locales/glossary.toml): agreement (consent); take back (withdraw).
        (_("Requests to take back consent"), figures.consent_requests.mark),
        (
            # Translators: Glossary (locales/glossary.toml): agreement (consent); deadline.
            _("Consent requests done within the deadline"),
            share_shown(figures.consent_within_deadline),
        ),
    )


def chart_words(figures: BoardFigures, config: OrganisationConfig) -> ChartWords:
    """Every word of the charts and the table, in the current language."""
    activities = {a.code: a.name for a in config.activities}
    return ChartWords(
        title=title(figures),
        by_month=_("Concerns by month"),
        by_audience=_("Concerns by who wrote"),
        # Translators: Glossary (locales/glossary.toml): urgent (here "urgency").
        by_urgency=_("Concerns by urgency"),
        by_activity=_("Concerns by activity"),
        count_axis=_("Concerns"),
        months={month_key(m): month_label(m) for m in figures.period.months()},
        audiences={cell.key: audience_short(cell.key) for cell in figures.by_audience.cells},
        urgencies={cell.key: urgency_short(cell.key) for cell in figures.by_urgency.cells},
        activities={
            cell.key: no_activity()
            if cell.key == NO_ACTIVITY
            else activities.get(cell.key, cell.key)
            for cell in figures.by_activity.cells
        },
        key_numbers=key_numbers(figures),
        key_numbers_title=_("Key numbers"),
        footnote=footnote(),
        table_title=_("All figures"),
        table_heading=(_("Figure"), _("Number")),
    )
