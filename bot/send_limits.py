"""Telegram's flood limits, kept for every message the bot sends, direct or from the outbox.

Telegram documents about one message a second to one chat (short bursts tolerated) and about
thirty a second overall; past them it answers 429 with `retry_after`. Every send (and every
edit of a message, which Telegram counts too) waits for a token from its chat's bucket and
from the global one, so the bot stays under the limits instead of bouncing off them; a 429
pauses *that chat* for the time Telegram asks, and the call is tried again, while every other
chat goes on. A wait longer than `MAX_WAIT_SECONDS` is not waited for in line: the call fails
with the 429, and whoever made it (the outbox) schedules it for later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.telegram_calls import FLOOD_COUNTED, chat_of

logger = logging.getLogger(__name__)

# Telegram's figures (core.telegram.org/bots/faq, "My bot is hitting limits").
DEFAULT_GLOBAL_PER_SECOND: Final = 30.0
DEFAULT_CHAT_PER_SECOND: Final = 1.0
DEFAULT_CHAT_BURST: Final = 5.0
# A reply that is not kept in the outbox is lost if this gives up, so it waits out several
# short flood waits; one longer than MAX_WAIT_SECONDS is handed back at once.
MAX_ATTEMPTS: Final = 8
MAX_WAIT_SECONDS: Final = 30.0
_IDLE_BUCKETS: Final = 10_000


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float
    # Telegram asked this chat (or everyone) to wait until then.
    paused_until: float = 0.0

    def wait_for_token(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        wait = max(0.0, self.paused_until - now)
        if self.tokens < 1.0:
            # Below zero: tokens already promised to earlier senders.
            wait = max(wait, (1.0 - self.tokens) / self.per_second)
        return wait


class SendLimiter:
    def __init__(
        self,
        *,
        global_per_second: float = DEFAULT_GLOBAL_PER_SECOND,
        chat_per_second: float = DEFAULT_CHAT_PER_SECOND,
        chat_burst: float = DEFAULT_CHAT_BURST,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._now = monotonic
        self._chat_rate = chat_per_second
        self._chat_burst = chat_burst
        self._global = _Bucket(global_per_second, global_per_second, global_per_second, monotonic())
        self._chats: dict[int, _Bucket] = {}

    def _chat(self, chat_id: int) -> _Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > _IDLE_BUCKETS:
                self._forget_full_buckets()
            bucket = _Bucket(self._chat_burst, self._chat_rate, self._chat_burst, self._now())
            self._chats[chat_id] = bucket
        return bucket

    def _forget_full_buckets(self) -> None:
        """A chat whose bucket has refilled is like a chat never seen: forget it."""
        now = self._now()
        for chat_id, bucket in list(self._chats.items()):
            if bucket.wait_for_token(now) == 0.0 and bucket.tokens >= self._chat_burst:
                del self._chats[chat_id]

    def ready_in(self, chat_id: int) -> float:
        """Seconds until a message to this chat could go (0: now)."""
        now = self._now()
        return max(self._chat(chat_id).wait_for_token(now), self._global.wait_for_token(now))

    def reserve(self, chat_id: int) -> float:
        """Take this chat's next token and the global one now, even if they have yet to
        refill, and return how long to wait until they have: senders queue in order."""
        wait = self.ready_in(chat_id)
        self._chat(chat_id).tokens -= 1.0
        self._global.tokens -= 1.0
        return wait

    async def acquire(self, chat_id: int) -> None:
        await asyncio.sleep(self.reserve(chat_id))

    def refused(self, chat_id: int | None, retry_after: float) -> None:
        until = self._now() + retry_after
        bucket = self._chat(chat_id) if chat_id is not None else self._global
        bucket.paused_until = max(bucket.paused_until, until)

    def middleware(self) -> KeepUnderFloodLimits:
        return KeepUnderFloodLimits(self)


class KeepUnderFloodLimits(BaseRequestMiddleware):
    def __init__(self, limiter: SendLimiter) -> None:
        self._limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = chat_of(method)
        counted = chat_id is not None and isinstance(method, FLOOD_COUNTED)
        for attempt in range(MAX_ATTEMPTS):
            if counted and chat_id is not None:
                # Waits out a pause Telegram asked for, too.
                await self._limiter.acquire(chat_id)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as refused:
                self._limiter.refused(chat_id, refused.retry_after)
                logger.info("%s: flood wait of %ss", type(method).__name__, refused.retry_after)
                if attempt == MAX_ATTEMPTS - 1 or refused.retry_after > MAX_WAIT_SECONDS:
                    raise
                if not counted:
                    await asyncio.sleep(refused.retry_after)
        raise AssertionError("unreachable: the last attempt returns or raises")
