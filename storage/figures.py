"""What the board's figures are made of: the triage metadata of the cases received in a period.

Only columns already in the clear are read (kind, audience, urgency, activity, ladder tier and
the handling times); never an entry, a key or a route. Rows, not SQL aggregates: the months and
days are the organisation's local ones, and turning a UTC moment into a local month is done the
same way on SQLite and PostgreSQL only in Python (bot.local_time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import ReportCase
from storage.vocabulary import CaseKind, Urgency


@dataclass(frozen=True)
class CaseFacts:
    """One case as the figures see it: metadata only."""

    kind: CaseKind
    audience: str
    urgency: Urgency
    activity: str | None
    # 0-based, as the ladder stores it: 0 is tier 1 (bot.alerts).
    tier: int
    received_at: datetime
    deadline_at: datetime
    acknowledged_at: datetime | None
    referred_at: datetime | None
    closed_at: datetime | None


class FiguresRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def received_between(self, start: datetime, end: datetime) -> list[CaseFacts]:
        """The cases received from `start` (included) to `end` (excluded), oldest first."""
        query = (
            select(
                ReportCase.kind,
                ReportCase.audience,
                ReportCase.urgency,
                ReportCase.activity,
                ReportCase.tier,
                ReportCase.received_at,
                ReportCase.deadline_at,
                ReportCase.acknowledged_at,
                ReportCase.referred_at,
                ReportCase.closed_at,
            )
            .where(ReportCase.received_at >= start, ReportCase.received_at < end)
            .order_by(ReportCase.received_at, ReportCase.id)
        )
        async with self._db.transaction() as session:
            rows = (await session.execute(query)).all()
        return [CaseFacts(**row._asdict()) for row in rows]
