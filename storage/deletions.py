"""Messages to delete later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from storage.db import Database
from storage.models import ScheduledDeletion


class DeletionRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def schedule(self, route: bytes, message_id: int, due_at: datetime) -> None:
        async with self._db.transaction() as session:
            session.add(ScheduledDeletion(route=route, message_id=message_id, due_at=due_at))

    async def due(self, now: datetime) -> list[ScheduledDeletion]:
        async with self._db.transaction() as session:
            query = select(ScheduledDeletion).where(ScheduledDeletion.due_at <= now)
            return list((await session.execute(query)).scalars())

    async def done(self, deletion_id: int) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                delete(ScheduledDeletion).where(ScheduledDeletion.id == deletion_id)
            )
