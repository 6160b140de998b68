"""Apply Alembic migrations through the application's own async engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from storage.db import Database

_SCRIPTS = Path(__file__).parent / "migrations"


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def is_known_revision(revision: str) -> bool:
    """Whether this code has the migration `revision` (a newer version's is unknown to it)."""
    script = ScriptDirectory.from_config(_alembic_config())
    return revision in {known.revision for known in script.walk_revisions()}


class BrokenReferencesError(RuntimeError):
    """A migration left rows pointing at rows that are gone; nothing of it was kept."""


async def _migrate(database: Database, step: Callable[[Connection], None]) -> None:
    async with database.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # On SQLite a migration may rebuild a table (copy it, drop the old one, rename).
            # With foreign keys enforced, dropping the old table deletes, by cascade, every row
            # that refers to it: a case's sealed entries and keys. SQLite's own procedure for
            # rebuilding a table turns them off first and checks them before committing. The
            # pragma has no effect inside a transaction, so it is set before one begins.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        try:
            async with connection.begin():
                await connection.run_sync(step)
                if sqlite:
                    broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise BrokenReferencesError(
                            f"the migration left {len(broken)} broken references; rolled back"
                        )
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()


async def upgrade(database: Database, revision: str = "head") -> None:
    await _migrate(database, lambda c: command.upgrade(_alembic_config(c), revision))


async def downgrade(database: Database, revision: str) -> None:
    await _migrate(database, lambda c: command.downgrade(_alembic_config(c), revision))


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda c: MigrationContext.configure(c).get_current_revision()
        )
