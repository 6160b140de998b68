"""What `safeperson run` says once it is ready: the lines an operator checks at a glance.

Which bot, which database, which languages, and how many people can read reports, by role.
Nothing here names a person: staff are counted, never listed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy.engine import URL

from bot.case_model import StaffRole
from bot.settings import OrganisationConfig
from bot.staff import ROLES
from storage.cases import StaffRepository

INVITE_AN_OFFICER = "safeperson staff invite --role officer --name NAME"


def describe_database(url: URL) -> str:
    """The kind of database and where it is, never the password."""
    if url.get_backend_name() == "sqlite":
        where = url.database or ":memory:"
        path = where if where == ":memory:" else str(Path(where).resolve())
        return f"SQLite {path}"
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL {host}{port}/{url.database or ''}"


async def enrolled_by_role(staff: StaffRepository) -> Counter[str]:
    """How many members of each role are enrolled (a key, not revoked)."""
    return Counter(member.role for member in await staff.active_readers(ROLES))


def no_officer_warning(enrolled: Counter[str]) -> str | None:
    """The loud line for when no officer is enrolled, saying what that costs; None if one is."""
    if enrolled[StaffRole.OFFICER]:
        return None
    cost = what_no_officer_costs(enrolled)
    return f"NO OFFICER IS ENROLLED: {cost}; invite one now: {INVITE_AN_OFFICER}"


async def ready_lines(
    staff: StaffRepository, database_url: URL, config: OrganisationConfig, bot_username: str
) -> list[str]:
    """The "ready" line, and a warning line after it when no officer is enrolled (logged as a
    warning, so it carries no "WARNING" of its own)."""
    enrolled = await enrolled_by_role(staff)
    counts = ", ".join(f"{role} {enrolled[role]}" for role in ROLES)
    languages = config.languages
    lines = [
        f"ready: @{bot_username}, database {describe_database(database_url)}, "
        f"languages {', '.join(languages.enabled)} (default {languages.default}), "
        f"staff enrolled: {counts}"
    ]
    warning = no_officer_warning(enrolled)
    return lines if warning is None else [*lines, warning]


def what_no_officer_costs(enrolled: Counter[str]) -> str:
    """What is lost without an officer, given who else is enrolled."""
    # A report is sealed for every enrolled reader it may go to, and refused with none; the
    # ladder skips an empty tier.
    if not (
        enrolled[StaffRole.DEPUTY] or enrolled[StaffRole.BOARD] or enrolled[StaffRole.SAFE_PERSON]
    ):
        return "EVERY REPORT WILL BE REFUSED (nobody can read it)"
    if not (enrolled[StaffRole.DEPUTY] or enrolled[StaffRole.BOARD]):
        return "a report from outside an enrolled safe person's activity will be refused"
    return "new cases alert the deputies or the board first"
