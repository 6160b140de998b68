"""Case handling rules without Telegram: the steps, referral times, time left, long reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.case_model import CaseStatus, next_steps
from bot.casework import close_reason, parse_referral_time
from bot.durations import format_time_left
from handlers.reading import in_chunks

RECEIVED = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)


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
        ("2026-03-15 09:30", datetime(2026, 3, 15, 9, 30, tzinfo=UTC)),
        ("15.03.2026 09:30", datetime(2026, 3, 15, 9, 30, tzinfo=UTC)),
        ("  2026-03-15   09:30 ", datetime(2026, 3, 15, 9, 30, tzinfo=UTC)),
        ("09:45", datetime(2026, 3, 15, 9, 45, tzinfo=UTC)),  # today
        ("2026-03-15", datetime(2026, 3, 15, 0, 0, tzinfo=UTC)),
        ("14.03.2026", RECEIVED),  # the day it came in: from its receipt
        ("2026-03-15 10:04", datetime(2026, 3, 15, 10, 4, tzinfo=UTC)),  # a fast phone clock
        ("2026-03-15 11:00", None),  # the future
        ("2026-03-14 07:00", None),  # before the case came in
        ("07:00 yesterday", None),
        ("", None),
    ],
)
def test_referral_times_as_an_officer_types_them(typed: str, expected: datetime | None) -> None:
    assert parse_referral_time(typed, NOW, RECEIVED) == expected


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
    lines = ["<b>Case ABC123</b>", escaped, "<i>2026-03-15 09:30 UTC · Note by Ana</i>", "ok"]
    chunks = in_chunks(lines, size=1000)
    assert all(len(chunk) <= 1000 for chunk in chunks)
    assert "".join(chunks).replace("\n", "") == "".join(lines)
    for chunk in chunks:
        assert chunk.count("&") == chunk.count("&amp;")  # no entity cut in two
        assert chunk.count("<b>") == chunk.count("</b>")
        assert chunk.count("<i>") == chunk.count("</i>")
