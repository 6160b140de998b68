"""The organisation's clock on the wall: times are stored in UTC and read and typed in its zone.

The zone is the organisation's (from its config, or its country's); a person's phone zone is
not known to the bot, and staff and children of one organisation live in one country.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.helplines import Country

COUNTRY_ZONES: Final[Mapping[Country, str]] = {
    "RO": "Europe/Bucharest",
    "AL": "Europe/Tirane",
}


def zone_named(name: str) -> ZoneInfo:
    """The zone of an IANA name ("Europe/Bucharest"); ValueError, with an example, if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f'"{name}" is not a time zone name; write one such as timezone = "Europe/Bucharest" '
            'or "Europe/Tirane" under [organisation], or leave it out for the country\'s own'
        ) from exc


def on_the_wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """A stored (UTC) moment as the clocks in the zone show it."""
    if moment.tzinfo is None:
        # astimezone would take it for the server's own zone: a wrong time, shown as right.
        raise ValueError("a moment without its zone cannot be shown on the organisation's clock")
    return moment.astimezone(zone)


def from_the_wall(wall: datetime, zone: ZoneInfo) -> tuple[datetime, ...]:
    """A time as read off the zone's clocks (naive), as the UTC moments it may be: one, or two
    in the hour the clocks repeat in autumn (the earlier first). In the hour skipped in spring
    the time is taken with the winter offset, within an hour of what was meant.
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return (first,) if first == second else (first, second)
