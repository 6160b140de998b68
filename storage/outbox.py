"""The outbox table: enqueue inside a unit of work, claim due messages, record the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import OutboxMessage


@dataclass(frozen=True)
class Outgoing:
    id: int
    dedupe_key: str
    route: bytes
    payload: bytes
    attempts: int


class OutboxRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def enqueue(
        self,
        *,
        priority: int,
        route: bytes,
        payload: bytes,
        dedupe_key: str,
        now: datetime,
    ) -> bool:
        """Add a message unless one with the same purpose exists; True if added."""
        async with self._db.transaction() as session:
            existing = await session.execute(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
            )
            if existing.first() is not None:
                return False
            session.add(
                OutboxMessage(
                    priority=priority,
                    route=route,
                    payload=payload,
                    dedupe_key=dedupe_key,
                    status="pending",
                    not_before=now,
                    attempts=0,
                    created_at=now,
                )
            )
            return True

    async def due(self, now: datetime, limit: int) -> list[Outgoing]:
        """The next pending messages, most urgent first. On PostgreSQL rows another sender has
        locked are skipped, so several instances never send the same message at once."""
        async with self._db.transaction() as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.status == "pending")
                .where(OutboxMessage.not_before <= now)
                .order_by(OutboxMessage.priority, OutboxMessage.id)
                .limit(limit)
            )
            if not self._db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).scalars()
            return [Outgoing(r.id, r.dedupe_key, r.route, r.payload, r.attempts) for r in rows]

    async def mark_sent(self, message_id: int, telegram_message_id: int, now: datetime) -> None:
        async with self._db.transaction() as session:
            row = await session.get(OutboxMessage, message_id)
            if row is not None:
                row.status = "sent"
                row.sent_at = now
                # Sent: the text (a reply to a reporter, say) need not be kept, even sealed.
                row.payload = b""
                row.sent_message_id = telegram_message_id

    async def retry_later(self, message_id: int, not_before: datetime) -> None:
        async with self._db.transaction() as session:
            row = await session.get(OutboxMessage, message_id)
            if row is not None:
                row.attempts += 1
                row.not_before = not_before

    async def give_up(self, message_id: int) -> None:
        async with self._db.transaction() as session:
            row = await session.get(OutboxMessage, message_id)
            if row is not None:
                row.status = "failed"
                row.attempts += 1
                row.payload = b""  # never to be sent: its text need not be kept either

    async def statuses(self) -> dict[str, int]:
        async with self._db.transaction() as session:
            rows = (await session.execute(select(OutboxMessage.status))).scalars()
            counts: dict[str, int] = {}
            for status in rows:
                counts[status] = counts.get(status, 0) + 1
            return counts
