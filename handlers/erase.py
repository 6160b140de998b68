"""/erase and the "Erase the messages in this chat" button: leave as little as Telegram allows.

Every message the bot can still delete goes, the person's and the bot's (Telegram allows it
for 48 hours); any draft is forgotten. A submitted case stays, sealed. A bot cannot remove the
chat from the person's list, nor older messages, so the words say what was done and how the
person removes the chat themselves. Nothing new is written into the chat afterwards: a tap gets
an alert, which leaves no message behind; /erase first explains, in a message that the
confirming tap deletes with the rest.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.courier import Replies
from bot.trail import ChatTrail
from handlers import report_texts as say
from handlers.keyboards import Erase, buttons
from handlers.taps import answer_tap

_BATCH = 100  # deleteMessages takes at most 100 ids


async def erase_chat(
    bot: Bot,
    chat_id: int,
    trail: ChatTrail,
    state: FSMContext,
    replies: Replies,
    newest: int | None = None,
) -> None:
    """Delete everything the bot still can in this chat. `newest` is the id of the message
    that asked for it, when there is one (it goes too, and bounds what a crash left unknown)."""
    await state.clear()
    found = await trail.deletable(chat_id, newest)
    # The trail is forgotten once the deletions went through (after the commit).
    with replies.erasing(found.row_ids):
        for start in range(0, len(found.message_ids), _BATCH):
            await bot.delete_messages(chat_id, found.message_ids[start : start + _BATCH])


async def on_erase_command(message: Message) -> None:
    # What the command and this explanation leave are in the trail: the tap deletes them too.
    await message.answer(say.erase_explained(), reply_markup=buttons([(say.erase_now(), Erase())]))


async def on_erase_button(
    callback: CallbackQuery, bot: Bot, state: FSMContext, trail: ChatTrail, replies: Replies
) -> None:
    # A second tap (or one on an older receipt) erases whatever is left: the same honest words.
    await answer_tap(callback, say.erased(), alert=True)
    await erase_chat(bot, callback.from_user.id, trail, state, replies)


def build_router() -> Router:
    router = Router(name="erase")
    router.message.register(on_erase_command, Command("erase"))
    router.callback_query.register(on_erase_button, Erase.filter())
    return router
