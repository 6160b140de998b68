"""The chat trail: which messages of a private chat the bot could still delete.

Erasing the chat from a child's phone means deleting every message in it, the child's and the
bot's, within Telegram's 48-hour window. The ids are kept sealed in the conversation storage
(never in a table in the clear), newest last, and only as long as they could still be deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from aiogram.fsm.storage.base import BaseStorage, StorageKey

from bot.clock import Clock

DELETE_WINDOW: Final = timedelta(hours=48)
MAX_REMEMBERED: Final = 500
_DESTINY: Final = "trail"


class ChatTrail:
    def __init__(self, storage: BaseStorage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    @staticmethod
    def _key(bot_id: int, chat_id: int) -> StorageKey:
        return StorageKey(bot_id=bot_id, chat_id=chat_id, user_id=chat_id, destiny=_DESTINY)

    def _fresh(self, entries: list[list[int]], now: datetime) -> list[list[int]]:
        oldest = (now - DELETE_WINDOW).timestamp()
        return [e for e in entries if e[1] > oldest][-MAX_REMEMBERED:]

    async def add(self, bot_id: int, chat_id: int, message_id: int) -> None:
        now = self._clock.now()
        key = self._key(bot_id, chat_id)
        entries = (await self._storage.get_data(key)).get("messages", [])
        entries.append([message_id, int(now.timestamp())])
        await self._storage.set_data(key, {"messages": self._fresh(entries, now)})

    async def take_all(self, bot_id: int, chat_id: int) -> list[int]:
        """The ids still deletable, oldest first; the trail is forgotten."""
        key = self._key(bot_id, chat_id)
        entries = (await self._storage.get_data(key)).get("messages", [])
        await self._storage.set_data(key, {})
        return sorted({e[0] for e in self._fresh(entries, self._clock.now())})
