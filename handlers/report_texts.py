"""What the reporting flows say. Children get their own words; adults get adult wording.

Child-facing rules: short sentences, one question per message, never blaming, and never a
question about surname, school or address.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.audience import Audience
from bot.case_model import CaseStatus
from bot.helplines import Helpline
from handlers.texts import duration
from handlers.when import day_in_words

Text = Callable[[], str]

_CHILD_QUESTIONS: dict[str, Text] = {
    # Translators: Glossary (locales/glossary.toml): safe right now (out of danger).
    "safe_now": lambda: _("Are you safe right now?"),
    # Translators: Glossary (locales/glossary.toml): voice message.
    "story": lambda: _(
        "What happened? You can write or send a voice message. "
        "When you have told everything, tap «That's all»."
    ),
    "first_name": lambda: _("What is your first name? You do not have to say it."),
    # Translators: Glossary (locales/glossary.toml): person in charge of safety.
    "about_staff": lambda: _(
        "Is this about a grown-up from our team? "
        "If it is about the person in charge of safety, tap the last button. "
        "Then that person will not see it."
    ),
    "wants_reply": lambda: "\n\n".join(
        (
            _("The answer would come in this chat. Anyone who can open this phone could read it."),
            # Translators: Glossary (locales/glossary.toml): safe person.
            _("Do you want a safe person to write back to you here?"),
        )
    ),
}

_ADULT_QUESTIONS: dict[str, Text] = {
    # Translators: Glossary (locales/glossary.toml): voice message.
    "story": lambda: _(
        "What is your concern? You can write or send voice messages. "
        "Tap «That's all» when you have finished."
    ),
    # Translators: Glossary (locales/glossary.toml): danger.
    "in_danger": lambda: _("Is the child in danger right now?"),
    "authorities_know": lambda: _("Do the police or child protection services already know?"),
    # Translators: Glossary (locales/glossary.toml): Child Protection Officer; board.
    "about_staff": lambda: _(
        "Is the concern about someone who works or volunteers with us? "
        "If it is about the Child Protection Officer, only the board will see it."
    ),
    # Translators: Glossary (locales/glossary.toml): safe person.
    "wants_reply": lambda: _("May a safe person write back to you here?"),
}

_STAFF_QUESTIONS: dict[str, Text] = {
    **_ADULT_QUESTIONS,
    "how_learned": lambda: _("How did you learn about it?"),
    # Translators: Glossary (locales/glossary.toml): voice message.
    "story": lambda: _("What happened? Write or send voice messages, then tap «That's all»."),
    "when": lambda: _("When did it happen, or when did you learn about it?"),
    "where": lambda: _("Where did it happen?"),
    "child_first_name": lambda: _("The child's first name only, never the surname. Or skip."),
    "who_involved": lambda: _(
        "Who is involved? Give their role, for example volunteer, parent or another child. "
        "A name only if you choose."
    ),
    "done_already": lambda: _("What has been done already?"),
    "authorities_know": lambda: _("Have the authorities been told?"),
}

_OPTIONS: dict[tuple[str, str], Text] = {
    # Translators: Glossary (locales/glossary.toml): safe right now (out of danger).
    ("safe_now", "yes"): lambda: _("Yes, I am safe"),
    # Translators: Glossary (locales/glossary.toml): safe right now (out of danger).
    ("safe_now", "no"): lambda: _("No, I am not safe"),
    ("safe_now", "unsure"): lambda: _("I do not know"),
    ("in_danger", "yes"): lambda: _("Yes"),
    ("in_danger", "no"): lambda: _("No"),
    ("in_danger", "unsure"): lambda: _("I am not sure"),
    ("authorities_know", "yes"): lambda: _("Yes"),
    ("authorities_know", "no"): lambda: _("No"),
    ("authorities_know", "unsure"): lambda: _("I do not know"),
    ("wants_reply", "yes"): lambda: _("Yes, please"),
    ("wants_reply", "no"): lambda: _("No, thank you"),
    ("how_learned", "saw"): lambda: _("I saw it"),
    ("how_learned", "child_told"): lambda: _("A child told me"),
    ("how_learned", "colleague"): lambda: _("A colleague or partner reported it"),
    ("how_learned", "suspect"): lambda: _("I suspect it"),
    ("where", "elsewhere"): lambda: _("Somewhere else"),
}

_CHILD_OPTIONS: dict[tuple[str, str], Text] = {
    ("about_staff", "no"): lambda: _("No, or I am not sure"),
    ("about_staff", "yes"): lambda: _("Yes"),
    # Translators: Glossary (locales/glossary.toml): person in charge of safety.
    ("about_staff", "officer"): lambda: _("Yes, the person in charge of safety"),
}

_ADULT_OPTIONS: dict[tuple[str, str], Text] = {
    ("about_staff", "no"): lambda: _("No"),
    ("about_staff", "yes"): lambda: _("Yes"),
    # Translators: Glossary (locales/glossary.toml): Child Protection Officer.
    ("about_staff", "officer"): lambda: _("Yes, the Child Protection Officer"),
}


def question(audience: Audience, key: str) -> str:
    table = {"child": _CHILD_QUESTIONS, "staff": _STAFF_QUESTIONS}.get(audience, _ADULT_QUESTIONS)
    return table[key]()


def option(audience: Audience, key: str, value: str) -> str:
    specific = _CHILD_OPTIONS if audience == "child" else _ADULT_OPTIONS
    return (specific.get((key, value)) or _OPTIONS[(key, value)])()


def staff_intro() -> str:
    # Translators: Glossary (locales/glossary.toml): Child Protection Officer.
    return _(
        "The mandatory report. Every concern must reach the Child Protection Officer "
        "within 24 hours of you becoming aware of it. It takes a few minutes."
    )


def danger_now(audience: Audience) -> str:
    if audience == "child":
        return _("Please call for help now. It is free. When you can, tell me more here.")
    return _("Call for help now. Then, when you can, go on with the report here.")


def unsure_if_safe() -> str:
    return _(
        "It is all right not to know. If you feel scared, you can call one of these numbers. "
        "It is free. You can also go on telling me here."
    )


def before_story(within: timedelta) -> str:
    """Said to a child before the story: who reads it, when, what stays secret and what may not,
    and that nothing they say will get them in trouble."""
    return "\n\n".join(
        (
            _("Nothing is too small to tell. You will not get in trouble."),
            # Translators: {time} is the deadline in words, e.g. "1 day" or "20 hours" (translated
            # on its own). Glossary (locales/glossary.toml): safe person.
            _("A safe person will read what you write within {time}. It stays secret.").format(
                time=duration(within)
            ),
            # Translators: Glossary (locales/glossary.toml): safe person; danger. Said to a child
            # before the story: the limits of secrecy, kindly.
            _(
                "But if someone is in danger, the safe person may have to tell people who can "
                "protect them, like child protection or the police. The safe person will tell "
                "you first."
            ),
            _("Take your time. Spelling does not matter."),
        )
    )


def that_is_all() -> str:
    return _("That's all")


def skip() -> str:
    return _("Skip")


def got_it(audience: Audience) -> str:
    if audience == "child":
        return _("Thank you for telling me. You can tell me more, or tap «That's all».")
    return _("Received. Send more, or tap «That's all».")


def too_much() -> str:
    return _("That is a lot, thank you. Please tap «That's all» now.")


def voice_too_big() -> str:
    # Translators: Glossary (locales/glossary.toml): voice message.
    return _("That voice message is too big for me. Please send a shorter one, or write it.")


def voice_not_fetched() -> str:
    # Translators: Glossary (locales/glossary.toml): voice message.
    return _("I could not get your voice message. Please send it again, or write it.")


def voices_lost(count: int) -> str:
    # Translators: Glossary (locales/glossary.toml): voice message.
    return ngettext(
        "I could not keep a voice message you sent, so your report went without it. "
        "You can send it in a new report.",
        "I could not keep some voice messages you sent, so your report went without them. "
        "You can send them in a new report.",
        count,
    )


def tell_something_first() -> str:
    # Translators: Glossary (locales/glossary.toml): voice message.
    return _("Please write or send a voice message first.")


def confirm(audience: Audience, messages: int, voices: int) -> str:
    # Translators: {messages} is a number of written messages, e.g. 2. {voices} is a number of voice
    # messages, e.g. 1. Glossary (locales/glossary.toml): voice message.
    summary = _("Messages: {messages}. Voice messages: {voices}.").format(
        messages=messages, voices=voices
    )
    if audience == "child":
        # Translators: Glossary (locales/glossary.toml): safe person.
        return "\n\n".join((summary, _("Shall I send it to the safe person now?")))
    return "\n\n".join((summary, _("Send this report now?")))


def send() -> str:
    return _("Send")


def delete_draft() -> str:
    # Translators: Glossary (locales/glossary.toml): erase, delete.
    return _("Delete it")


def draft_deleted() -> str:
    # Translators: Glossary (locales/glossary.toml): erase, delete.
    return _("Deleted. Nothing was sent.")


def submitted(
    audience: Audience, within: timedelta, wants_reply: bool, helplines: tuple[Helpline, ...]
) -> str:
    if audience == "child":
        lines = [_("Thank you for telling us. You did the right thing. It is not your fault.")]
        lines.append(
            # Translators: {time} is a duration in words, e.g. "24 hours" (translated on its own).
            # Glossary (locales/glossary.toml): safe person.
            _("A safe person will read it and write back to you here within {time}.")
            if wants_reply
            # Translators: {time} is a duration in words, e.g. "24 hours" (translated on its own).
            # Glossary (locales/glossary.toml): safe person.
            else _("A safe person will read it within {time}.")
        )
        lines.append(_if_nobody_answers(wants_reply, helplines))
    else:
        lines = [_("Thank you. Your report was received.")]
        # Translators: {time} is a duration in words, e.g. "24 hours" (translated on its own).
        # Glossary (locales/glossary.toml): safe person.
        lines.append(_("A safe person will act on it within {time}."))
    return "\n\n".join(line.format(time=duration(within)) for line in lines)


def _children_line(helplines: tuple[Helpline, ...]) -> str | None:
    """The number a child may call when nobody answers: the children's line, as it is named."""
    line = next((h for h in helplines if h.kind == "child_helpline"), None)
    if line is None:
        return None
    return f"{line.number} ({html.escape(line.name)})" if line.name else line.number


