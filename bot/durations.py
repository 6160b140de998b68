"""Durations in the organisation's config: short strings such as "90s", "10m", "8h", "1h30m"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([smhd])")
_WHOLE = re.compile(r"^\s*(\d+\s*[smhd]\s*)+$")
_BARE_NUMBER = re.compile(r"^\s*[+-]?\d+(\.\d+)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_HINT = 'write a number and a unit in quotes, such as "24h" ("90s", "10m", "2d" and "1h30m" too)'


def parse_duration(text: str) -> timedelta:
    """Parse "90s", "10m", "8h", "2d" or a sum such as "1h30m"; zero is refused."""
    if _BARE_NUMBER.match(text):
        raise ValueError(_bare_number_refused(text.strip()))
    if not _WHOLE.match(text):
        raise ValueError(f'"{text}" is not a duration; {_HINT}')
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(text))
    if seconds <= 0:
        raise ValueError(f'"{text}" is zero; a duration must be longer than that: {_HINT}')
    return timedelta(seconds=seconds)


def not_a_duration(value: object) -> str:
    """Why a config value that is not a string is refused: a TOML number, date, list or table."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _bare_number_refused(str(value))
    return f"expected a duration; {_HINT}"


def _bare_number_refused(number: str) -> str:
    # Whether 24 meant hours, minutes or seconds would be a guess, and a deadline of 24 seconds
    # instead of 24 hours must never happen silently.
    if float(number) <= 0:
        return f"{number} is not a duration (it must be longer than zero); {_HINT}"
    return f"{number} has no unit; {_HINT}"


def format_duration(value: timedelta) -> str:
    """The inverse of parse_duration, in the largest units that divide it exactly."""
    seconds = int(value.total_seconds())
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = _UNIT_SECONDS[unit]
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def format_time_left(value: timedelta) -> str:
    """Time left to a deadline, to the minute (seconds would only be noise): "23h59m", "5m"."""
    minutes = max(1, int(value.total_seconds()) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return "".join(parts)


@dataclass(frozen=True)
class ShownDuration:
    """A duration as people read it: at most two units, the smaller one rounded up, so a
    reminder never shows less time than there is ("1 day 3 hours", "3 hours 5 minutes").
    Zero units are left out; seconds appear only when allowed and under a minute."""

    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0


def shown_duration(value: timedelta, *, with_seconds: bool = False) -> ShownDuration:
    """Round up to the smaller of the two largest units; never less than one of the smallest
    unit allowed (a deadline a few seconds away is still "1 minute" away, never "0")."""
    seconds = max(1, math.ceil(value.total_seconds()))
    if with_seconds and seconds < 60:
        return ShownDuration(seconds=seconds)
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return ShownDuration(minutes=minutes)
    if minutes < 24 * 60:
        hours, minutes = divmod(minutes, 60)
        return ShownDuration(hours=hours, minutes=minutes)
    days, minutes = divmod(minutes, 24 * 60)
    hours = math.ceil(minutes / 60)
    if hours == 24:
        days, hours = days + 1, 0
    return ShownDuration(days=days, hours=hours)
