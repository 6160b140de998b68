"""Case handling rules without Telegram: the steps, referral times, time left, long reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.case_model import CaseStatus, next_steps
from bot.casework import close_reason, parse_referral_time, referral_time_example
from bot.durations import format_time_left
from handlers.reading import in_chunks

RECEIVED = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
BUCHAREST = ZoneInfo("Europe/Bucharest")


@pytest.mark.parametrize(
    ("status", "steps"),
    [
        ("alerted", ()),
        ("acknowledged", ("assessing", "referred", "closed")),
        ("assessing", ("referred", "closed")),
        ("referred", ("closed",)),
        ("closed", ()),
    ],
)
def test_a_case_moves_forward_only(status: str, steps: tuple[str, ...]) -> None:
    assert next_steps(CaseStatus(status)) == steps


def test_only_known_close_reasons_are_taken_from_a_button() -> None:
    assert close_reason("duplicate") == "duplicate"
    assert close_reason("because I said so") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Typed on Bucharest's clocks (UTC+2 in March): stored in UTC.
        ("15.03.2026 11:30", datetime(2026, 3, 15, 9, 30, tzinfo=UTC)),
        ("2026-03-15 11:30", datetime(2026, 3, 15, 9, 30, tzinfo=UTC)),
        ("  15.03.2026   11:30 ", datetime(2026, 3, 15, 9, 30, tzinfo=UTC)),
        ("15.03.2026 01:00", datetime(2026, 3, 14, 23, 0, tzinfo=UTC)),  # still the 14th in UTC
        ("11:45", datetime(2026, 3, 15, 9, 45, tzinfo=UTC)),  # today
        ("15.03.2026", datetime(2026, 3, 14, 22, 0, tzinfo=UTC)),  # local midnight
        ("14.03.2026", RECEIVED),  # the day it came in: from its receipt
        ("15.03.2026 12:04", datetime(2026, 3, 15, 10, 4, tzinfo=UTC)),  # a fast phone clock
        ("15.03.2026 13:00", None),  # the future
        ("14.03.2026 09:00", None),  # before the case came in (07:00 UTC)
        ("07:00 yesterday", None),
        ("", None),
    ],
)
def test_referral_times_as_an_officer_types_them(typed: str, expected: datetime | None) -> None:
    assert parse_referral_time(typed, NOW, RECEIVED, BUCHAREST) == expected


def test_the_referral_prompts_example_is_the_local_minute_now() -> None:
    assert referral_time_example(NOW, BUCHAREST) == "15.03.2026 12:00"
    assert referral_time_example(NOW, ZoneInfo("Europe/Tirane")) == "15.03.2026 11:00"


def test_a_referral_time_in_summer_is_read_with_the_summer_offset() -> None:
    received = datetime(2026, 7, 14, 8, 0, tzinfo=UTC)
    now = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
    tirane = ZoneInfo("Europe/Tirane")  # UTC+2 in July
    assert parse_referral_time("15.07.2026 11:30", now, received, tirane) == datetime(
        2026, 7, 15, 9, 30, tzinfo=UTC
    )
    assert parse_referral_time("11:30", now, received, tirane) == datetime(
        2026, 7, 15, 9, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 3, 29, 1, 0, 30, tzinfo=UTC),  # the minute clocks jump to 04:00
        datetime(2026, 10, 25, 0, 30, 59, tzinfo=UTC),  # the first pass of the repeated hour
        datetime(2026, 10, 25, 1, 30, 59, tzinfo=UTC),  # its second pass
        datetime(2026, 12, 31, 22, 0, 1, tzinfo=UTC),  # the first second of a new local year
    ],
)
@pytest.mark.parametrize("zone", [BUCHAREST, ZoneInfo("Europe/Tirane"), ZoneInfo("UTC")])
def test_the_referral_prompts_example_is_accepted_even_for_a_case_just_in(
    now: datetime, zone: ZoneInfo
) -> None:
    example = referral_time_example(now, zone)
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", example)  # the local way, no "UTC"
    received_just_now = now - timedelta(seconds=1)
    accepted = parse_referral_time(example, now, received_just_now, zone)
    assert accepted is not None
    assert now - timedelta(minutes=1) < accepted <= now


@pytest.mark.parametrize(
    ("left", "shown"),
    [
        (timedelta(hours=23, minutes=59, seconds=47), "23h59m"),
        (timedelta(hours=5), "5h"),
        (timedelta(days=2, minutes=3), "2d3m"),
        (timedelta(seconds=20), "1m"),
    ],
)
def test_time_left_is_shown_to_the_minute(left: timedelta, shown: str) -> None:
    assert format_time_left(left) == shown


def test_a_long_report_is_cut_into_messages_without_breaking_markup() -> None:
    escaped = "a &amp; b " * 900  # 9000 characters of escaped text in one line
    lines = ["<b>Case ABC123</b>", escaped, "<i>15 Mar 2026, 11:30 EET · Note by Ana</i>", "ok"]
    chunks = in_chunks(lines, size=1000)
    assert all(len(chunk) <= 1000 for chunk in chunks)
    assert "".join(chunks).replace("\n", "") == "".join(lines)
    for chunk in chunks:
        assert chunk.count("&") == chunk.count("&amp;")  # no entity cut in two
        assert chunk.count("<b>") == chunk.count("</b>")
        assert chunk.count("<i>") == chunk.count("</i>")
