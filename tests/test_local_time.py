"""Times in the organisation's zone: stored in UTC, read and shown on the local clocks, in words
of the reader's language, never as ISO dates or "UTC"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n

from bot.catalogs import LOCALES_DIR
from bot.local_time import from_the_wall, on_the_wall
from handlers.report_texts import reply_from_safe_person
from handlers.when import day_and_time, day_in_words

BUCHAREST = ZoneInfo("Europe/Bucharest")
TIRANE = ZoneInfo("Europe/Tirane")
WINTER = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def reading_in() -> Iterator[I18n]:
    translations = I18n(path=LOCALES_DIR, default_locale="en", domain="messages")
    with translations.context():
        yield translations


@pytest.mark.parametrize(
    ("moment", "zone", "hour", "abbreviation"),
    [
        (WINTER, BUCHAREST, 12, "EET"),
        (SUMMER, BUCHAREST, 13, "EEST"),
        (WINTER, TIRANE, 11, "CET"),
        (SUMMER, TIRANE, 12, "CEST"),
    ],
)
def test_a_stored_moment_is_shown_on_the_local_clock_and_typed_back_the_same(
    moment: datetime, zone: ZoneInfo, hour: int, abbreviation: str
) -> None:
    wall = on_the_wall(moment, zone)
    assert (wall.hour, wall.minute, wall.tzname()) == (hour, 0, abbreviation)
    assert from_the_wall(wall.replace(tzinfo=None), zone) == (moment,)


def test_a_moment_without_its_zone_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="without its zone"):
        on_the_wall(datetime(2026, 1, 15, 10, 0), BUCHAREST)


def test_the_hour_repeated_in_autumn_may_be_either_pass() -> None:
    first, second = from_the_wall(datetime(2026, 10, 25, 3, 30), BUCHAREST)
    assert (first, second) == (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "15 January 2026"),
        ("ro", "15 ianuarie 2026"),
        ("sq", "15 janar 2026"),
        ("rom", "15.01.2026"),  # no CLDR month names for Romani: the day in digits
    ],
)
def test_a_child_reads_the_day_in_words_of_their_language(
    reading_in: I18n, language: str, shown: str
) -> None:
    with reading_in.use_locale(language):
        assert day_in_words(WINTER, BUCHAREST) == shown


def test_the_day_is_the_local_one_not_the_utc_one(reading_in: I18n) -> None:
    late_evening = datetime(2026, 3, 14, 22, 30, tzinfo=UTC)  # 00:30 on the 15th in Bucharest
    with reading_in.use_locale("en"):
        assert day_in_words(late_evening, BUCHAREST) == "15 March 2026"
        assert day_in_words(late_evening, TIRANE) == "14 March 2026"


@pytest.mark.parametrize(
    ("language", "zone", "shown"),
    [
        ("en", BUCHAREST, "15 Jul 2026, 13:00 EEST"),
        ("ro", BUCHAREST, "15 iul. 2026, 13:00 EEST"),
        ("sq", TIRANE, "15 korr 2026, 12:00 CEST"),
        ("rom", BUCHAREST, "15.07.2026, 13:00 EEST"),
        ("en", ZoneInfo("UTC"), "15 Jul 2026, 10:00 UTC"),  # only a UTC organisation sees UTC
    ],
)
def test_staff_see_the_local_day_and_time_with_the_zone(
    reading_in: I18n, language: str, zone: ZoneInfo, shown: str
) -> None:
    with reading_in.use_locale(language):
        assert day_and_time(SUMMER, zone) == shown


@pytest.mark.parametrize("language", ["en", "ro", "sq", "rom"])
def test_the_safe_persons_reply_carries_no_iso_date_and_no_utc(
    reading_in: I18n, language: str
) -> None:
    with reading_in.use_locale(language):
        shown = reply_from_safe_person("Hello", SUMMER, BUCHAREST)
    assert "2026-07-15" not in shown
    assert "UTC" not in shown
    assert ("15.07.2026" if language == "rom" else "2026") in shown
