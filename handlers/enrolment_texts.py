"""What enrolment says to a new staff member."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _

from bot.case_model import StaffRole


def role_label(role: str) -> str:
    labels: dict[str, str] = {
        # Translators: Glossary (locales/glossary.toml): Child Protection Officer.
        StaffRole.OFFICER: _("Child Protection Officer"),
        # Translators: Glossary (locales/glossary.toml): Child Protection Officer; deputy.
        StaffRole.DEPUTY: _("deputy Child Protection Officer"),
        # Translators: Glossary (locales/glossary.toml): board.
        StaffRole.BOARD: _("board member"),
        # Translators: Glossary (locales/glossary.toml): data-protection contact.
        StaffRole.DPO: _("data-protection contact"),
        # Translators: Glossary (locales/glossary.toml): safe person.
        StaffRole.SAFE_PERSON: _("safe person"),
    }
    return labels.get(role, role)


def welcome(name: str, role: str) -> str:
    # Translators: {name} is the new staff member's first name, e.g. "Ana". {role} is a staff role,
    # e.g. "safe person" or "Child Protection Officer" (translated on its own).
    return _("Welcome, {name}. This enrols you as {role}.").format(
        name=html.escape(name), role=role_label(role)
    )


def choose_passphrase() -> str:
    # Translators: Glossary (locales/glossary.toml): passphrase; erase, delete.
    return _(
        "Choose a passphrase to protect your key: at least 12 characters, for example four "
        "words. I delete your message at once. Nobody can recover it: without it, you cannot "
        "read reports."
    )


def too_weak() -> str:
    # Translators: Glossary (locales/glossary.toml): passphrase.
    return _(
        "That passphrase would be easy to guess. Try four or five ordinary words that have "
        "nothing to do with each other or with you, with spaces between them. Avoid names, "
        "dates, repeats and keyboard rows like qwerty."
    )


def again() -> str:
    # Translators: Glossary (locales/glossary.toml): passphrase.
    return _("Send the same passphrase again.")


def mismatch() -> str:
    # Translators: Glossary (locales/glossary.toml): passphrase.
    return _("The two passphrases were different. Let us start again.")


def enrolled() -> str:
    # Translators: Glossary (locales/glossary.toml): passphrase.
    return _("You are enrolled. Your key is ready, protected by your passphrase.")


def already_enrolled() -> str:
    return _("This Telegram account is already enrolled.")
