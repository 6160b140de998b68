"""People who talk to the bot: recognised by pseudonym, remembered only for their language.

The language is sealed: knowing that someone chose Romani says something about who they are.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.contexts import locale_context
from bot.languages import LanguageCode, is_supported
from bot.server_keys import ServerKeys
from storage.people import PersonRepository


class PeopleService:
    def __init__(self, people: PersonRepository, keys: ServerKeys, clock: Clock) -> None:
        self._people = people
        self._keys = keys
        self._clock = clock

    async def chosen_language(self, telegram_user_id: int) -> LanguageCode | None:
        return await self.language_of_pseudonym(self._keys.pseudonym(telegram_user_id))

    async def language_of_pseudonym(self, pseudonym: str | None) -> LanguageCode | None:
        if pseudonym is None:
            return None
        sealed = await self._people.locale_of(pseudonym)
        if sealed is None:
            return None
        locale = self._keys.open(sealed, locale_context(pseudonym)).decode()
        return locale if is_supported(locale) else None

    async def choose_language(self, telegram_user_id: int, language: LanguageCode) -> None:
        pseudonym = self._keys.pseudonym(telegram_user_id)
        sealed = self._keys.seal(language.encode(), locale_context(pseudonym))
        await self._people.set_locale(pseudonym, sealed, self._clock.now())