def _if_nobody_answers(wants_reply: bool, helplines: tuple[Helpline, ...]) -> str:
    number = _children_line(helplines)
    if wants_reply and number:
        # Translators: {number} is the children's helpline, with its name, e.g. "116 111 (Telefonul
        # Copilului)", kept exactly.
        return _(
            "If nobody writes back by then, tell a grown-up you trust, or call {number}. "
            "It is free."
        ).format(number=number)
    if wants_reply:
        return _("If nobody writes back by then, tell a grown-up you trust.")
    if number:
        # Translators: {number} is the children's helpline, with its name, e.g. "116 111 (Telefonul
        # Copilului)", kept exactly.
        return _(
            "If you need help sooner, tell a grown-up you trust, or call {number}. It is free."
        ).format(number=number)
    return _("If you need help sooner, tell a grown-up you trust.")


def receipt(code: str, secret: str) -> str:
    return "\n\n".join(
        (
            # Translators: {code} is the reporter's code (6 letters and digits, e.g. "K7Q2MX"), kept
            # exactly. {secret} is the reporter's secret word (8 letters), kept exactly. Glossary
            # (locales/glossary.toml): secret word; code.
            _("Your code: <b>{code}</b>\nYour secret word: <b>{secret}</b>").format(
                code=code, secret=secret
            ),
            _(
                "Write them on paper and keep it where only you can find it, or remember them. "
                "Do not keep them in a note that others can see."
            ),
            _("To come back, read answers and add more: tap the button below, or send /status."),
        )
    )


