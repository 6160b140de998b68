"""Times in words: in the organisation's zone and the reader's language, never as ISO or UTC.

Children see a day as they would say it ("14 March 2026"); staff see the day and the time with
the zone's own abbreviation ("14 Mar 2026, 15:30 EET"), so nobody takes it for UTC.

Romani has no CLDR locale, so Babel has no month names for it: Romani readers see the day as
digits ("14.03.2026"), the way Romanian and Albanian schools write dates, rather than month names
borrowed from another language in the middle of a Romani sentence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import get_i18n
from babel.dates import format_date, format_datetime

from bot.languages import LanguageCode, is_supported
from bot.local_time import on_the_wall

# Locales Babel knows; any other language is shown in digits.
_CLDR_LOCALES: Final[frozenset[LanguageCode]] = frozenset({"ro", "sq", "en"})
_DAY_IN_WORDS: Final = "d MMMM y"
_DAY_AND_TIME: Final = "d MMM y, HH:mm"
_DAY_IN_DIGITS: Final = "%d.%m.%Y"
_DAY_AND_TIME_IN_DIGITS: Final = "%d.%m.%Y, %H:%M"


def _reader_locale() -> LanguageCode | None:
    """The language of the text being written, when Babel has its month names."""
    locale = get_i18n().current_locale
    return locale if is_supported(locale) and locale in _CLDR_LOCALES else None


def day_in_words(moment: datetime, zone: ZoneInfo) -> str:
    """The day a moment falls on in the zone, for anyone, children first: "14 March 2026"."""
    wall = on_the_wall(moment, zone)
    locale = _reader_locale()
    if locale is None:
        return wall.strftime(_DAY_IN_DIGITS)
    return format_date(wall.date(), _DAY_IN_WORDS, locale=locale)


def day_and_time(moment: datetime, zone: ZoneInfo) -> str:
    """A moment for staff, to the minute, with the zone's abbreviation: "14 Mar 2026, 15:30 EET"."""
    wall = on_the_wall(moment, zone)
    locale = _reader_locale()
    if locale is None:
        shown = wall.strftime(_DAY_AND_TIME_IN_DIGITS)
    else:
        shown = format_datetime(wall, _DAY_AND_TIME, locale=locale)
    return f"{shown} {wall.tzname()}"
