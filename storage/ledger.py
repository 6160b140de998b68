"""The update ledger: which Telegram updates have been handled and committed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from storage.db import Database
from storage.models import HandledUpdate


class UpdateLedger:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def is_handled(self, bot_id: int, update_id: int) -> bool:
        async with self._db.transaction() as session:
            return await session.get(HandledUpdate, (bot_id, update_id)) is not None

    async def mark_handled(self, bot_id: int, update_id: int, now: datetime) -> None:
        async with self._db.transaction() as session:
            session.add(HandledUpdate(bot_id=bot_id, update_id=update_id, handled_at=now))

    async def forget_before(self, cutoff: datetime) -> int:
        """Drop marks older than Telegram could still re-deliver; returns how many went."""
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(HandledUpdate).where(HandledUpdate.handled_at < cutoff)
            )
            return int(getattr(result, "rowcount", 0) or 0)