def status_button() -> str:
    return _("See my message")


def received_at(moment: str) -> str:
    # Translators: {time} is a local date and time, e.g. "14 Mar 2026, 09:30 EET".
    return _("Report received at {time}.").format(time=moment)


def erase_button() -> str:
    # Translators: A button under the receipt. Glossary (locales/glossary.toml): erase, delete.
    return _("Erase the messages in this chat")


def erase_now() -> str:
    # Translators: A button. Glossary (locales/glossary.toml): erase, delete.
    return _("Erase now")


def erase_explained() -> str:
    return "\n\n".join(
        (
            # Translators: Glossary (locales/glossary.toml): erase, delete.
            _(
                "I will delete the messages in this chat from the last 2 days, yours and mine. "
                "Telegram does not let me delete older ones. What you sent us stays safe with us."
            ),
            # Translators: Telegram's own menu item: use the word Telegram shows in this language.
            # Glossary (locales/glossary.toml): erase, delete.
            _("To remove the chat from your list: press and hold it, then tap Delete."),
        )
    )


def erased() -> str:
    """Shown as an alert (at most 200 characters), so nothing new stays in the chat."""
    # Translators: Shown as a Telegram alert: at most 200 characters. Glossary
    # (locales/glossary.toml): erase, delete.
    return _(
        "Deleted the messages of the last 2 days. Older ones stay. "
        "To remove the chat: press and hold it in your list, then tap Delete."
    )


