"""Voice prompts: the organisation's own recordings of the key child-facing messages.

Romani has no speech synthesis anywhere, and many children read little. So the officer (or a
deputy) records the messages a child meets first, per language, as voice notes; a child then
sees a 🔊 button beside each message that has a recording in their language, and a tap plays
it to that child alone. Recordings are sealed with the server key, like a draft's voice notes:
the bot must read them back, and nobody with the database alone can.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from bot.clock import Clock
from bot.contexts import voice_prompt_context
from bot.languages import LanguageCode
from bot.server_keys import ServerKeys
from bot.staff import Member
from storage.vocabulary import StaffRole
from storage.voice_prompts import VoicePromptRepository


class PromptKey(StrEnum):
    """The child-facing messages that can be recorded, in the order a child meets them. Each
    value is stored and travels in a button's callback data: keep them short, never reuse."""

    WELCOME = "welcome"
    HELP_NUMBERS = "help"
    WHO_ARE_YOU = "who"
    SAFE_NOW = "safe_now"
    DANGER_NOW = "danger"
    UNSURE_IF_SAFE = "unsure"
    BEFORE_STORY = "before_story"
    STORY = "story"
    WANTS_REPLY = "wants_reply"
    THANKS_REPLY = "thanks_reply"
    THANKS = "thanks"


def prompt_key(value: str) -> PromptKey | None:
    """The key a stored or tapped value names (None for a value no longer known)."""
    return next((key for key in PromptKey if key.value == value), None)


# Who records: the officer and the deputies, who answer for what children are told.
RECORDING_ROLES: Final = frozenset({StaffRole.OFFICER, StaffRole.DEPUTY})


class NotAllowedToRecordError(PermissionError):
    """Only the officer and the deputies record prompts."""


def may_record(member: Member) -> bool:
    return member.role in RECORDING_ROLES


class VoicePrompts:
    def __init__(self, repository: VoicePromptRepository, keys: ServerKeys, clock: Clock) -> None:
        self._repository = repository
        self._keys = keys
        self._clock = clock

    async def record(
        self, member: Member, language: LanguageCode, key: PromptKey, voice: bytes
    ) -> bool:
        """Keep `voice` as the recording of `key` in `language`; True if it replaced one."""
        if not may_record(member):
            raise NotAllowedToRecordError(member.role)
        sealed = self._keys.seal(voice, voice_prompt_context(language, key))
        return await self._repository.put(language, key, sealed, self._clock.now(), member.id)

    async def delete(self, member: Member, language: LanguageCode, key: PromptKey) -> bool:
        """Remove the recording; False if there was none."""
        if not may_record(member):
            raise NotAllowedToRecordError(member.role)
        return await self._repository.remove(language, key)

    async def recorded_keys(self, language: str) -> frozenset[PromptKey]:
        stored = await self._repository.keys_of(language)
        return frozenset(key for key in PromptKey if key.value in stored)

    async def play(self, language: str, key: PromptKey) -> bytes | None:
        """The recording's bytes, or None if there is none (any more)."""
        sealed = await self._repository.sealed(language, key)
        if sealed is None:
            return None
        return self._keys.open(sealed, voice_prompt_context(language, key))
