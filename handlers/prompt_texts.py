"""Voice prompts: the exact text of each recordable message, and what /prompts says to staff.

Each key renders through the very function the child flow sends it with, so the text staff
read aloud is the text the child sees, in the language being recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from aiogram.utils.i18n import gettext as _

from bot.settings import OrganisationConfig
from bot.voice_prompts import PromptKey
from handlers import report_texts, texts

PromptText = Callable[[OrganisationConfig], str]

PROMPT_TEXTS: Final[dict[PromptKey, PromptText]] = {
    PromptKey.WELCOME: lambda config: texts.welcome(config.organisation.name),
    PromptKey.HELP_NUMBERS: lambda config: texts.help_numbers(config.help_numbers),
    PromptKey.WHO_ARE_YOU: lambda _config: texts.who_are_you(),
    PromptKey.SAFE_NOW: lambda _config: report_texts.question("child", "safe_now"),
    PromptKey.DANGER_NOW: lambda _config: report_texts.danger_now("child"),
    PromptKey.UNSURE_IF_SAFE: lambda _config: report_texts.unsure_if_safe(),
    PromptKey.BEFORE_STORY: lambda config: report_texts.before_story(config.report_deadline),
    PromptKey.STORY: lambda _config: report_texts.question("child", "story"),
    PromptKey.WANTS_REPLY: lambda _config: report_texts.question("child", "wants_reply"),
    PromptKey.THANKS_REPLY: lambda config: report_texts.submitted(
        "child", config.report_deadline, True, config.help_numbers
    ),
    PromptKey.THANKS: lambda config: report_texts.submitted(
        "child", config.report_deadline, False, config.help_numbers
    ),
}

PLAY_LABEL: Final = "🔊"


def prompt_text(key: PromptKey, config: OrganisationConfig) -> str:
    """The message as the child sees it, in the current language."""
    return PROMPT_TEXTS[key](config)


def prompt_title(key: PromptKey) -> str:
    """A short name for the message, on the staff's list."""
    titles: dict[PromptKey, Callable[[], str]] = {
        PromptKey.WELCOME: lambda: _("Welcome"),
        PromptKey.HELP_NUMBERS: lambda: _("Help numbers"),
        PromptKey.WHO_ARE_YOU: lambda: _("Who are you?"),
        # Translators: Glossary (locales/glossary.toml): safe right now (out of danger). The same
        # question the child sees.
        PromptKey.SAFE_NOW: lambda: _("Are you safe right now?"),
        PromptKey.DANGER_NOW: lambda: _("Call for help now"),
        PromptKey.UNSURE_IF_SAFE: lambda: _("Not sure if safe"),
        PromptKey.BEFORE_STORY: lambda: _("Before the story: what stays secret"),
        PromptKey.STORY: lambda: _("What happened?"),
        PromptKey.WANTS_REPLY: lambda: _("Shall we write back?"),
        PromptKey.THANKS_REPLY: lambda: _("Thank you (with a reply)"),
        PromptKey.THANKS: lambda: _("Thank you (no reply)"),
    }
    return titles[key]()


def command_description() -> str:
    return _("Record the children's messages as voice notes")


def not_allowed() -> str:
    # Translators: Glossary (locales/glossary.toml): Child Protection Officer.
    return _(
        "Only the Child Protection Officer and the deputies record voice prompts. "
        "Please ask one of them."
    )


def choose_language() -> str:
    return _("Which language do you want to record in?")


def prompt_list(language: str) -> str:
    return "\n".join(
        (
            # Translators: {language} is the language's own name, e.g. "Romanes".
            _("Voice prompts in {language}.").format(language=language),
            _("✅ recorded, — not yet. Choose a message."),
        )
    )


def languages_label() -> str:
    return _("« Languages")


def back_label() -> str:
    return _("« Back")


def listen_label() -> str:
    return _("Listen")


def replace_label() -> str:
    return _("Replace")


def delete_label() -> str:
    # Translators: A button. Glossary (locales/glossary.toml): erase, delete.
    return _("Delete")


def prompt_screen(title: str, language: str, text: str, recorded: bool) -> str:
    # Translators: {title} is the prompt's short name on the staff list, e.g. "Welcome"; {language}
    # is the language's own name, e.g. "Romanes".
    heading = _("«{title}» in {language}. The child sees:").format(title=title, language=language)
    status = (
        # Translators: Glossary (locales/glossary.toml): erase, delete.
        _("Recorded. You can listen to it, replace it or delete it.")
        if recorded
        else _("Not recorded yet. Send a voice note that reads this text.")
    )
    return "\n\n".join((heading, f"<blockquote>{text}</blockquote>", status))


def send_new_recording(title: str, language: str) -> str:
    # Translators: {title} is the prompt's short name on the staff list, e.g. "Welcome"; {language}
    # is the language's own name, e.g. "Romanes".
    return _("Send a voice note for «{title}» in {language}.").format(
        title=title, language=language
    )


def saved(title: str, language: str) -> str:
    # Translators: {title} is the prompt's short name on the staff list, e.g. "Welcome"; {language}
    # is the language's own name, e.g. "Romanes".
    return _("Saved: «{title}» in {language}.").format(title=title, language=language)


def replaced(title: str, language: str) -> str:
    # Translators: {title} is the prompt's short name on the staff list, e.g. "Welcome"; {language}
    # is the language's own name, e.g. "Romanes".
    return _("Replaced: «{title}» in {language}.").format(title=title, language=language)


def deleted(title: str, language: str) -> str:
    # Translators: {title} is the prompt's short name on the staff list, e.g. "Welcome"; {language}
    # is the language's own name, e.g. "Romanes". Glossary (locales/glossary.toml): erase, delete.
    return _("Deleted: «{title}» in {language}.").format(title=title, language=language)


def voice_expected() -> str:
    return _("Please send a voice note: hold the microphone button while you speak.")


def voice_not_fetched() -> str:
    return _("I could not get that voice note. Please send it again.")


def not_recorded_any_more() -> str:
    return _("There is no recording of this message any more.")


def recording_gone() -> str:
    """A child's toast (at most 200 characters): the recording was taken away meanwhile."""
    return _("Sorry, this message cannot be played now. You can read it above.")
