"""Each Telegram update is handled at most once, and its effects commit together.

The unit of work opened here spans the handler: FSM state, records, and the ledger mark that the
update was handled commit in one transaction. If anything fails, all of it rolls back and the
update is not confirmed to Telegram (the poller retries it; in webhook mode Telegram re-sends it),
so a crash or restart in the middle of an update loses nothing and repeats nothing stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.clock import Clock
from storage.db import Database, is_transient_storage_error
from storage.ledger import UpdateLedger

# Telegram keeps an unconfirmed update for 24 hours; a week leaves a wide margin.
LEDGER_RETENTION = timedelta(days=7)


class UpdateJournal:
    def __init__(self, database: Database, ledger: UpdateLedger, clock: Clock) -> None:
        self._db = database
        self._ledger = ledger
        self._clock = clock

    @asynccontextmanager
    async def handling(self, bot_id: int, update_id: int) -> AsyncIterator[bool]:
        """Yield whether the update is new. The mark commits with the update's effects, or, if
        anything fails, rolls back with them, so the update is handled again."""
        async with self._db.transaction():
            yield await self._ledger.claim(bot_id, update_id, self._clock.now())

    async def prune(self) -> int:
        return await self._ledger.forget_before(self._clock.now() - LEDGER_RETENTION)


def is_transient(exc: BaseException) -> bool:
    """Failures worth retrying the whole update for: the network, Telegram's servers, the DB."""
    if isinstance(exc, TelegramRetryAfter | TelegramNetworkError | TelegramServerError):
        return True
    if isinstance(exc, TelegramAPIError):
        return False
    return is_transient_storage_error(exc) or isinstance(exc, TimeoutError | ConnectionError)
