"""The words every catalog must say the same way everywhere, and the check that it does.

The glossary (locales/glossary.toml) is the source of truth for terms a reader meets again and
again: "safe person", "secret word", "Child Protection Officer"... For each term it gives the
chosen word in every language and a pattern that also lets the word inflect. Wherever an English
text contains the term, the translation must contain the language's word. It also lists spellings
and loans a catalog must not use (Romani has several spelling systems; the catalog keeps one).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

from bot.catalogs import LOCALES_DIR

GLOSSARY_PATH = LOCALES_DIR / "glossary.toml"
# Placeholders and markup are not words of the text: "{code}" and "<code>" are not the term "code".
_NOT_WORDS = re.compile(r"\{[^{}]*\}|</?[a-z]+[^>]*>")


@dataclass(frozen=True)
class Term:
    name: str
    # The chosen word per language ("en" included), as a translator should write it.
    words: dict[str, str]
    # Per language: what a text must contain to count as using the term (inflection allowed).
    patterns: dict[str, re.Pattern[str]]


@dataclass(frozen=True)
class ForbiddenSpelling:
    language: str
    pattern: re.Pattern[str]
    instead: str


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    forbidden: tuple[ForbiddenSpelling, ...]


@dataclass(frozen=True)
class Inconsistency:
    language: str
    msgid: str
    translation: str
    problem: str

    def __str__(self) -> str:
        return f"{self.language}: {self.problem} in {self.translation!r} (for {self.msgid!r})"


def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def load_glossary(path: Path = GLOSSARY_PATH) -> Glossary:
    with path.open("rb") as glossary_file:
        data = tomllib.load(glossary_file)
    terms = tuple(
        Term(
            name=name,
            words={language: str(word) for language, word in entry.items() if language != "match"},
            patterns={
                language: _compiled(str(pattern)) for language, pattern in entry["match"].items()
            },
        )
        for name, entry in data["terms"].items()
    )
    forbidden = tuple(
        ForbiddenSpelling(
            language=str(entry["language"]),
            pattern=_compiled(str(entry["pattern"])),
            instead=str(entry["instead"]),
        )
        for entry in data["forbidden"]
    )
    return Glossary(terms=terms, forbidden=forbidden)


def english_words(msgid: str) -> str:
    """The English text with its placeholders and markup taken out."""
    return _NOT_WORDS.sub(" ", msgid)


def inconsistencies(
    glossary: Glossary, language: str, entries: Iterable[tuple[Sequence[str], Sequence[str]]]
) -> list[Inconsistency]:
    """Every place where `language`'s translations leave a term of the glossary or use a
    forbidden spelling. `entries` are (English forms, translated forms) pairs."""
    found = []
    forbidden = [f for f in glossary.forbidden if f.language == language]
    for english, translations in entries:
        english_text = " ".join(english_words(form) for form in english)
        for translation in translations:
            text = english_words(translation)
            for term in glossary.terms:
                wanted = term.patterns.get(language)
                if wanted is None or not term.patterns["en"].search(english_text):
                    continue
                if not wanted.search(text):
                    problem = f"{term.name!r} is not said as {term.words[language]!r}"
                    found.append(Inconsistency(language, english[0], translation, problem))
            for spelling in forbidden:
                match = spelling.pattern.search(text)
                if match:
                    problem = f"{match.group(0)!r} is written {spelling.instead!r} here"
                    found.append(Inconsistency(language, english[0], translation, problem))
    return found


def catalog_entries(catalog: Catalog) -> list[tuple[list[str], list[str]]]:
    """(English forms, translated forms) for every message of a catalog."""
    entries = []
    for message in catalog:
        if not message.id:
            continue
        english = [message.id] if isinstance(message.id, str) else list(message.id)
        if isinstance(message.string, str):
            translated = [message.string]
        else:
            translated = list(message.string or ())
        entries.append((english, [form for form in translated if form]))
    return entries
