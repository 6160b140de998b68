"""The database handle: engine set-up per backend, and the unit of work.

A unit of work is one transaction that every repository call inside it shares. The update
ledger opens one per Telegram update, so the update's effects (FSM state, records) and the mark
that it was handled commit together or not at all. Nested `transaction()` calls join the outer
one; code running outside any update (the CLI, timers) simply opens its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# How long a SQLite writer waits for another writer before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 15_000


class Database:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine: AsyncEngine = create_async_engine(
            # Parameters may be pseudonyms or sealed blobs: keep them out of error messages.
            url,
            pool_pre_ping=not self.is_sqlite,
            hide_parameters=True,
        )
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Per instance, so that two Database objects (two bots in one test) never share a session.
        self._current: ContextVar[AsyncSession | None] = ContextVar(
            f"safeperson_unit_of_work_{id(self)}", default=None
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Join the unit of work in progress, or run a new one that commits on success."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        async with self._sessions() as session, session.begin():
            token = self._current.set(session)
            try:
                yield session
            finally:
                self._current.reset(token)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN is deferred, which lets two writers both read and then
        # fail on upgrade to a write lock; we emit BEGIN IMMEDIATE ourselves (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The timeout first: switching to WAL needs a lock another process may hold.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a report that was acknowledged to the sender survives a power cut.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_transient_storage_error(exc: BaseException) -> bool:
    """A locked SQLite file, a lost PostgreSQL connection, or two updates of one person
    creating the same row at once (a unique-key conflict), or PostgreSQL breaking a deadlock or
    a serialisation conflict between two units of work: retrying the update may succeed."""
    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return (
            bool(exc.connection_invalidated)
            or isinstance(exc, OperationalError | IntegrityError)
            or sqlstate in {"40P01", "40001"}
        )
    return False
