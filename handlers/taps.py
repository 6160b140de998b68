"""Answering button taps, which must never undo the step the tap made.

A tap can be handled late: after a restart, on a re-delivered update, or after the bot was down
for more than the 15 minutes Telegram allows for an answer. Telegram then refuses the answer and
refuses to edit a message into what it already says. Both are cosmetic (a spinner, a menu turned
into a line): they go out after the step has committed (bot.courier), which logs a refusal and
goes on.
"""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message


async def answer_tap(
    callback: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> None:
    """`alert`: a box the person closes themselves, for words longer than a toast's glance."""
    await callback.answer(text, show_alert=alert or None)


async def settle_menu(
    callback: CallbackQuery, summary: str, keep: InlineKeyboardMarkup | None = None
) -> None:
    """Answer the tap and turn the menu into a plain line (keeping only `keep`'s buttons), so
    the choice cannot be tapped again."""
    await answer_tap(callback)
    if not isinstance(callback.message, Message):
        return  # older than 48 hours: Telegram no longer lets the bot touch it
    await callback.message.edit_text(summary, reply_markup=keep)
