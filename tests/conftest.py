"""Shared fixtures: databases (a SQLite file, and a fresh PostgreSQL database), each already
migrated: the migrations run once per test session (per worker process), into a template that
every test's database is a copy of."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from bot.catalogs import compile_catalogs
from storage import migrate
from storage.db import Database

# PostgreSQL runs on the test machines on 127.0.0.1:5432 with trust authentication.
POSTGRES_ADMIN_DSN = os.environ.get(
    "SAFEPERSON_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SQLITE_FILE = "safeperson.db"


async def _admin_connection() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(POSTGRES_ADMIN_DSN)
    except OSError as exc:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_DSN}: start it, or point "
            "SAFEPERSON_TEST_POSTGRES at one (the storage tests run on SQLite and PostgreSQL)"
        ) from exc


def _postgres_url(name: str) -> str:
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()


@asynccontextmanager
async def fresh_postgres_database(template: str | None = None) -> AsyncIterator[str]:
    """A new PostgreSQL database as a SQLAlchemy URL (empty, or a copy of `template`); dropped
    afterwards."""
    name = f"safeperson_test_{uuid.uuid4().hex[:12]}"
    admin = await _admin_connection()
    try:
        copy_of = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{copy_of}')
    finally:
        await admin.close()
    try:
        yield _postgres_url(name)
    finally:
        admin = await _admin_connection()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


class MigratedTemplates:
    """A migrated SQLite file and a migrated PostgreSQL database, each made the first time a
    test asks for one and copied for every test after. Copying takes a few milliseconds;
    migrating took about 60 ms on SQLite and 200-400 ms on PostgreSQL, for every test."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    async def sqlite_copy(self, folder: Path) -> str:
        """A migrated SQLite database in `folder`, as a SQLAlchemy URL."""
        if self._sqlite is None:
            template = self._folder / SQLITE_FILE
            await _migrate(f"sqlite+aiosqlite:///{template}")
            self._sqlite = template
        # The template is closed, so its journal is folded in: the one file is the database.
        copy = folder / SQLITE_FILE
        shutil.copyfile(self._sqlite, copy)
        return f"sqlite+aiosqlite:///{copy}"

    async def postgres_template(self) -> str:
        """The migrated PostgreSQL database's name (nobody connects to it but CREATE DATABASE)."""
        if self._postgres is None:
            name = f"safeperson_template_{uuid.uuid4().hex[:12]}"
            admin = await _admin_connection()
            try:
                await admin.execute(f'CREATE DATABASE "{name}"')
            finally:
                await admin.close()
            self._postgres = name
            await _migrate(_postgres_url(name))
        return self._postgres

    async def drop(self) -> None:
        if self._postgres is None:
            return
        admin = await _admin_connection()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self._postgres}" WITH (FORCE)')
        finally:
            await admin.close()
        self._postgres = None


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    # One per session, and so one per worker process if the tests are ever spread over several.
    templates = MigratedTemplates(tmp_path_factory.mktemp("migrated"))
    yield templates
    asyncio.run(templates.drop())


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    compile_catalogs()


@pytest.fixture
def secret() -> bytes:
    return bytes(range(32))


@pytest.fixture
async def sqlite_url(tmp_path: Path, migrated_templates: MigratedTemplates) -> str:
    return await migrated_templates.sqlite_copy(tmp_path)


@pytest.fixture
async def postgres_url(migrated_templates: MigratedTemplates) -> AsyncIterator[str]:
    async with fresh_postgres_database(await migrated_templates.postgres_template()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: MigratedTemplates
) -> AsyncIterator[str]:
    """Storage tests run on both backends the project supports; the schema is in place."""
    if request.param == "sqlite":
        yield await migrated_templates.sqlite_copy(tmp_path)
        return
    async with fresh_postgres_database(await migrated_templates.postgres_template()) as url:
        yield url
