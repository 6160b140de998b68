"""Where an answer goes."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot


@dataclass(frozen=True)
class Chat:
    """Where the answer goes, and who is talking: the same for a message and a button press.

    SafePerson talks only in private chats, where the chat id is the person's id.
    """

    bot: Bot
    chat_id: int
    user_id: int

    @classmethod
    def private(cls, bot: Bot, user_id: int) -> Chat:
        return cls(bot=bot, chat_id=user_id, user_id=user_id)
