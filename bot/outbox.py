"""Outgoing messages that must not be lost: written with their cause, sent after the commit.

`Outbox.enqueue` runs inside the caller's unit of work, so an alert exists exactly when the case
that caused it does. `OutboxSender` delivers what is due, most urgent first, at least once:
a refused send (429 with retry_after, 5xx, network) is tried again later; a chat that blocked the
bot or a message Telegram rejects is given up and logged. It keeps under Telegram's limits
(about 30 messages a second overall, one a second per chat).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.clock import Clock
from bot.server_keys import ServerKeys
from storage.outbox import OutboxRepository, Outgoing

logger = logging.getLogger(__name__)

PRIORITY_IMMEDIATE: Final = 0
PRIORITY_URGENT: Final = 1
PRIORITY_STANDARD: Final = 2
PRIORITY_NORMAL: Final = 5

GLOBAL_PER_SECOND: Final = 25.0
PER_CHAT_INTERVAL: Final = timedelta(seconds=1)
BACKOFF: Final = (1, 2, 5, 15, 30, 60, 300)
BATCH: Final = 20
STOP_GRACE_SECONDS: Final = 10.0

Buttons = Sequence[Sequence[tuple[str, str]]]


def _route_context(dedupe_key: str) -> bytes:
    return f"outbox|{dedupe_key}".encode()


class Outbox:
    def __init__(self, repository: OutboxRepository, keys: ServerKeys, clock: Clock) -> None:
        self._repository = repository
        self._keys = keys
        self._clock = clock

    async def enqueue(
        self,
        chat_id: int,
        text: str,
        *,
        priority: int,
        purpose: str,
        buttons: Buttons = (),
    ) -> bool:
        """Queue a message; `purpose` makes it once-only (the same purpose is not sent twice)."""
        dedupe_key = self._keys.key_id("outbox", purpose)
        payload = json.dumps(
            {"text": text, "buttons": [[list(b) for b in row] for row in buttons]},
            ensure_ascii=False,
        ).encode()
        context = _route_context(dedupe_key)
        return await self._repository.enqueue(
            priority=priority,
            route=self._keys.seal(str(chat_id).encode(), context + b"|route"),
            payload=self._keys.seal(payload, context + b"|payload"),
            dedupe_key=dedupe_key,
            now=self._clock.now(),
        )


class OutboxSender:
    def __init__(
        self, bot: Bot, repository: OutboxRepository, keys: ServerKeys, clock: Clock
    ) -> None:
        self._bot = bot
        self._repository = repository
        self._keys = keys
        self._clock = clock
        self._last_sent: dict[int, datetime] = {}

    async def deliver_due(self) -> int:
        """Send what is due now; return how many were sent."""
        sent = 0
        for message in await self._repository.due(self._clock.now(), BATCH):
            if await self._deliver(message):
                sent += 1
            await asyncio.sleep(1 / GLOBAL_PER_SECOND)
        return sent

    async def _deliver(self, message: Outgoing) -> bool:
        now = self._clock.now()
        chat_id, text, markup = self._open(message)
        last = self._last_sent.get(chat_id)
        if last is not None and now - last < PER_CHAT_INTERVAL:
            await self._repository.retry_later(message.id, last + PER_CHAT_INTERVAL)
            return False
        try:
            sent = await self._bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramRetryAfter as refused:
            await self._repository.retry_later(
                message.id, now + timedelta(seconds=refused.retry_after)
            )
            return False
        except (TelegramServerError, TelegramNetworkError):
            delay = BACKOFF[min(message.attempts, len(BACKOFF) - 1)]
            await self._repository.retry_later(message.id, now + timedelta(seconds=delay))
            return False
        except (TelegramForbiddenError, TelegramBadRequest) as refused:
            logger.error("outbox message %s given up: %s", message.id, type(refused).__name__)
            await self._repository.give_up(message.id)
            return False
        self._last_sent[chat_id] = self._clock.now()
        await self._repository.mark_sent(message.id, sent.message_id, self._clock.now())
        return True

    def _open(self, message: Outgoing) -> tuple[int, str, InlineKeyboardMarkup | None]:
        context = _route_context(message.dedupe_key)
        chat_id = int(self._keys.open(message.route, context + b"|route"))
        payload = json.loads(self._keys.open(message.payload, context + b"|payload"))
        rows = [
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
            for row in payload["buttons"]
        ]
        return (
            chat_id,
            payload["text"],
            InlineKeyboardMarkup(inline_keyboard=rows) if rows else None,
        )

    async def run_forever(self, poll_seconds: float = 0.1) -> None:
        while True:
            # A stop request waits for the batch in hand: cutting a send before its "sent" mark
            # commits would make the next start send that message again.
            batch = asyncio.ensure_future(self.deliver_due())
            try:
                await asyncio.shield(batch)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(batch, timeout=STOP_GRACE_SECONDS)
                raise
            except Exception:
                logger.exception("outbox delivery failed; trying again")
            await asyncio.sleep(poll_seconds)
