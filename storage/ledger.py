"""The update ledger: which Telegram updates have been handled and committed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import HandledUpdate


class UpdateLedger:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def is_handled(self, bot_id: int, update_id: int) -> bool:
        async with self._db.transaction() as session:
            return await session.get(HandledUpdate, (bot_id, update_id)) is not None

    async def claim(self, bot_id: int, update_id: int, now: datetime) -> bool:
        """Mark the update as handled in the current unit of work; False if it already was.

        Inserting first (rather than checking, then marking at the end) makes a second delivery
        of the same update, handled at the same moment by another worker, wait on the row and
        then skip it, instead of running it twice.
        """
        values = {"bot_id": bot_id, "update_id": update_id, "handled_at": now}
        insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        statement = insert(HandledUpdate).values(**values).on_conflict_do_nothing()
        async with self._db.transaction() as session:
            result = await session.execute(statement)
            return int(getattr(result, "rowcount", 0) or 0) == 1

    async def forget_before(self, cutoff: datetime) -> int:
        """Drop marks older than Telegram could still re-deliver; returns how many went."""
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(HandledUpdate).where(HandledUpdate.handled_at < cutoff)
            )
            return int(getattr(result, "rowcount", 0) or 0)
