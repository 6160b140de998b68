"""Decrypted reports shown to a reader are deleted after `read_visible_for` (config)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from bot.clock import Clock
from bot.contexts import shown_context
from bot.server_keys import ServerKeys
from storage.deletions import DeletionRepository


class ShownMessages:
    def __init__(
        self, repository: DeletionRepository, keys: ServerKeys, clock: Clock, visible_for: timedelta
    ) -> None:
        self._repository = repository
        self._keys = keys
        self._clock = clock
        self._visible_for = visible_for

    def delete_at(self) -> datetime:
        """When what is shown now must go: `read_visible_for` from now (the moment it was
        opened, not the moment Telegram confirmed it)."""
        return self._clock.now() + self._visible_for

    async def delete_later(
        self, chat_id: int, message_ids: Iterable[int], due: datetime | None = None
    ) -> None:
        due = due or self.delete_at()
        for message_id in message_ids:
            route = self._keys.seal(str(chat_id).encode(), shown_context(message_id))
            await self._repository.schedule(route, message_id, due)

    async def delete_due(self, bot: Bot) -> int:
        deleted = 0
        for row in await self._repository.due(self._clock.now()):
            chat_id = int(self._keys.open(row.route, shown_context(row.message_id)))
            with contextlib.suppress(TelegramBadRequest):  # already gone, or too old
                await bot.delete_message(chat_id, row.message_id)
            await self._repository.done(row.id)
            deleted += 1
        return deleted
