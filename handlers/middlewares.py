"""Middlewares that wrap every update: once-only handling and the person's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.languages import guess_language
from bot.people import PeopleService
from bot.settings import Languages
from bot.updates import UpdateJournal

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class OncePerUpdateMiddleware(BaseMiddleware):
    """Runs an update's handlers in one unit of work, and skips an update already handled.

    It sits outside aiogram's FSM middleware, so FSM reads and writes join the same transaction.
    """

    def __init__(self, journal: UpdateJournal) -> None:
        self._journal = journal

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        bot = data["bot"]
        if not isinstance(event, Update) or not isinstance(bot, Bot):
            raise TypeError("OncePerUpdateMiddleware belongs on the dispatcher's update observer")
        async with self._journal.handling(bot.id, event.update_id) as is_new:
            if not is_new:
                return None
            return await handler(event, data)


class OnePersonAtATime(BaseMiddleware):
    """With several instances, one person's updates are handled one at a time (Redis lock).

    It sits outside the unit of work: the lock is held until the update's effects are
    committed, so the next update of the same person reads them.
    """

    def __init__(self, fsm: FSMContextMiddleware, isolation: BaseEventIsolation) -> None:
        self._fsm = fsm
        self._isolation = isolation

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        bot = data["bot"]
        context = self._fsm.resolve_event_context(bot, data) if isinstance(bot, Bot) else None
        if context is None:
            return await handler(event, data)
        async with self._isolation.lock(context.key):
            return await handler(event, data)


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
