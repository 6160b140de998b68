"""Updates set aside after an error that retrying would not mend: their kind, never content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import SetAsideUpdate


class SetAsideRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self,
        bot_id: int,
        update_id: int,
        update_type: str,
        error: str,
        attempts: int,
        now: datetime,
    ) -> None:
        insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        async with self._db.transaction() as session:
            await session.execute(
                insert(SetAsideUpdate)
                .values(
                    bot_id=bot_id,
                    update_id=update_id,
                    update_type=update_type[:32],
                    error=error[:64],
                    attempts=attempts,
                    at=now,
                )
                .on_conflict_do_nothing()
            )

    async def count(self) -> int:
        async with self._db.transaction() as session:
            query = select(func.count(SetAsideUpdate.update_id))
            return int((await session.execute(query)).scalar_one())
