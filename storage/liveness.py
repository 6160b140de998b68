"""What the heartbeat and the health check read and write: the alive mark, the workload's
counts and nearest deadlines, the outbox's backlog. Counts and times only, never content."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import AliveMark, OutboxMessage, ReportCase
from storage.outbox import PENDING, WITH_COURIER
from storage.vocabulary import CaseKind, CaseStatus

BOT_ALIVE: Final = "bot"


@dataclass(frozen=True)
class Workload:
    """Cases of one kind still open: how many, how many past their running deadline, and the
    nearest deadline still ahead."""

    open: int
    overdue: int
    next_deadline: datetime | None


class LivenessRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def last_alive(self) -> datetime | None:
        async with self._db.transaction() as session:
            query = select(AliveMark.at).where(AliveMark.name == BOT_ALIVE)
            return (await session.execute(query)).scalar_one_or_none()

    async def mark_alive(self, now: datetime) -> None:
        insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        statement = (
            insert(AliveMark)
            .values(name=BOT_ALIVE, at=now)
            .on_conflict_do_update(index_elements=[AliveMark.name], set_={"at": now})
        )
        async with self._db.transaction() as session:
            await session.execute(statement)

    async def workload(
        self,
        kind: CaseKind,
        open_statuses: Sequence[CaseStatus],
        running_statuses: Sequence[CaseStatus],
        now: datetime,
    ) -> Workload:
        """`open_statuses`: still on someone's list; `running_statuses`: their deadline runs."""
        of_kind = ReportCase.kind == kind
        running = ReportCase.status.in_(running_statuses)
        counted = select(func.count()).select_from(ReportCase)
        async with self._db.transaction() as session:
            open_count = await session.execute(
                counted.where(of_kind, ReportCase.status.in_(open_statuses))
            )
            overdue = await session.execute(
                counted.where(of_kind, running, ReportCase.deadline_at < now)
            )
            nearest = await session.execute(
                select(func.min(ReportCase.deadline_at)).where(
                    of_kind, running, ReportCase.deadline_at >= now
                )
            )
            return Workload(
                int(open_count.scalar_one()),
                int(overdue.scalar_one()),
                nearest.scalar_one_or_none(),
            )

    async def outbox_backlog(self) -> int:
        """Messages queued and not yet sent (nor given up)."""
        async with self._db.transaction() as session:
            query = (
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_((PENDING, WITH_COURIER)))
            )
            return int((await session.execute(query)).scalar_one())

    async def ping(self) -> None:
        async with self._db.transaction() as session:
            await session.execute(text("SELECT 1"))
