"""The ready line of `safeperson run`: bot, database, languages, staff by role, and a warning."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import make_url

from bot.ready import describe_database, ready_lines
from bot.settings import OrganisationConfig
from bot.setup_files import EXAMPLE_CONFIG
from storage import migrate
from storage.cases import StaffRepository
from storage.db import Database
from storage.vocabulary import StaffRole, StaffStatus

CONFIG = OrganisationConfig.model_validate(tomllib.loads(EXAMPLE_CONFIG))


@pytest.fixture
async def database(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    await migrate.upgrade(database)
    yield database
    await database.dispose()


async def add(database: Database, name: str, role: str, status: str = "active") -> None:
    await StaffRepository(database).add(
        name=name,
        role=StaffRole(role),
        activity="summer_camp" if role == "safe_person" else None,
        status=StaffStatus(status),
        public_key=b"k" * 32 if status == "active" else None,
        pseudonym=None,
        now=datetime.now(UTC),
    )


async def lines_for(database: Database) -> list[str]:
    return await ready_lines(StaffRepository(database), database.url, CONFIG, "impreuna_bot")


async def test_the_ready_line_names_bot_database_languages_and_staff_by_role(
    database: Database, sqlite_url: str
) -> None:
    await add(database, "Maria Popescu", "officer")
    await add(database, "Ion", "deputy")
    await add(database, "Dan", "safe_person")
    await add(database, "Ana", "officer", status="invited")  # no key yet: not enrolled
    await add(database, "Elena", "board", status="revoked")

    [line] = await lines_for(database)

    assert line.startswith("ready: @impreuna_bot, ")
    assert f"database SQLite {sqlite_url.removeprefix('sqlite+aiosqlite:///')}" in line
    assert "languages ro, rom, en (default ro)" in line
    assert "staff enrolled: officer 1, deputy 1, board 0, dpo 0, safe_person 1" in line
    for name in ("Maria", "Popescu", "Ion", "Dan", "Ana", "Elena"):
        assert name not in line


async def test_no_officer_enrolled_is_a_loud_warning(database: Database) -> None:
    ready, warning = await lines_for(database)
    assert "officer 0" in ready
    assert warning.startswith("NO OFFICER IS ENROLLED: ")
    assert "EVERY REPORT WILL BE REFUSED" in warning
    assert "safeperson staff invite --role officer --name NAME" in warning

    await add(database, "Ion", "deputy")
    _, warning = await lines_for(database)
    assert "the deputies or the board first" in warning

    await add(database, "Maria", "officer")
    assert len(await lines_for(database)) == 1


def test_a_postgresql_database_is_named_without_its_password() -> None:
    url = make_url("postgresql+asyncpg://safeperson:hunter2@db.internal:5433/reports")
    assert describe_database(url) == "PostgreSQL db.internal:5433/reports"
