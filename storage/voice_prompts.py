"""Voice prompts: one sealed recording per (language, prompt key); recording again replaces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from storage.db import Database
from storage.models import VoicePrompt


class VoicePromptRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def put(
        self, language: str, prompt_key: str, sealed: bytes, now: datetime, member_id: int
    ) -> bool:
        """Store the recording, replacing any earlier one of the same message and language;
        True if one was replaced."""
        async with self._db.transaction() as session:
            replaced = await session.execute(
                update(VoicePrompt)
                .where(VoicePrompt.language == language, VoicePrompt.prompt_key == prompt_key)
                .values(sealed=sealed, recorded_at=now, recorded_by=member_id)
            )
            if not getattr(replaced, "rowcount", 0):
                session.add(
                    VoicePrompt(
                        language=language,
                        prompt_key=prompt_key,
                        sealed=sealed,
                        recorded_at=now,
                        recorded_by=member_id,
                    )
                )
                await session.flush()
                return False
            return True

    async def sealed(self, language: str, prompt_key: str) -> bytes | None:
        async with self._db.transaction() as session:
            return await session.scalar(
                select(VoicePrompt.sealed).where(
                    VoicePrompt.language == language, VoicePrompt.prompt_key == prompt_key
                )
            )

    async def keys_of(self, language: str) -> set[str]:
        async with self._db.transaction() as session:
            rows = await session.scalars(
                select(VoicePrompt.prompt_key).where(VoicePrompt.language == language)
            )
            return set(rows)

    async def remove(self, language: str, prompt_key: str) -> bool:
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(VoicePrompt).where(
                    VoicePrompt.language == language, VoicePrompt.prompt_key == prompt_key
                )
            )
            return bool(getattr(result, "rowcount", 0))
