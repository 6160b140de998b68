"""The audit log table: append, and read back in order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import AuditEvent


class AuditRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def last_digest(self) -> str | None:
        """The newest event's digest; on PostgreSQL the row is locked until the append commits,
        so two writers never chain onto the same event."""
        async with self._db.transaction() as session:
            query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
            if not self._db.is_sqlite:
                query = query.with_for_update()
            last = (await session.execute(query)).scalar_one_or_none()
            return last.digest if last is not None else None

    async def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        case_code: str | None,
        previous: str,
        digest: str,
    ) -> None:
        async with self._db.transaction() as session:
            session.add(
                AuditEvent(
                    at=at,
                    actor=actor,
                    action=action,
                    case_code=case_code,
                    previous=previous,
                    digest=digest,
                )
            )

    async def all_events(self) -> list[AuditEvent]:
        async with self._db.transaction() as session:
            rows = await session.execute(select(AuditEvent).order_by(AuditEvent.id))
            return list(rows.scalars())
