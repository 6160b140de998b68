"""Long polling that confirms an update to Telegram only after its effects are committed.

aiogram's own poller moves the offset past an update even when its handler failed, so a
database hiccup would lose a child's message. Here updates are handled one at a time, in order;
a transient failure (network, Telegram 5xx/429, a locked database) retries the same update with
backoff, and the offset that confirms it is sent only on the next getUpdates after success.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError, TelegramRetryAfter
from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot.updates import is_transient

logger = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 25
# How long a stop request waits for the update in hand; past it, the update rolls back and
# Telegram re-delivers it on the next start.
STOP_GRACE_SECONDS = 10.0
BACKOFF_SECONDS: Sequence[float] = (0.5, 1, 2, 5, 10, 30)


def _backoff(attempt: int, exc: BaseException | None = None) -> float:
    if isinstance(exc, TelegramRetryAfter):
        return float(exc.retry_after)
    return BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]


class ConfirmAfterCommitPoller:
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        *,
        poll_timeout: int = POLL_TIMEOUT_SECONDS,
        grace: float = STOP_GRACE_SECONDS,
    ) -> None:
        self._dp = dispatcher
        self._bot = bot
        self._poll_timeout = poll_timeout
        self._grace = grace
        self._allowed = dispatcher.resolve_used_update_types()

    async def run(self) -> None:
        """Poll until cancelled. Cancelling mid-update rolls it back; it is re-delivered later."""
        offset: int | None = None
        attempt = 0
        while True:
            request = GetUpdates(
                offset=offset, timeout=self._poll_timeout, allowed_updates=self._allowed
            )
            try:
                updates = await self._bot(request)
            except TelegramConflictError:
                logger.error("another process is polling with this token or a webhook is set")
                await asyncio.sleep(_backoff(attempt))
                attempt += 1
                continue
            except Exception as exc:
                if not is_transient(exc):
                    raise
                logger.warning("getUpdates failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(_backoff(attempt, exc))
                attempt += 1
                continue
            attempt = 0
            for update in updates:
                await self._finish_even_if_stopped(update)
                offset = update.update_id + 1

    async def _finish_even_if_stopped(self, update: Update) -> None:
        """Handle one update; a stop request waits (briefly) for it rather than cutting it.

        Cutting an update after its reply went out but before its commit would make it run
        again on the next start, repeating what the person already saw.
        """
        handling = asyncio.ensure_future(self._handle_until_done(update))
        try:
            await asyncio.shield(handling)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(handling, timeout=self._grace)
            raise

    async def _handle_until_done(self, update: Update) -> None:
        attempt = 0
        while True:
            try:
                await self._dp.feed_update(self._bot, update)
                return
            except Exception as exc:
                if not is_transient(exc):
                    # The error handler has already apologised to the sender and logged it;
                    # retrying a bug would only repeat it.
                    logger.error("update %s dropped after a permanent error", update.update_id)
                    return
                delay = _backoff(attempt, exc)
                logger.warning(
                    "update %s hit %s; retrying in %.1fs",
                    update.update_id,
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                attempt += 1
