"""Which deadline reminder applies now, and when a case must next be looked at.

Cases and consent requests share these rules: reminders go at fixed intervals before the
deadline (only the latest that applies, so a bot that was down does not send three at once),
and at the deadline the board is alerted. Each case carries `next_reminder_at`, the next moment
one of these can change, so that the sweep reads only the cases due now, not every open case.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

# How many due cases one sweep transaction takes: small commits, so that no update waits long.
SWEEP_BATCH: Final = 100


def latest_reminder(
    deadline: datetime, reminders: Sequence[timedelta], now: datetime
) -> timedelta | None:
    """The smallest interval before the deadline already reached (None: none yet)."""
    reached = [r for r in sorted(reminders) if now >= deadline - r]
    return reached[0] if reached else None


def next_look(deadline: datetime, reminders: Sequence[timedelta], now: datetime) -> datetime | None:
    """The next reminder's moment, else the deadline itself; None once the deadline passed."""
    upcoming = sorted(deadline - r for r in reminders if deadline - r > now)
    if upcoming:
        return upcoming[0]
    return deadline if now < deadline else None
