"""What enrolment says to a new staff member."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _

from bot.case_model import StaffRole


def role_label(role: str) -> str:
    labels: dict[str, str] = {
        StaffRole.OFFICER: _("Child Protection Officer"),
        StaffRole.DEPUTY: _("deputy Child Protection Officer"),
        StaffRole.BOARD: _("board member"),
        StaffRole.DPO: _("data-protection contact"),
        StaffRole.SAFE_PERSON: _("safe person"),
    }
    return labels.get(role, role)


def welcome(name: str, role: str) -> str:
    return _("Welcome, {name}. This enrols you as {role}.").format(
        name=html.escape(name), role=role_label(role)
    )


def choose_passphrase() -> str:
    return _(
        "Choose a passphrase to protect your key: at least 12 characters, for example four "
        "words. I delete your message at once. Nobody can recover it: without it, you cannot "
        "read reports."
    )


def too_weak() -> str:
    return _(
        "That passphrase would be easy to guess. Try four or five ordinary words that have "
        "nothing to do with each other or with you, with spaces between them. Avoid names, "
        "dates, repeats and keyboard rows like qwerty."
    )


def again() -> str:
    return _("Send the same passphrase again.")


def mismatch() -> str:
    return _("The two passphrases were different. Let us start again.")


def enrolled() -> str:
    return _("You are enrolled. Your key is ready, protected by your passphrase.")


def already_enrolled() -> str:
    return _("This Telegram account is already enrolled.")
