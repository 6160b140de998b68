"""The audit log table: append, and read back in order."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from storage.db import Database
from storage.models import AuditEvent

# Any fixed number, the same in every instance: the advisory lock that orders audit appends.
AUDIT_CHAIN_LOCK = 0x5AFE_A0D1


class AuditRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def append_chained(self, make: Callable[[str | None], AuditEvent]) -> None:
        """Append the event `make` builds from the newest digest, in one transaction.

        Two writers must never chain onto the same event: on SQLite the write lock is taken
        before the last digest is read; on PostgreSQL a transaction-scoped advisory lock is taken
        (locking the last row would not do: a waiter would get the old row back, and an empty
        table has no row to lock).
        """
        async with self._db.transaction() as session:
            if self._db.is_sqlite:
                await self._db.take_write_lock(session)
            else:
                await session.execute(select(func.pg_advisory_xact_lock(AUDIT_CHAIN_LOCK)))
            query = select(AuditEvent.digest).order_by(AuditEvent.id.desc()).limit(1)
            last = (await session.execute(query)).scalar_one_or_none()
            session.add(make(last))

    async def all_events(self) -> list[AuditEvent]:
        async with self._db.transaction() as session:
            rows = await session.execute(select(AuditEvent).order_by(AuditEvent.id))
            return list(rows.scalars())