def nobody_to_read() -> str:
    return _(
        "I cannot send it yet: nobody is set up to read it. Your words are kept here. "
        "Please call a number below now, or try again later."
    )


def ask_code() -> str:
    # Translators: Glossary (locales/glossary.toml): code.
    return _("Please send your code.")


def ask_secret() -> str:
    # Translators: Glossary (locales/glossary.toml): secret word; erase, delete.
    return _("Now send your secret word. I will delete it from the chat at once.")


def no_match() -> str:
    # Translators: Glossary (locales/glossary.toml): secret word; code.
    return _("That code and secret word do not match. Please check them and try again.")


def too_many_tries(minutes: int) -> str:
    # Translators: {minutes} is a number of minutes, e.g. 15.
    return ngettext(
        "Too many tries. Please wait {minutes} minute and try again.",
        "Too many tries. Please wait {minutes} minutes and try again.",
        minutes,
    ).format(minutes=minutes)


def case_status(code: str, status: str) -> str:
    states: dict[str, Text] = {
        # Translators: Glossary (locales/glossary.toml): safe person.
        CaseStatus.AWAITING_ALERT: lambda: _("Received. A safe person will read it soon."),
        # Translators: Glossary (locales/glossary.toml): safe person.
        CaseStatus.ALERTED: lambda: _("Received. A safe person will read it soon."),
        # Translators: Glossary (locales/glossary.toml): safe person.
        CaseStatus.CLOSED: lambda: _(
            "A safe person has finished working on it. You can always write to us again."
        ),
    }
    # Translators: Glossary (locales/glossary.toml): safe person.
    text = states.get(status, lambda: _("A safe person is working on it."))()
    # Translators: {code} is the reporter's code, e.g. "K7Q2MX", kept exactly. {status} is the rest
    # of the sentence, e.g. "A safe person is working on it." (translated on its own).
    return _("Your message {code}: {status}").format(code=code, status=text)


def reply_from_safe_person(text: str, written_at: datetime, zone: ZoneInfo) -> str:
    return "\n\n".join(
        (
            # Translators: {day} is a date in words, e.g. "14 March 2026". Glossary
            # (locales/glossary.toml): safe person.
            "💬 " + _("The safe person wrote on {day}:").format(day=day_in_words(written_at, zone)),
            html.escape(text),
        )
    )


def add_more() -> str:
    return _("Add more")


def adding() -> str:
    # Translators: Glossary (locales/glossary.toml): voice message.
    return _("Write or send a voice message. Tap «That's all» when you have finished.")


def added() -> str:
    return _("Added to your message. Thank you.")


def done() -> str:
    return _("Done")
