"""Voice notes of drafts not yet sent, sealed with the server key, in arrival order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from storage.db import Database
from storage.models import DraftVoice


class DraftVoiceRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, draft_key: str, sealed: bytes, now: datetime) -> int:
        async with self._db.transaction() as session:
            voice = DraftVoice(draft_key=draft_key, sealed=sealed, created_at=now)
            session.add(voice)
            await session.flush()
            return voice.id

    async def of_draft(self, draft_key: str) -> list[tuple[int, bytes]]:
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(DraftVoice.id, DraftVoice.sealed)
                .where(DraftVoice.draft_key == draft_key)
                .order_by(DraftVoice.id)
            )
            return [(voice_id, sealed) for voice_id, sealed in rows]

    async def forget_draft(self, draft_key: str) -> None:
        async with self._db.transaction() as session:
            await session.execute(delete(DraftVoice).where(DraftVoice.draft_key == draft_key))

    async def forget_before(self, cutoff: datetime) -> int:
        async with self._db.transaction() as session:
            result = await session.execute(delete(DraftVoice).where(DraftVoice.created_at < cutoff))
            return int(getattr(result, "rowcount", 0) or 0)
