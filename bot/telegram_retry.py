"""Retrying one Bot API call in place, so an update is not re-run for a refused send.

Telegram refuses a call it did not perform with a 5xx; repeating that one call cannot duplicate
anything (a 429 is the flood limiter's: bot.send_limits). A dropped connection is different: the
call may or may not have been performed, so repeating it may repeat that one message, which is
the most docs/design.md allows ("at most the one message in flight"). Only when the retries here run
out does the error reach whoever made the call (the courier logs it; the outbox tries later).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramServerError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

logger = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 6
BACKOFF_SECONDS: Final = (0.5, 1.0, 2.0, 4.0, 8.0)


class RetryRefusedCalls(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(MAX_ATTEMPTS):
            try:
                return await make_request(bot, method)
            except (TelegramServerError, TelegramNetworkError):
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                delay = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]
            logger.info("%s refused; trying again in %.1fs", type(method).__name__, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")
