"""Every language is complete: each message the code can say is translated, exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.catalogs import LOCALES_DIR, read_catalog
from bot.languages import SUPPORTED

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
COMMAND = re.compile(r"(?<!\w)/[a-z_]+")
TAG = re.compile(r"</?[a-z]+[^>]*>")


def messages_in_source() -> set[str]:
    found = set()
    for package in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")]
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


SOURCE = messages_in_source()


def singular(msgid: str | tuple[str, ...] | list[str]) -> str:
    """A message's key: plural messages are known by their singular form."""
    return msgid if isinstance(msgid, str) else msgid[0]


def test_the_code_has_messages_to_translate() -> None:
    assert len(SOURCE) > 20


def test_the_template_matches_the_code() -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as pot:
        template = {singular(m.id) for m in read_po(pot) if m.id}
    assert template == SOURCE, "run `make catalogs` after changing texts"


@pytest.mark.parametrize("language", SUPPORTED)
def test_catalog_is_complete_exact_and_not_fuzzy(language: str) -> None:
    catalog = read_catalog(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po")
    translated = {singular(m.id): m for m in catalog if m.id}
    missing = sorted(SOURCE - translated.keys())
    assert not missing, f"{language} misses {missing}"
    for msgid in SOURCE:
        message = translated[msgid]
        assert not message.fuzzy, f"{language}: fuzzy translation of {msgid!r}"
        if message.pluralizable:
            # Every plural form the language's rule asks for, each a whole translation.
            assert isinstance(message.string, tuple | list)
            forms = list(message.string)
            assert len(forms) == catalog.num_plurals, f"{language}: plural forms of {msgid!r}"
        else:
            assert isinstance(message.string, str)
            forms = [message.string]
        for form in forms:
            assert form.strip(), f"{language}: empty translation of {msgid!r}"
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(msgid)), (
                f"{language}: placeholders changed in {form!r}"
            )
            assert sorted(COMMAND.findall(form)) == sorted(COMMAND.findall(msgid)), (
                f"{language}: commands changed in {form!r}"
            )
            assert TAG.findall(form) == TAG.findall(msgid), (
                f"{language}: markup changed in {form!r}"
            )


def test_romani_carries_its_own_plural_rule_into_the_compiled_catalog() -> None:
    catalog = read_catalog(LOCALES_DIR / "rom" / "LC_MESSAGES" / "messages.po")
    assert catalog.own_plural_forms == "nplurals=2; plural=(n != 1);"
    i18n = I18n(path=LOCALES_DIR, default_locale="en", domain="messages")
    assert set(SUPPORTED) <= set(i18n.available_locales)
    romani = i18n.locales["rom"]
    assert romani.info()["plural-forms"] == "nplurals=2; plural=(n != 1);"


@pytest.mark.parametrize("language", ["ro", "sq", "rom"])
def test_translations_are_not_english(language: str) -> None:
    i18n = I18n(path=LOCALES_DIR, default_locale="en", domain="messages")
    differing = [m for m in SOURCE if i18n.gettext(m, locale=language) != m]
    # Numbers-only or name-only strings could match English; sentences must not.
    assert len(differing) >= len(SOURCE) - 3
