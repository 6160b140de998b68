"""`[heartbeat]` in the organisation's config (bot.heartbeat sends it)."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _time_of_day(value: object) -> object:
    """A time of day written "08:00" (or as a TOML local time); anything else is refused."""
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            hours, minutes = value.strip().split(":")
            return time(int(hours), int(minutes))
        except ValueError:
            pass
    raise ValueError(f'{value!r} is not a time of day: write at = "08:00" under [heartbeat]')


class HeartbeatSchedule(BaseModel):
    """`[heartbeat]` in the config: when, and to whom; `enabled = false` turns it off."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    # On the organisation's clock (its zone), every day.
    at: Annotated[time, BeforeValidator(_time_of_day)] = time(8, 0)
    to_board: bool = False
