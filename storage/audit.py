"""The audit log table and its anchor: append, and read back in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import AuditAnchor, AuditEvent

# Any fixed number, the same in every instance: the advisory lock that orders audit appends.
AUDIT_CHAIN_LOCK = 0x5AFE_A0D1
# The anchor is one row; a fixed id makes a second one impossible.
ANCHOR_ID = 1


@dataclass(frozen=True)
class ChainEnd:
    """The end of the chain as an append finds it, under the chain's lock."""

    last: AuditEvent | None
    anchor: AuditAnchor | None
    # Counted only when there is no anchor to take the count from (it is then about to be made).
    counted: int | None


class AuditRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def _lock_chain(self, session: AsyncSession) -> None:
        """Two writers must never chain onto the same event: on SQLite the write lock is taken
        before the last digest is read; on PostgreSQL a transaction-scoped advisory lock is taken
        (locking the last row would not do: a waiter would get the old row back, and an empty
        table has no row to lock). Reading the whole chain takes it too, so that the events and
        the anchor are read as of the same append."""
        if self._db.is_sqlite:
            await self._db.take_write_lock(session)
        else:
            await session.execute(select(func.pg_advisory_xact_lock(AUDIT_CHAIN_LOCK)))

    async def append_chained(
        self, make: Callable[[ChainEnd], tuple[AuditEvent, AuditAnchor | None]]
    ) -> None:
        """Append the event `make` builds from the chain's end, and move the anchor to what
        `make` says (None leaves it as it is), in one transaction."""

        def one(end: ChainEnd) -> tuple[list[AuditEvent], AuditAnchor | None]:
            event, moved = make(end)
            return [event], moved

        await self.append_many_chained(one)

    async def append_many_chained(
        self, make: Callable[[ChainEnd], tuple[list[AuditEvent], AuditAnchor | None]]
    ) -> None:
        """`append_chained` for events `make` chains one after another from the chain's end:
        the end is read and the anchor moved once for all of them."""
        async with self._db.transaction() as session:
            await self._lock_chain(session)
            query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
            last = (await session.execute(query)).scalar_one_or_none()
            anchor = await session.get(AuditAnchor, ANCHOR_ID)
            counted = None
            if anchor is None:
                count = select(func.count()).select_from(AuditEvent)
                counted = (await session.execute(count)).scalar_one()
            events, moved = make(ChainEnd(last, anchor, counted))
            if len(events) == 1:
                session.add(events[0])
            else:
                # One executemany, in chain order (the ORM inserted them one statement each).
                await session.execute(
                    insert(AuditEvent),
                    [
                        {
                            "at": e.at,
                            "actor": e.actor,
                            "action": e.action,
                            "case_code": e.case_code,
                            "previous": e.previous,
                            "digest": e.digest,
                        }
                        for e in events
                    ],
                )
            if moved is not None:
                moved.id = ANCHOR_ID
                await session.merge(moved)

    async def all_events(self) -> list[AuditEvent]:
        async with self._db.transaction() as session:
            rows = await session.execute(select(AuditEvent).order_by(AuditEvent.id))
            return list(rows.scalars())

    async def anchor(self) -> AuditAnchor | None:
        async with self._db.transaction() as session:
            return await session.get(AuditAnchor, ANCHOR_ID)

    async def chain(self) -> tuple[list[AuditEvent], AuditAnchor | None]:
        """Every event in order and the anchor, as of the same moment."""
        async with self._db.transaction() as session:
            await self._lock_chain(session)
            rows = await session.execute(select(AuditEvent).order_by(AuditEvent.id))
            return list(rows.scalars()), await session.get(AuditAnchor, ANCHOR_ID)
