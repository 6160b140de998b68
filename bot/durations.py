"""Durations in the organisation's config: short strings such as "90s", "10m", "8h", "1h30m"."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([smhd])")
_WHOLE = re.compile(r"^\s*(\d+\s*[smhd]\s*)+$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """Parse "90s", "10m", "8h", "2d" or a sum such as "1h30m"; zero is refused."""
    if not _WHOLE.match(text):
        raise ValueError(
            f'"{text}" is not a duration; write a number and a unit: "90s", "10m", "8h" or "2d"'
        )
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(text))
    if seconds <= 0:
        raise ValueError(f'"{text}" is zero; a duration must be longer than that')
    return timedelta(seconds=seconds)


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
