"""Whole-database copies, taken while the bot runs, and put back.

SQLite: the online backup API copies the file page by page inside one read transaction, so the
copy is the database as of one moment even while the bot writes (in WAL mode a reader does not
block writers, nor they it). PostgreSQL: `pg_dump` reads one snapshot the same way; a dump is put
back by `psql` in one transaction, so a failed restore leaves the database as it was.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Final

from sqlalchemy import text
from sqlalchemy.engine import URL

from storage.db import SQLITE_BUSY_TIMEOUT_MS, Database

# Every SQLite connection to a WAL database holds a shared lock on this byte of the `-shm` file
# for as long as it is open (the "dead man switch" of SQLite's unix VFS, os_unix.c UNIX_SHM_DMS:
# 22 + 8 lock slots of 4 bytes, then 8 lock bytes). A lock on it that no other process holds
# means no other process has the database open.
_SHM_OPEN_CONNECTIONS_BYTE: Final = 128
_CLIENT_TOOLS = (
    "install the PostgreSQL client tools (on Debian/Ubuntu: apt install postgresql-client)"
)


class SnapshotError(Exception):
    """Copying the database out or back failed: one line, for the person running the command."""


def sqlite_file(url: URL) -> Path:
    """The SQLite file a URL names, as an absolute path (relative ones are from here)."""
    return Path(url.database or "").expanduser().resolve()


def copy_sqlite(live: Path, copy: Path) -> str | None:
    """Copy the database at `live` (in use or not) into the new file `copy`, as one moment of it;
    the copy is a single self-contained file. Returns the copy's schema revision."""
    source = sqlite3.connect(live)
    try:
        source.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        target = sqlite3.connect(copy)
        try:
            # One step (all pages): one read transaction, so one moment of the database.
            source.backup(target)
            # The copy folds its journal in, so that the one file is everything.
            target.execute("PRAGMA journal_mode=DELETE")
            check_sqlite(target)
            return _sqlite_revision(target)
        finally:
            target.close()
    finally:
        source.close()


def read_sqlite_copy(copy: Path) -> str | None:
    """Check a copy taken out of a backup; its schema revision."""
    connection = sqlite3.connect(copy)
    try:
        check_sqlite(connection)
        return _sqlite_revision(connection)
    except sqlite3.DatabaseError as exc:
        raise SnapshotError("the database in the backup is damaged (it is not SQLite)") from exc
    finally:
        connection.close()


def check_sqlite(connection: sqlite3.Connection) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()
    if result is None or result[0] != "ok":
        raise SnapshotError("the database copy failed SQLite's integrity check")


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else str(row[0])


def put_back_sqlite(copy: Path, live: Path) -> None:
    """Replace the database at `live` with `copy`, in one SQLite transaction: whoever opens
    `live` sees the old database or the new one, never a mix. Renaming a file into place would
    leave the old database's write-ahead log beside the new one, for SQLite to replay into it."""
    source = sqlite3.connect(copy)
    try:
        target = sqlite3.connect(live)
        try:
            target.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def sqlite_in_use(live: Path) -> bool:
    """Whether another process has the SQLite database at `live` open (a running bot does).

    Only other processes: POSIX locks never conflict within one process."""
    try:
        descriptor = os.open(live.with_name(live.name + "-shm"), os.O_RDWR)
    except FileNotFoundError:
        return False  # a WAL database open anywhere has its -shm file
    try:
        fcntl.lockf(
            descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_OPEN_CONNECTIONS_BYTE, os.SEEK_SET
        )
    except OSError:
        return True
    else:
        fcntl.lockf(descriptor, fcntl.LOCK_UN, 1, _SHM_OPEN_CONNECTIONS_BYTE, os.SEEK_SET)
        return False
    finally:
        os.close(descriptor)


def _libpq_environment(url: URL) -> dict[str, str]:
    """Where the PostgreSQL tools connect, as libpq's variables: the password stays off the
    command line, where other users of the machine could read it."""
    environment = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            environment[name] = str(value)
    return environment


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SnapshotError(f"{name} is not installed: {_CLIENT_TOOLS}")
    return found


async def _run(arguments: list[str], url: URL) -> None:
    process = await asyncio.create_subprocess_exec(
        *arguments,
        env=_libpq_environment(url),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        # The tools' own last line: a connection or permission problem, never table contents.
        lines = errors.decode(errors="replace").strip().splitlines()
        last = lines[-1] if lines else f"exit status {process.returncode}"
        raise SnapshotError(f"{Path(arguments[0]).name} failed: {last}")


async def dump_postgres(url: URL, dump: Path) -> None:
    """One snapshot of the database into `dump` (pg_dump's custom format)."""
    await _run(
        [_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"],
        url,
    )


async def put_back_postgres(url: URL, dump: Path, work: Path) -> None:
    """Replace everything in the database's public schema with the dump, in one transaction."""
    pg_restore, psql = _program("pg_restore"), _program("psql")
    script = work / "restore.sql"
    await _run([pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(dump)], url)
    # Dropping the schema first also removes tables a newer migration made since the backup.
    await _run(
        [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            "--command=DROP SCHEMA IF EXISTS public CASCADE",
            "--command=CREATE SCHEMA public",
            f"--file={script}",
        ],
        url,
    )


async def postgres_sessions_elsewhere(database: Database) -> int:
    """How many other sessions are connected to this database (a running bot holds some)."""
    async with database.engine.connect() as connection:
        count = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    return int(count or 0)


async def postgres_holds_data(database: Database) -> bool:
    async with database.engine.connect() as connection:
        found = await connection.scalar(text("SELECT to_regclass('public.alembic_version')"))
    return found is not None
