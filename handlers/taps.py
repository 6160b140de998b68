"""Answering button taps, which must never undo the step the tap made.

A tap can be handled late: after a restart, on a re-delivered update, or after the bot was down
for more than the 15 minutes Telegram allows for an answer. Telegram then refuses the answer and
refuses to edit a message into what it already says. Both are cosmetic (a spinner, a menu turned
into a line), so they are best effort; the step itself still commits.
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

logger = logging.getLogger(__name__)


async def answer_tap(callback: CallbackQuery, text: str | None = None) -> None:
    try:
        await callback.answer(text)
    except TelegramBadRequest as refused:
        logger.info("a tap could not be answered any more: %s", refused.message)


async def settle_menu(
    callback: CallbackQuery, summary: str, keep: InlineKeyboardMarkup | None = None
) -> None:
    """Answer the tap and turn the menu into a plain line (keeping only `keep`'s buttons), so
    the choice cannot be tapped again."""
    await answer_tap(callback)
    if not isinstance(callback.message, Message):
        return  # older than 48 hours: Telegram no longer lets the bot touch it
    try:
        await callback.message.edit_text(summary, reply_markup=keep)
    except TelegramBadRequest as refused:
        logger.info("a menu could not be settled: %s", refused.message)
