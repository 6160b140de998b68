"""Which deadline reminder applies, and when the sweep must look at a case again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.deadlines import latest_reminder, next_look

DEADLINE = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
REMINDERS = (timedelta(hours=1), timedelta(hours=12))


def test_before_any_reminder_the_next_look_is_the_first_reminder() -> None:
    now = DEADLINE - timedelta(hours=20)
    assert latest_reminder(DEADLINE, REMINDERS, now) is None
    assert next_look(DEADLINE, REMINDERS, now) == DEADLINE - timedelta(hours=12)


def test_between_reminders_the_latest_reached_applies() -> None:
    now = DEADLINE - timedelta(hours=5)
    assert latest_reminder(DEADLINE, REMINDERS, now) == timedelta(hours=12)
    assert next_look(DEADLINE, REMINDERS, now) == DEADLINE - timedelta(hours=1)


def test_a_bot_that_was_down_sends_only_the_last_reminder_then_waits_for_the_deadline() -> None:
    now = DEADLINE - timedelta(minutes=10)
    assert latest_reminder(DEADLINE, REMINDERS, now) == timedelta(hours=1)
    assert next_look(DEADLINE, REMINDERS, now) == DEADLINE


def test_after_the_deadline_there_is_nothing_more_to_look_at() -> None:
    assert next_look(DEADLINE, REMINDERS, DEADLINE) is None
    assert next_look(DEADLINE, (), DEADLINE - timedelta(hours=1)) == DEADLINE
