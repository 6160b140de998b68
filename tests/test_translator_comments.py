"""Translators are told what each placeholder stands for and which glossary words to keep: a
`# Translators:` comment above the call in the source, carried into the template and into every
catalog as a `#.` comment."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po

from bot.catalogs import LOCALES_DIR, read_catalog
from bot.glossary import english_words, load_glossary
from bot.languages import SUPPORTED

ROOT = Path(__file__).resolve().parent.parent
TAG = "Translators:"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
GLOSSARY = load_glossary()

Extracted = tuple[str, tuple[str, ...], tuple[str, ...]]  # where, English forms, comments


def forms_of(message: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (message,) if isinstance(message, str) else tuple(f for f in message if f)


def in_source() -> list[Extracted]:
    found = []
    for package in ("bot", "handlers"):
        for file, line, message, comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], comment_tags=(TAG,)
        ):
            found.append((f"{package}/{file}:{line}", forms_of(message), tuple(comments)))
    return found


def what_a_comment_must_name(forms: Iterable[str]) -> list[str]:
    """Each placeholder, and the English word of each glossary term the text uses."""
    forms = list(forms)
    wanted = sorted({p for form in forms for p in PLACEHOLDER.findall(form)})
    text = " ".join(english_words(form) for form in forms)
    wanted += [t.words["en"] for t in GLOSSARY.terms if t.patterns["en"].search(text)]
    return wanted


def uncommented(extracted: Iterable[Extracted]) -> list[str]:
    problems = []
    for where, forms, comments in extracted:
        wanted = what_a_comment_must_name(forms)
        if not wanted:
            continue
        comment = " ".join(comments)
        if not comment.startswith(TAG):
            problems.append(f"{where}: no '# {TAG}' comment above {forms[0]!r}")
            continue
        missing = [word for word in wanted if word not in comment]
        if missing:
            problems.append(f"{where}: the comment on {forms[0]!r} does not explain {missing}")
    return problems


SOURCE = in_source()


def test_every_placeholder_and_glossary_term_is_explained_in_the_source() -> None:
    assert sum(1 for _where, forms, _c in SOURCE if PLACEHOLDER.search(forms[0])) > 50
    problems = uncommented(SOURCE)
    assert not problems, "\n".join(problems)


def test_the_check_flags_a_message_without_a_comment() -> None:
    source = io.BytesIO(
        b"# Translators: {code} is a case's code. Glossary: case.\n"
        b'a = _("Case {code}")\n'
        b'b = _("New case {code}")\n'
        b"# Translators: {code} is a code.\n"
        b'c = _("Case {code}: {status}")\n'
    )
    extracted = [
        (f"example.py:{line}", forms_of(message), tuple(comments))
        for line, message, comments, _context in extract("python", source, comment_tags=(TAG,))
    ]
    assert uncommented(extracted) == [
        "example.py:3: no '# Translators:' comment above 'New case {code}'",
        "example.py:5: the comment on 'Case {code}: {status}' "
        "does not explain ['{status}', 'case']",
    ]


def comments_by_message(messages: Iterable[tuple[str, list[str]]]) -> dict[str, str]:
    return {msgid: " ".join(comments) for msgid, comments in messages}


def test_the_template_carries_the_comments() -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as pot:
        template = comments_by_message(
            (forms_of(m.id)[0], m.auto_comments) for m in read_po(pot) if m.id
        )
    for _where, forms, comments in SOURCE:
        for comment in comments:
            assert comment in template[forms[0]], "run `make catalogs` after changing comments"


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_catalog_carries_the_comments(language: str) -> None:
    catalog = read_catalog(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po")
    carried = comments_by_message((forms_of(m.id)[0], m.auto_comments) for m in catalog if m.id)
    for _where, forms, comments in SOURCE:
        for comment in comments:
            assert comment in carried[forms[0]], f"{language}: run `make catalogs`"
