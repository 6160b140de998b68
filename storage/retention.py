"""Deleting finished cases past retention, and the legal hold that keeps a case from it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy import update as sql_update

from storage.db import Database
from storage.models import CaseEntry, EntryKey, GuessCounter, OutboxMessage, ReportCase
from storage.vocabulary import CaseKind, CaseStatus


def _expired(
    kind: CaseKind, finished: Collection[CaseStatus], before: datetime
) -> ColumnElement[bool]:
    """A case of `kind`, finished (closed or done) before `before`, and not on hold. Cases
    closed before 0008 have no closing time: their last change stands in for it."""
    return and_(
        ReportCase.kind == kind,
        ReportCase.status.in_(finished),
        func.coalesce(ReportCase.closed_at, ReportCase.updated_at) <= before,
        ReportCase.legal_hold_at.is_(None),
    )


class RetentionRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def expired(
        self,
        kind: CaseKind,
        finished: Collection[CaseStatus],
        before: datetime,
        after_id: int,
        limit: int,
    ) -> list[int]:
        """The ids (above `after_id`, in order) of cases retention may delete now."""
        async with self._db.transaction() as session:
            query = (
                select(ReportCase.id)
                .where(ReportCase.id > after_id, _expired(kind, finished, before))
                .order_by(ReportCase.id)
                .limit(limit)
            )
            return list((await session.execute(query)).scalars())

    async def delete_case(
        self,
        case_id: int,
        kind: CaseKind,
        finished: Collection[CaseStatus],
        before: datetime,
    ) -> str | None:
        """Delete the case and everything tied to it (its sealed entries, the keys wrapped for
        their readers, its outgoing messages; the reply route is a column of the case row) if it
        still may be deleted; its code if it was, None if not (put on hold meanwhile, or
        another instance deleted it first).

        The row is claimed before anything goes: on PostgreSQL with FOR UPDATE SKIP LOCKED, so
        two instances never delete the same case; on SQLite as the one writer."""
        async with self._db.transaction() as session:
            await self._db.take_write_lock(session)
            query = select(ReportCase.code).where(
                ReportCase.id == case_id, _expired(kind, finished, before)
            )
            if not self._db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            code = (await session.execute(query)).scalar_one_or_none()
            if code is None:
                return None
            entries = select(CaseEntry.id).where(CaseEntry.case_id == case_id)
            await session.execute(delete(EntryKey).where(EntryKey.entry_id.in_(entries)))
            await session.execute(delete(CaseEntry).where(CaseEntry.case_id == case_id))
            await session.execute(delete(OutboxMessage).where(OutboxMessage.case_id == case_id))
            await session.execute(delete(ReportCase).where(ReportCase.id == case_id))
            return code

    async def forget_guesses(self, subject: str) -> None:
        """Drop a wrong-guess counter (a deleted case's: nothing can be guessed of it now)."""
        async with self._db.transaction() as session:
            await session.execute(delete(GuessCounter).where(GuessCounter.subject == subject))

    async def hold(self, case_id: int, member_id: int, now: datetime) -> bool:
        """Put the case on legal hold unless it is already; True if this call did."""
        async with self._db.transaction() as session:
            result = await session.execute(
                sql_update(ReportCase)
                .where(ReportCase.id == case_id)
                .where(ReportCase.legal_hold_at.is_(None))
                .values(legal_hold_at=now, legal_hold_by=member_id)
            )
            return int(getattr(result, "rowcount", 0) or 0) == 1

    async def release(self, case_id: int) -> bool:
        """Release the case's legal hold if it has one; True if this call did."""
        async with self._db.transaction() as session:
            result = await session.execute(
                sql_update(ReportCase)
                .where(ReportCase.id == case_id)
                .where(ReportCase.legal_hold_at.is_not(None))
                .values(legal_hold_at=None, legal_hold_by=None)
            )
            return int(getattr(result, "rowcount", 0) or 0) == 1
