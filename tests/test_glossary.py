"""Every catalog says the glossary's terms the same way, and none uses a forbidden spelling."""

from __future__ import annotations

import pytest

from bot.catalogs import LOCALES_DIR, read_catalog
from bot.glossary import (
    Glossary,
    catalog_entries,
    english_words,
    inconsistencies,
    load_glossary,
)
from bot.languages import SUPPORTED

GLOSSARY = load_glossary()


def catalog(language: str) -> list[tuple[list[str], list[str]]]:
    return catalog_entries(read_catalog(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"))


def test_every_term_is_given_and_matched_in_every_language() -> None:
    for term in GLOSSARY.terms:
        for language in ("en", *SUPPORTED):
            assert term.words.get(language), f"{term.name}: no word for {language}"
            assert language in term.patterns, f"{term.name}: no pattern for {language}"
            # The chosen word itself passes its own pattern, so the two cannot drift apart.
            assert term.patterns[language].search(term.words[language]), (
                f"{term.name}: {term.words[language]!r} does not match its {language} pattern"
            )


def test_every_term_occurs_in_the_texts() -> None:
    english = [english_words(form) for forms, _ in catalog("en") for form in forms]
    for term in GLOSSARY.terms:
        assert any(term.patterns["en"].search(text) for text in english), (
            f"{term.name} is in no English text: remove it or fix its pattern"
        )


@pytest.mark.parametrize("language", SUPPORTED)
def test_catalog_says_every_term_the_glossary_way(language: str) -> None:
    found = inconsistencies(GLOSSARY, language, catalog(language))
    assert not found, "\n".join(str(problem) for problem in found)


def test_the_romani_catalog_keeps_one_spelling_system() -> None:
    assert any(f.language == "rom" for f in GLOSSARY.forbidden)
    assert not inconsistencies(GLOSSARY, "rom", catalog("rom"))


# The checker itself: it must see a real inconsistency, or the tests above prove nothing.


def problems(glossary: Glossary, language: str, english: str, *translations: str) -> list[str]:
    return [i.problem for i in inconsistencies(glossary, language, [([english], translations)])]


def test_the_checker_flags_a_term_said_another_way() -> None:
    english = "Shall I send it to the safe person now?"
    flagged = problems(GLOSSARY, "rom", english, "Te bičhalav les akana e manušesqe kaj arakhel?")
    assert flagged == ["'safe_person' is not said as 'manuš kas šaj paćas'"]
    flagged = problems(GLOSSARY, "ro", english, "Să trimit acum la persoana responsabilă?")
    assert flagged == ["'safe_person' is not said as 'persoană de încredere'"]


def test_the_checker_passes_a_term_said_the_glossary_way() -> None:
    english = "Shall I send it to the safe person now?"
    assert (
        problems(GLOSSARY, "rom", english, "Te bičhalav les akana e manušesqe kas šaj paćas?") == []
    )
    assert problems(GLOSSARY, "sq", english, "Ta dërgoj tani te personi i besuar?") == []


def test_the_checker_flags_a_forbidden_spelling() -> None:
    english = "Thank you. Your report was received."
    assert problems(GLOSSARY, "rom", english, "Najis tuqe. Tiro raporto avilo amenθe.") == []
    assert problems(GLOSSARY, "rom", english, "Najis tuqe. Tiro raporto avilo amende.") == [
        "'amende' is written '-θe (amenθe, lenθe)' here"
    ]
    # The old wording read as a request *for* consent, in a Romanian loan.
    assert problems(GLOSSARY, "rom", "Consent request {code}", "Mangipe vaš o akordo {code}") == [
        "'consent' is not said as 'mukhipe'",
        "'akord' is written 'mukhipe (consent), so mukhlan (what you allowed)' here",
    ]


def test_the_checker_reads_every_plural_form_and_ignores_placeholders() -> None:
    english = ["{count} voice message follows.", "{count} voice messages follow."]
    translations = ["Pala kado avel {count} mesažo vokalo.", "Pala kado aven {count} mesaje."]
    found = inconsistencies(GLOSSARY, "rom", [(english, translations)])
    assert {i.translation for i in found} == {"Pala kado aven {count} mesaje."}
    # "{code}" and "<code>" are not the word "code": no "kodo" is asked for.
    assert (
        problems(GLOSSARY, "rom", "Case {code}: <code>x</code>", "Kazo {code}: <code>x</code>")
        == []
    )
