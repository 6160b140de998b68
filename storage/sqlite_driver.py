"""SQLite on the event loop's own thread, except what may wait.

aiosqlite hands every call (open a cursor, execute, fetch, close) to the connection's worker
thread and back: four thread switches per statement, each waking the event loop through its
self-pipe, and the two threads contending for the GIL. For statements that take microseconds on a
local file the hand-off costs far more than the work: under a burst of children it was a fifth of
the bot's CPU (about 70 hand-offs per update). Here a statement runs inline, on the loop's thread.

What may wait still goes to the worker thread, so the loop never stalls on it:
- BEGIN IMMEDIATE, which waits (up to the busy timeout) for another process's writer, such as
  the CLI;
- COMMIT, which waits for the disk (synchronous=FULL);
- PRAGMA and ANALYZE (`PRAGMA optimize` may read whole tables) and VACUUM.
Reads in WAL mode do not wait for writers, and every write comes after BEGIN IMMEDIATE (see
storage.db), so what runs inline never waits on a lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, Final

import aiosqlite

# The connection's own calls that wait (a cursor's close does not).
_WAITING_CALLS: Final = frozenset({"commit", "close", "backup", "iterdump"})
_WAITING_STATEMENTS: Final = ("BEGIN", "COMMIT", "END", "PRAGMA", "ANALYZE", "VACUUM")


def may_wait(function: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    """Whether this call can block for longer than a statement on a local file does."""
    name = getattr(function, "__name__", "")
    owner = getattr(function, "__self__", None)
    if name in _WAITING_CALLS and isinstance(owner, sqlite3.Connection):
        return True
    if name.startswith("execute") and args and isinstance(args[0], str):
        return args[0].lstrip()[:8].upper().startswith(_WAITING_STATEMENTS)
    return False


class InlineSqliteConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs quick calls inline and queues only those that wait.

    Calls on one connection never overlap (SQLAlchemy awaits each before the next), so running
    some here and some on the worker thread keeps their order.
    """

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._connection is None or may_wait(fn, args):
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        if not self._running:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def inline_connector(path: str) -> Callable[[], Any]:
    """For `create_async_engine(async_creator=...)`: a connection to the SQLite file at `path`."""

    async def connect() -> InlineSqliteConnection:
        def open_file() -> sqlite3.Connection:
            # Used from the loop's thread and the worker's, never both at once.
            return sqlite3.connect(path, check_same_thread=False)

        connection = InlineSqliteConnection(open_file, iter_chunk_size=64)
        # As SQLAlchemy does for aiosqlite's own connections: a forgotten one never keeps the
        # process alive.
        connection._thread.daemon = True
        await connection
        return connection

    return connect
