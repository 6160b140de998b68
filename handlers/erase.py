"""/erase and the "Erase this chat from my phone" button: leave no trace on the phone.

Every message the bot can still delete goes, the person's and the bot's (Telegram allows it
for 48 hours); any draft is forgotten. A submitted case stays, sealed. Nothing new is written
into the chat afterwards: a tap gets a short toast, which leaves no message behind.
"""

from __future__ import annotations

import contextlib

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.trail import ChatTrail
from handlers import report_texts as say
from handlers.keyboards import Erase
from handlers.taps import answer_tap

_BATCH = 100  # deleteMessages takes at most 100 ids


async def erase_chat(bot: Bot, chat_id: int, trail: ChatTrail, state: FSMContext) -> None:
    await state.clear()
    ids = await trail.take_all(bot.id, chat_id)
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        try:
            await bot.delete_messages(chat_id, batch)
        except TelegramBadRequest:
            # One message already gone makes the batch fail: delete one by one.
            for message_id in batch:
                with contextlib.suppress(TelegramBadRequest):
                    await bot.delete_message(chat_id, message_id)


async def on_erase_command(message: Message, bot: Bot, state: FSMContext, trail: ChatTrail) -> None:
    await erase_chat(bot, message.chat.id, trail, state)


async def on_erase_button(
    callback: CallbackQuery, bot: Bot, state: FSMContext, trail: ChatTrail
) -> None:
    await answer_tap(callback, say.erased())
    await erase_chat(bot, callback.from_user.id, trail, state)


def build_router() -> Router:
    router = Router(name="erase")
    router.message.register(on_erase_command, Command("erase"))
    router.callback_query.register(on_erase_button, Erase.filter())
    return router
