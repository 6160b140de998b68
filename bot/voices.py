"""Voice notes of a draft: fetched when they arrive, kept sealed until the draft is sent.

The pipeline fetches a voice note from Telegram before the update's transaction begins (so no
transaction waits on a download); the handler keeps it here, sealed with the server key like the
rest of the draft, and Send seals it for the case's readers. A draft left alone is wiped after
24 hours, its voice notes with it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from bot.clock import Clock
from bot.contexts import Label, draft_voice_context
from bot.server_keys import ServerKeys
from storage.draft_voices import DraftVoiceRepository

VOICE_LIFETIME: Final = timedelta(hours=24)


class DraftVoices:
    def __init__(self, repository: DraftVoiceRepository, keys: ServerKeys, clock: Clock) -> None:
        self._repository = repository
        self._keys = keys
        self._clock = clock

    def _key(self, draft_id: str) -> str:
        return self._keys.key_id(Label.DRAFT_VOICE, draft_id)

    async def keep(self, draft_id: str, voice: bytes) -> None:
        key = self._key(draft_id)
        await self._repository.add(
            key, self._keys.seal(voice, draft_voice_context(key)), self._clock.now()
        )

    async def of_draft(self, draft_id: str) -> list[bytes]:
        key = self._key(draft_id)
        stored = await self._repository.of_draft(key)
        return [self._keys.open(sealed, draft_voice_context(key)) for _, sealed in stored]

    async def forget(self, draft_id: str) -> None:
        await self._repository.forget_draft(self._key(draft_id))

    async def forget_expired(self) -> int:
        return await self._repository.forget_before(self._clock.now() - VOICE_LIFETIME)
