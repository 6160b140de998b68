"""What a poster or a card says, in one language: the words a child reads next to the QR code.

Child-facing rules as in the chat: short sentences, never blaming, nothing asked (no name, school
or address). The help numbers are said as the chat says them.
"""

from __future__ import annotations

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.languages import LanguageCode
from bot.posters import HelplineWords, PosterWords
from bot.settings import OrganisationConfig
from handlers.texts import call_if_in_danger, helpline_description


def headline() -> str:
    # Translators: The big title of a poster for children.
    return _("Is something worrying you?")


def role() -> str:
    # Translators: On a poster, under the QR code: who reads the messages. Glossary
    # (locales/glossary.toml): safe person.
    return _("Safe person")


def tell_anything() -> str:
    # Translators: On a poster for children. Glossary (locales/glossary.toml): safe person.
    return _("You can tell a safe person about anything that worries you.")


def free_and_secret() -> str:
    # Translators: On a poster for children, next to a lock.
    return _("It is free. It stays secret.")


def voice_is_fine() -> str:
    # Translators: On a poster for children, next to a microphone. Glossary
    # (locales/glossary.toml): voice message.
    return _("You can write, or send a voice message.")


def scan() -> str:
    # Translators: On a poster, under its QR code. Glossary (locales/glossary.toml): code.
    return _("Scan the code with your phone.")


class PosterTexts:
    """Renders a poster's words for bot.posters (which must not know about translations)."""

    def __init__(self, i18n: I18n, config: OrganisationConfig) -> None:
        self._i18n = i18n
        self._config = config

    def words(self, language: LanguageCode) -> PosterWords:
        with self._i18n.context(), self._i18n.use_locale(language):
            return PosterWords(
                language=language,
                headline=headline(),
                role=role(),
                lines=(tell_anything(), free_and_secret(), voice_is_fine()),
                scan=scan(),
                call_heading=call_if_in_danger(),
                helplines=tuple(
                    HelplineWords(number=h.number, description=helpline_description(h))
                    for h in self._config.help_numbers
                ),
            )
