"""What a reader sees in an opened report: short labels for the answers, in the reader's words."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

_ANSWER_LABELS: dict[str, Callable[[], str]] = {
    # Translators: Glossary (locales/glossary.toml): safe right now (out of danger).
    "safe_now": lambda: _("Safe right now"),
    "first_name": lambda: _("First name"),
    "about_staff": lambda: _("About someone from the organisation"),
    "wants_reply": lambda: _("Wants a reply"),
    # Translators: Glossary (locales/glossary.toml): danger.
    "in_danger": lambda: _("Child in danger now"),
    "authorities_know": lambda: _("Authorities already know"),
    # Translators: Glossary (locales/glossary.toml): the reporter.
    "how_learned": lambda: _("How the reporter learned of it"),
    "when": lambda: _("When"),
    "where": lambda: _("Where"),
    "child_first_name": lambda: _("Child's first name"),
    "who_involved": lambda: _("Who is involved"),
    "done_already": lambda: _("Done already"),
}


def answer_label(key: str) -> str:
    label = _ANSWER_LABELS.get(key)
    return label() if label is not None else key


def reporter_language(endonym: str) -> str:
    # Translators: {language} is the name of a language in itself, e.g. "Română", "Shqip", "Romani
    # čhib". Glossary (locales/glossary.toml): the reporter.
    return _("The reporter wrote in: {language}").format(language=endonym)


def what_they_told() -> str:
    return _("What they told")


def voice_notes_follow(count: int) -> str:
    # Translators: {count} is a number, e.g. 3: choose the plural form for it. Glossary
    # (locales/glossary.toml): voice message.
    return ngettext(
        "{count} voice message follows.", "{count} voice messages follow.", count
    ).format(count=count)
