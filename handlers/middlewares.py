"""The person's language, for every update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.languages import guess_language
from bot.people import PeopleService
from bot.settings import Languages

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PersonLanguageMiddleware(I18nMiddleware):
    """The language the person chose; before that, the one their Telegram app suggests."""

    def __init__(self, i18n: I18n, people: PeopleService, languages: Languages) -> None:
        super().__init__(i18n)
        self._people = people
        self._languages = languages

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("event_from_user")
        if not isinstance(user, User):
            return self._languages.default
        chosen = await self._people.chosen_language(user.id)
        if chosen is not None and chosen in self._languages.enabled:
            return chosen
        return guess_language(user.language_code, self._languages.enabled, self._languages.default)
