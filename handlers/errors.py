"""The apology a person gets when their update had to be set aside (bot.pipeline)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import Update
from aiogram.utils.i18n import I18n

from bot.languages import guess_language
from bot.people import PeopleService
from bot.pipeline import Apology
from bot.settings import Languages
from handlers import texts


def apology(i18n: I18n, people: PeopleService, languages: Languages) -> Apology:
    """Say sorry in the person's language, in their private chat; nobody else is told."""

    async def apologise(bot: Bot, update: Update) -> None:
        event = update.event
        user = getattr(event, "from_user", None)
        message = getattr(event, "message", None)  # a button's message
        chat = getattr(event, "chat", None) or getattr(message, "chat", None)
        if user is None or (chat is not None and chat.type != "private"):
            return
        language = await people.chosen_language(user.id) or guess_language(
            user.language_code, languages.enabled, languages.default
        )
        with i18n.context(), i18n.use_locale(language):
            await bot.send_message(user.id, texts.something_went_wrong())

    return apologise
