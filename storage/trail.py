"""The erase trail, as rows: append-only while a conversation goes on, read back by /erase."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select

from storage.db import Database
from storage.models import TrailEntry


@dataclass(frozen=True)
class TrailRow:
    id: int
    batch: str
    sealed_id: bytes | None  # None: a mark


class TrailRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self, chat_key: str, batch: str, sealed_ids: Iterable[bytes | None], now: datetime
    ) -> None:
        async with self._db.transaction() as session:
            session.add_all(
                TrailEntry(chat_key=chat_key, batch=batch, sealed_id=sealed, created_at=now)
                for sealed in sealed_ids
            )

    async def add_marks(self, marks: Iterable[tuple[str, str]], now: datetime) -> None:
        """A mark for each (chat key, batch), in one go."""
        rows = [
            {"chat_key": chat_key, "batch": batch, "sealed_id": None, "created_at": now}
            for chat_key, batch in marks
        ]
        if not rows:
            return
        async with self._db.transaction() as session:
            # One executemany (the ORM inserted them one statement each, to learn their ids).
            await session.execute(insert(TrailEntry), rows)

    async def drop_marks(self, chat_key: str, batch: str) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                delete(TrailEntry)
                .where(TrailEntry.chat_key == chat_key)
                .where(TrailEntry.batch == batch)
                .where(TrailEntry.sealed_id.is_(None))
            )

    async def rows(self, chat_key: str) -> list[TrailRow]:
        async with self._db.transaction() as session:
            found = await session.execute(
                select(TrailEntry.id, TrailEntry.batch, TrailEntry.sealed_id)
                .where(TrailEntry.chat_key == chat_key)
                .order_by(TrailEntry.id)
            )
            return [TrailRow(row_id, batch, sealed) for row_id, batch, sealed in found]

    async def forget(self, row_ids: Sequence[int]) -> None:
        if not row_ids:
            return
        async with self._db.transaction() as session:
            await session.execute(delete(TrailEntry).where(TrailEntry.id.in_(row_ids)))

    async def forget_before(self, cutoff: datetime) -> int:
        async with self._db.transaction() as session:
            result = await session.execute(delete(TrailEntry).where(TrailEntry.created_at < cutoff))
            return int(getattr(result, "rowcount", 0) or 0)
