"""The outbox table: enqueue inside a unit of work, claim due messages, record the outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, NamedTuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import OutboxMessage

PENDING: Final = "pending"
# Sent by the update's courier right after the commit; the sender takes it over if the courier
# has not marked it sent when `not_before` comes (it crashed, or Telegram refused for now).
WITH_COURIER: Final = "courier"
SENT: Final = "sent"
FAILED: Final = "failed"


@dataclass(frozen=True)
class Outgoing:
    id: int
    dedupe_key: str
    route: bytes
    payload: bytes
    attempts: int
    priority: int


class QueuedRow(NamedTuple):
    """One message for `enqueue_many`, sealed."""

    priority: int
    route: bytes
    payload: bytes
    dedupe_key: str
    # The case it is about and the staff member it is for, if any.
    case_id: int | None
    member_id: int | None


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
        not_before: datetime | None = None,
        with_courier: bool = False,
        case_id: int | None = None,
    ) -> int | None:
        """Add a message unless one with the same purpose exists; its id if added.

        ON CONFLICT rather than a check first: two updates (two people) may queue the same
        purpose at once, and the second must simply find it there."""
        insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        statement = (
            insert(OutboxMessage)
            .values(
                priority=priority,
                route=route,
                payload=payload,
                dedupe_key=dedupe_key,
                status=WITH_COURIER if with_courier else PENDING,
                not_before=not_before or now,
                attempts=0,
                created_at=now,
                case_id=case_id,
            )
            .on_conflict_do_nothing()
            .returning(OutboxMessage.id)
        )
        async with self._db.transaction() as session:
            return (await session.execute(statement)).scalar_one_or_none()

    async def enqueue_many(self, messages: Sequence[QueuedRow], now: datetime) -> dict[str, int]:
        """Add many messages in one statement; those whose purpose exists already are skipped.
        Returns the new ids by dedupe key."""
        if not messages:
            return {}
        insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        # Parameters as a list: SQLAlchemy sends them in a few multi-row INSERTs whose SQL it
        # compiles once per size (VALUES built here were compiled again for every batch).
        statement = (
            insert(OutboxMessage)
            .on_conflict_do_nothing()
            .returning(OutboxMessage.id, OutboxMessage.dedupe_key)
        )
        rows = [
            {
                "priority": message.priority,
                "route": message.route,
                "payload": message.payload,
                "dedupe_key": message.dedupe_key,
                "status": PENDING,
                "not_before": now,
                "attempts": 0,
                "created_at": now,
                "case_id": message.case_id,
                "member_id": message.member_id,
            }
            for message in messages
        ]
        async with self._db.transaction() as session:
            added = await session.execute(statement, rows)
            return {dedupe_key: message_id for message_id, dedupe_key in added}

    async def due(self, now: datetime, limit: int) -> list[Outgoing]:
        """The next messages to send, most urgent first. On PostgreSQL rows another sender has
        locked are skipped, so several instances never send the same message at once."""
        async with self._db.transaction() as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.status.in_((PENDING, WITH_COURIER)))
                .where(OutboxMessage.not_before <= now)
                .order_by(OutboxMessage.priority, OutboxMessage.id)
                .limit(limit)
            )
            if not self._db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).scalars()
            return [
                Outgoing(r.id, r.dedupe_key, r.route, r.payload, r.attempts, r.priority)
                for r in rows
            ]

    async def next_due_at(self) -> datetime | None:
        async with self._db.transaction() as session:
            query = select(func.min(OutboxMessage.not_before)).where(
                OutboxMessage.status.in_((PENDING, WITH_COURIER))
            )
            return (await session.execute(query)).scalar_one_or_none()

    async def take_over_from_couriers(self, now: datetime) -> int:
        """At start-up: messages an earlier run's courier never confirmed are due now."""
        async with self._db.transaction() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == WITH_COURIER)
                .values(status=PENDING, not_before=now)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def mark_sent(
        self, message_ids: Sequence[int], telegram_message_id: int, now: datetime
    ) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(message_ids))
                .where(OutboxMessage.status.in_((PENDING, WITH_COURIER)))
                # Sent: neither the text (a reply to a reporter, say) nor the chat it went to
                # need be kept, even sealed: nothing reads a sent row's route (only due rows are
                # opened), and the row stays only so that its dedupe key keeps one message per
                # purpose.
                .values(
                    status=SENT,
                    sent_at=now,
                    payload=b"",
                    route=b"",
                    sent_message_id=telegram_message_id,
                )
            )

    async def retry_later(self, message_ids: Sequence[int], not_before: datetime) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(message_ids))
                .where(OutboxMessage.status.in_((PENDING, WITH_COURIER)))
                .values(
                    status=PENDING,
                    attempts=OutboxMessage.attempts + 1,
                    not_before=not_before,
                )
            )

    async def wait_until(self, message_ids: Sequence[int], not_before: datetime) -> None:
        """Not a failure: the chat's turn has not come yet (it counts no attempt)."""
        async with self._db.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(message_ids))
                .where(OutboxMessage.status.in_((PENDING, WITH_COURIER)))
                .values(status=PENDING, not_before=not_before)
            )

    async def give_up(self, message_ids: Sequence[int]) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(message_ids))
                .where(OutboxMessage.status.in_((PENDING, WITH_COURIER)))
                # Never to be sent: its text and chat need not be kept either.
                .values(status=FAILED, attempts=OutboxMessage.attempts + 1, payload=b"", route=b"")
            )

    async def drop_waiting_for(self, member_id: int) -> int:
        """Delete what still waits to be sent to this staff member (they were suspended); the
        number of messages dropped. What a courier is sending this very moment goes."""
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(OutboxMessage)
                .where(OutboxMessage.member_id == member_id)
                .where(OutboxMessage.status == PENDING)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def forget_finished_routes(self) -> int:
        """Wipe what sent or given-up rows still hold (rows finished before their routes were
        wiped at once); the number of rows changed."""
        async with self._db.transaction() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status.in_((SENT, FAILED)))
                .where((OutboxMessage.route != b"") | (OutboxMessage.payload != b""))
                .values(route=b"", payload=b"")
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def statuses(self) -> dict[str, int]:
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
            return {status: int(count) for status, count in rows}
