"""Errors: transient ones go back to the poller to retry; the rest get an apology."""

from __future__ import annotations

import logging
import traceback

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, User

from bot.updates import is_transient
from handlers import texts

logger = logging.getLogger(__name__)


def _is_permanent(event: ErrorEvent) -> bool:
    return not is_transient(event.exception)


async def on_permanent_error(
    event: ErrorEvent, bot: Bot, event_from_user: User | None = None
) -> None:
    # The type and where it happened, never the message: an exception's text may quote what
    # the person wrote (a validation error, a failed API call).
    logger.error(
        "update %s failed: %s\n%s",
        event.update.update_id,
        type(event.exception).__name__,
        "".join(traceback.format_tb(event.exception.__traceback__)),
    )
    if event_from_user is None:
        return
    try:
        await bot.send_message(event_from_user.id, texts.something_went_wrong())
    except TelegramAPIError:
        logger.warning("could not tell the sender about the failure")


def build_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_permanent_error, _is_permanent)
    return router
