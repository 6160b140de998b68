"""Every sentence the bot says in the first conversation, in one place for translators.

Child-facing rules: short sentences, one question per message, never blaming, and never a
question about surname, school or address.
"""

from __future__ import annotations

import html
from datetime import timedelta

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.audience import Audience
from bot.durations import shown_duration
from bot.helplines import Helpline, HelplineKind


def days(count: int) -> str:
    # Translators: {count} is a number, e.g. 3: choose the plural form for it.
    return ngettext("{count} day", "{count} days", count).format(count=count)


def hours(count: int) -> str:
    # Translators: {count} is a number, e.g. 3: choose the plural form for it.
    return ngettext("{count} hour", "{count} hours", count).format(count=count)


def minutes(count: int) -> str:
    # Translators: {count} is a number, e.g. 3: choose the plural form for it.
    return ngettext("{count} minute", "{count} minutes", count).format(count=count)


def seconds(count: int) -> str:
    # Translators: {count} is a number, e.g. 3: choose the plural form for it.
    return ngettext("{count} second", "{count} seconds", count).format(count=count)


def duration(value: timedelta, *, with_seconds: bool = False) -> str:
    """A duration in words, at most two units, rounded up: "1 day 2 hours", "30 minutes"."""
    shown = shown_duration(value, with_seconds=with_seconds)
    parts = [
        words(count)
        for count, words in (
            (shown.days, days),
            (shown.hours, hours),
            (shown.minutes, minutes),
            (shown.seconds, seconds),
        )
        if count
    ]
    if len(parts) == 1:
        return parts[0]
    # Some languages join the two with a word ("1 zi și 2 ore"); English does not.
    # Translators: {larger} is the larger part of a duration, e.g. "1 day". {smaller} is the smaller
    # part, e.g. "2 hours" (join them as your language does, e.g. with "and").
    return _("{larger} {smaller}").format(larger=parts[0], smaller=parts[1])


def helpline_label(kind: HelplineKind) -> str:
    labels: dict[HelplineKind, str] = {
        "emergency": _("Emergency"),
        # Translators: Glossary (locales/glossary.toml): helpline.
        "child_abuse": _("Child abuse line, day and night"),
        # Translators: Glossary (locales/glossary.toml): helpline.
        "child_helpline": _("Helpline for children"),
        "police": _("Police"),
        "ambulance": _("Ambulance"),
    }
    return labels[kind]


def helpline_description(helpline: Helpline) -> str:
    """What a number is for, as plain text: "Telefonul Copilului: helpline for children, free"."""
    label = helpline_label(helpline.kind)
    if helpline.name:
        # Translators: {name} is the help line's own name, e.g. "Telefonul Copilului", not
        # translated. {description} is what the line is for, e.g. "Helpline for children"
        # (translated on its own).
        label = _("{name}: {description}").format(name=helpline.name, description=label)
    if helpline.free:
        # Translators: {description} is what the number is for, e.g. "Police" (translated on its
        # own); "free" means the call costs nothing.
        label = _("{description}, free").format(description=label)
    return label


def helpline_line(helpline: Helpline) -> str:
    """One number as shown: "📞 116 111 — Telefonul Copilului: helpline for children, free"."""
    return f"📞 <b>{helpline.number}</b> — {html.escape(helpline_description(helpline))}"


def call_if_in_danger() -> str:
    # Translators: Glossary (locales/glossary.toml): danger.
    return _("If you are in danger right now, call:")


def help_numbers(helplines: tuple[Helpline, ...]) -> str:
    lines = [call_if_in_danger()]
    lines += [helpline_line(h) for h in helplines]
    return "\n".join(lines)


def choose_language() -> str:
    return _("Choose your language. You can change it later with /language.")


def language_chosen(endonym: str) -> str:
    # Translators: {language} is the name of a language in itself, e.g. "Română", "Shqip", "Romani
    # čhib".
    return _("Language: {language}").format(language=endonym)


def welcome(organisation: str) -> str:
    return "\n\n".join(
        (
            # Translators: Glossary (locales/glossary.toml): safe right now (out of danger).
            _("Hello! This is a safe place to tell us about anything that worries you."),
            # Translators: {organisation} is the organisation's name, e.g. "Clubul Sportiv
            # Speranța". Glossary (locales/glossary.toml): safe person.
            _(
                "A safe person from {organisation} reads what you send here. "
                "You do not have to tell us your name."
            ).format(organisation=html.escape(organisation)),
        )
    )


def who_are_you() -> str:
    return _("Who are you?")


def audience_label(audience: Audience) -> str:
    labels: dict[Audience, str] = {
        "child": _("I am a child or young person"),
        "parent": _("I am a parent or guardian"),
        "staff": _("I work or volunteer here"),
        "other": _("Someone else"),
    }
    return labels[audience]


PUBLIC_COMMANDS = (
    "start",
    "help",
    "report",
    "status",
    "consent",
    "language",
    "erase",
    "cancel",
)


def command_description(name: str) -> str:
    descriptions = {
        "start": _("Begin again"),
        "help": _("How this chat works"),
        "report": _("Tell us about a worry"),
        "status": _("Come back to your report"),
        # Translators: Glossary (locales/glossary.toml): agreement (consent); take back (withdraw).
        "consent": _("Take back your agreement (photos, videos, data)"),
        # Translators: Glossary (locales/glossary.toml): erase, delete.
        "erase": _("Erase the messages in this chat"),
        "language": _("Change the language"),
        "cancel": _("Stop and forget what you started"),
    }
    return descriptions[name]


def help_text() -> str:
    return "\n".join(
        (
            _("This is how the chat works:"),
            *(f"/{name} – {command_description(name)}" for name in PUBLIC_COMMANDS),
        )
    )


def cancelled() -> str:
    return _("Stopped. You can start again at any time.")


def only_text_or_voice() -> str:
    # Translators: Glossary (locales/glossary.toml): voice message.
    return _("Please tell me in words: write, or send a voice message.")


def tap_a_button() -> str:
    return _("Thank you for writing. Please tap one of the buttons first.")


def unknown_command() -> str:
    return _("I do not know that command. Send /help to see what I can do.")


def stale_button() -> str:
    return _("That button is from an earlier step.")


def something_went_wrong() -> str:
    return _("Sorry, something went wrong on our side. Please try again in a moment.")
