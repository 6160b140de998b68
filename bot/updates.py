"""Which failures of an update are worth trying again, and how long handled marks are kept.

Each update is handled at most once: its ledger mark commits in the same transaction as its
effects (bot.pipeline), so a re-delivered update that was committed is skipped, and one that
rolled back is handled again.
"""

from __future__ import annotations

from datetime import timedelta

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.clock import Clock
from storage.db import is_transient_storage_error
from storage.ledger import UpdateLedger

# Telegram keeps an unconfirmed update for 24 hours; a week leaves a wide margin.
LEDGER_RETENTION = timedelta(days=7)


class UpdateJournal:
    def __init__(self, ledger: UpdateLedger, clock: Clock) -> None:
        self._ledger = ledger
        self._clock = clock

    async def prune(self) -> int:
        return await self._ledger.forget_before(self._clock.now() - LEDGER_RETENTION)


def is_transient(exc: BaseException) -> bool:
    """Failures worth retrying the whole update for: the network, Telegram's servers, the DB."""
    if isinstance(exc, TelegramRetryAfter | TelegramNetworkError | TelegramServerError):
        return True
    if isinstance(exc, TelegramAPIError):
        return False
    return is_transient_storage_error(exc) or isinstance(exc, TimeoutError | ConnectionError)
