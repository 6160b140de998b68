"""The database handle: engine set-up per backend, and the unit of work.

A unit of work is one transaction that every repository call inside it shares. The update
pipeline opens one per Telegram update, so the update's effects (FSM state, records) and the mark
that it was handled commit together or not at all. Nested `transaction()` calls join the outer
one; code running outside any update (the CLI, timers) simply opens its own.

SQLite has one writer at a time, so a unit of work takes the write lock only at its first write
and holds it until it commits: reads before that (the person's state, the case, the key to
check a receipt against) and the slow work done on what was read (Argon2id) do not make everyone
else wait. Inside one process, writers queue on an asyncio lock, in order, instead of polling the
file's busy handler; other processes (the CLI) are kept out by BEGIN IMMEDIATE and the busy
timeout. Code that decides a write from what it read (the audit chain's last digest) calls
`take_write_lock` first, so that nobody writes in between.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import await_

from storage.sqlite_driver import inline_connector

# How long a SQLite writer waits for another process's writer, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 15_000
_WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
_HOLDS_WRITE_LOCK = "safeperson_holds_write_lock"
# A statement that writes nothing but counts as a write: it makes the unit of work the writer.
_TAKE_WRITE_LOCK = "SELECT 'safeperson: take the write lock'"


@dataclass
class UnitOfWork:
    session: AsyncSession
    # Whether this unit of work holds the SQLite write lock (it took it at its first write).
    writing: bool = False
    # Run once the transaction has committed (never after a rollback).
    after_commit: list[Callable[[], None]] = field(default_factory=list)


# Connections kept open: one for each update handled at once (bot.pipeline's lanes), and room
# for the outbox, the ladder and housekeeping, which must never wait behind a burst of updates.
# Several instances on one PostgreSQL share its max_connections (100 by default): each then
# takes a smaller pool (SAFEPERSON_DATABASE_POOL_SIZE), and an update waits for a connection.
POOL_SIZE = 40


class Database:
    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        extra: dict[str, Any] = {}
        if self.is_sqlite and self.url.database not in (None, "", ":memory:"):
            # Quick statements on the loop's thread (storage.sqlite_driver).
            extra["async_creator"] = inline_connector(str(self.url.database))
        self.engine: AsyncEngine = create_async_engine(
            # Parameters may be pseudonyms or sealed blobs: keep them out of error messages.
            url,
            pool_pre_ping=not self.is_sqlite,
            pool_size=pool_size,
            # A quarter more for a moment's burst, closed again when it is over.
            max_overflow=pool_size // 4,
            hide_parameters=True,
            **extra,
        )
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Per instance, so that two Database objects (two bots in one test) never share a session.
        self._current: ContextVar[UnitOfWork | None] = ContextVar(
            f"safeperson_unit_of_work_{id(self)}", default=None
        )
        self._write_lock = asyncio.Lock()
        # How many write transactions each took, for the tests of "nothing slow holds it".
        self.write_lock_takers = 0
        if self.is_sqlite:
            self._configure_sqlite()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Join the unit of work in progress, or run a new one that commits on success."""
        current = self._current.get()
        if current is not None:
            yield current.session
            return
        async with self._sessions() as session:
            work = UnitOfWork(session)
            token = self._current.set(work)
            try:
                async with session.begin():
                    yield session
            finally:
                self._current.reset(token)
                if work.writing:
                    work.writing = False
                    self._write_lock.release()
        for callback in work.after_commit:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the current unit of work commits (at once outside of one)."""
        current = self._current.get()
        if current is None:
            callback()
        else:
            current.after_commit.append(callback)

    def holds_write_lock(self) -> bool:
        """Whether the current unit of work holds the SQLite write lock (never on PostgreSQL,
        whose writers lock rows, not the database)."""
        current = self._current.get()
        return current is not None and current.writing

    async def take_write_lock(self, session: AsyncSession) -> None:
        """Become the one writer now (SQLite), before reading what a write will depend on."""
        if self.is_sqlite and not self.holds_write_lock():
            await session.execute(text(_TAKE_WRITE_LOCK))

    async def optimize(self) -> None:
        """Keep SQLite's query planner statistics fresh (PRAGMA optimize runs ANALYZE where
        the tables have changed enough). Without them, at 100k cases it chose the status index
        over the due-time index and sorted: 30 ms a sweep query instead of 0.2 ms. PostgreSQL's
        autovacuum does this by itself."""
        if self.is_sqlite:
            # As a writer, in its turn: ANALYZE writes its statistics.
            async with self.transaction() as session:
                await self.take_write_lock(session)
                await session.execute(text("PRAGMA optimize"))

    async def dispose(self) -> None:
        await self.engine.dispose()

    def _configure_sqlite(self) -> None:
        engine = self.engine.sync_engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # The driver's own implicit BEGIN is deferred, which lets two writers both read and
            # then fail on upgrade to a write lock; BEGIN IMMEDIATE is emitted at the first
            # write instead (below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # The timeout first: switching to WAL needs a lock another process may hold.
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: a report that was acknowledged to the sender survives a power cut.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "before_cursor_execute")
        def _before_write(
            connection: Any, cursor: Any, statement: str, *_args: Any, **_kwargs: Any
        ) -> None:
            if connection.info.get(_HOLDS_WRITE_LOCK):
                return
            if statement != _TAKE_WRITE_LOCK and not _WRITES.match(statement):
                return
            work = self._current.get()
            # Only once per unit of work: the lock is not re-entrant, and waiting for it while
            # holding it would wait for ever.
            taking = work is not None and not work.writing
            if taking and work is not None:
                # Runs inside SQLAlchemy's greenlet, which may wait on the event loop.
                await_(self._write_lock.acquire())
                work.writing = True
                self.write_lock_takers += 1
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except BaseException:
                if taking and work is not None:
                    work.writing = False
                    self._write_lock.release()
                raise
            connection.info[_HOLDS_WRITE_LOCK] = True

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _transaction_ends(connection: Any) -> None:
            connection.info.pop(_HOLDS_WRITE_LOCK, None)


def is_transient_storage_error(exc: BaseException) -> bool:
    """A locked SQLite file, a lost PostgreSQL connection, or PostgreSQL breaking a deadlock or
    a serialisation conflict between two units of work: retrying the update may succeed.

    A unique-key conflict (IntegrityError) is a bug, not bad luck: one person's updates run one
    at a time, and rows that two people may create at once are written with ON CONFLICT.
    """
    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return (
            bool(exc.connection_invalidated)
            or isinstance(exc, OperationalError)
            or sqlstate in {"40P01", "40001"}
        )
    return False
