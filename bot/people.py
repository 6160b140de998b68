"""People who talk to the bot: recognised by pseudonym, remembered only for their language."""

from __future__ import annotations

from bot.clock import Clock
from bot.languages import LanguageCode, is_supported
from bot.server_keys import ServerKeys
from storage.people import PersonRepository


class PeopleService:
    def __init__(self, people: PersonRepository, keys: ServerKeys, clock: Clock) -> None:
        self._people = people
        self._keys = keys
        self._clock = clock

    async def chosen_language(self, telegram_user_id: int) -> LanguageCode | None:
        locale = await self._people.locale_of(self._keys.pseudonym(telegram_user_id))
        if locale is not None and is_supported(locale):
            return locale
        return None

    async def choose_language(self, telegram_user_id: int, language: LanguageCode) -> None:
        await self._people.set_locale(
            self._keys.pseudonym(telegram_user_id), language, self._clock.now()
        )
