"""The four languages SafePerson speaks, and how Telegram's language codes map onto them.

Romani ("rom", the macrolanguage) has no CLDR locale, so nothing here asks Babel about it:
the endonyms and the mapping from Telegram's codes are plain data.
"""

from __future__ import annotations

from typing import Final, Literal, TypeGuard

LanguageCode = Literal["ro", "sq", "rom", "en"]

SUPPORTED: Final[tuple[LanguageCode, ...]] = ("ro", "sq", "rom", "en")

# What each language calls itself: the picker shows these, never a translation.
ENDONYMS: Final[dict[LanguageCode, str]] = {
    "ro": "Română",
    "sq": "Shqip",
    "rom": "Romani čhib",
    "en": "English",
}

# Telegram sends an IETF tag from the user's app settings. Albanian has the macrolanguage "sq"
# and the individual Tosk ("als") and Gheg ("aln"); Romani arrives as "rom" or as one of its
# individual languages (Vlax "rmy" in Romania, Balkan "rmn" in Albania, and the rest).
_PRIMARY_SUBTAG: Final[dict[str, LanguageCode]] = {
    "ro": "ro",
    "mo": "ro",
    "sq": "sq",
    "als": "sq",
    "aln": "sq",
    "rom": "rom",
    "rmy": "rom",
    "rmn": "rom",
    "rmc": "rom",
    "rmf": "rom",
    "rml": "rom",
    "rmo": "rom",
    "rmw": "rom",
    "en": "en",
}


def is_supported(code: str) -> TypeGuard[LanguageCode]:
    return code in SUPPORTED


def guess_language(
    telegram_code: str | None, enabled: tuple[LanguageCode, ...], default: LanguageCode
) -> LanguageCode:
    """Pick the enabled language Telegram's code points to, else the organisation's default."""
    if telegram_code:
        primary = telegram_code.replace("_", "-").split("-", 1)[0].lower()
        guessed = _PRIMARY_SUBTAG.get(primary)
        if guessed is not None and guessed in enabled:
            return guessed
    return default
