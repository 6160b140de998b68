"""The flows the end-to-end tests share: what the bot says, and the steps a reporter or a
staff member takes through it, as they would on their phone."""

from __future__ import annotations

import os
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.crypto import ReaderKeyPair
from bot.languages import ENDONYMS, LanguageCode
from bot.staff import StaffDesk
from emulator.client import Screen
from storage.db import Database
from storage.models import AuditEvent
from tests.e2e.conftest import MakePerson
from tests.e2e.harness import InProcessBot, Person, translate

Reader = tuple[int, ReaderKeyPair]
# The harness's organisation is in Romania: every time is shown on Bucharest's clocks.
BUCHAREST = ZoneInfo("Europe/Bucharest")
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "ro": ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august",
           "septembrie", "octombrie", "noiembrie", "decembrie"),
    "sq": ("janar", "shkurt", "mars", "prill", "maj", "qershor", "korrik", "gusht", "shtator",
           "tetor", "nëntor", "dhjetor"),
}  # fmt: skip
PASSPHRASE = "river lantern quiet seven"
CHOOSE = "Choose your language. You can change it later with /language."
WHO = "Who are you?"
WELCOME = "Hello! This is a safe place to tell us about anything that worries you."
CHILD = "I am a child or young person"
PARENT = "I am a parent or guardian"
STAFF = "I work or volunteer here"
SAFE_NOW = "Are you safe right now?"
STORY = (
    "What happened? You can write or send a voice message. "
    "When you have told everything, tap «That's all»."
)
GOT_IT = "Thank you for telling me. You can tell me more, or tap «That's all»."
THATS_ALL = "That's all"
ERASE = "Erase the messages in this chat"
ERASE_NOW = "Erase now"
# The alert after erasing: what was deleted, what stays, how to remove the chat itself.
ERASED = (
    "Deleted the messages of the last 2 days. Older ones stay. "
    "To remove the chat: press and hold it in your list, then tap Delete."
)
FIRST_NAME = "What is your first name? You do not have to say it."
WANTS_REPLY = "Do you want a safe person to write back to you here?"
ABOUT_STAFF = (
    "Is this about a grown-up from our team? "
    "If it is about the person in charge of safety, tap the last button. "
    "Then that person will not see it."
)
ADULT_ABOUT_STAFF = (
    "Is the concern about someone who works or volunteers with us? "
    "If it is about the Child Protection Officer, only the board will see it."
)
ADULT_AUTHORITIES = "Do the police or child protection services already know?"
SEND = "Send"
PARENT_STORY = (
    "What is your concern? You can write or send voice messages. "
    "Tap «That's all» when you have finished."
)
CANARY = "canary-he-hurts-me-7d41"
VOICE_NOTE = b"OggS\x00\x02" + b"voice-canary-3b9e " * 200
# The case code and the secret word, as the reporter sees them in the receipt.
RECEIPT = re.compile(r"\b([A-HJ-NP-Z2-9]{6})\b.*?\b([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b", re.S)
NEW_CASE = re.compile(r"New case ([A-HJ-NP-Z2-9]{6})")
ASK = (
    "Choose a passphrase to protect your key: at least 12 characters, for example four "
    "words. I delete your message at once. Nobody can recover it: without it, you cannot "
    "read reports."
)
AGAIN = "Send the same passphrase again."
WEAK = (
    "That passphrase would be easy to guess. Try four or five ordinary words that have "
    "nothing to do with each other or with you, with spaces between them. Avoid names, "
    "dates, repeats and keyboard rows like qwerty."
)
ENROLLED = "You are enrolled. Your key is ready, protected by your passphrase."


async def begin(
    person: Person, language: LanguageCode, audience: str, start: str = "/start"
) -> None:
    await person.send(start)
    screen = await person.wait_for(lambda s: bool(s.bot_messages and s.bot_messages[-1].buttons))
    label = next(t for t in screen.bot_messages[-1].button_texts if ENDONYMS[language] in t)
    await person.tap(label)
    await person.wait_for_bot_text(translate(language, "Who are you?"))
    await person.tap(translate(language, audience))


async def answer(person: Person, language: LanguageCode, question: str, option: str) -> Screen:
    """Wait until `question` is the newest message, then tap `option` on it."""
    asked, label = translate(language, question), translate(language, option)
    screen = await person.wait_for(
        lambda s: (
            bool(s.bot_messages)
            and asked in s.bot_messages[-1].text
            and label in s.bot_messages[-1].button_texts
        )
    )
    await person.tap(label, message_id=screen.bot_messages[-1].message_id)
    return screen


async def tap_newest(person: Person, language: LanguageCode, option: str) -> Screen:
    """Tap `option` on the newest message once it offers it."""
    label = translate(language, option)
    screen = await person.wait_for(
        lambda s: bool(s.bot_messages) and label in s.bot_messages[-1].button_texts
    )
    await person.tap(label, message_id=screen.bot_messages[-1].message_id)
    return screen


async def tap_on_newest(person: Person, label: str) -> Screen:
    """Tap `label` on the newest message that offers it."""
    screen = await person.wait_for(lambda s: any(label in m.button_texts for m in s.bot_messages))
    newest = [m for m in screen.bot_messages if label in m.button_texts][-1]
    await person.tap(label, message_id=newest.message_id)
    return screen


async def submit(person: Person, language: LanguageCode) -> tuple[str, str, Screen]:
    await tap_newest(person, language, SEND)
    screen = await person.wait_for(lambda s: any(RECEIPT.search(m.text) for m in s.bot_messages))
    found = next(RECEIPT.search(m.text) for m in screen.bot_messages if RECEIPT.search(m.text))
    assert found is not None
    return found.group(1), found.group(2), screen


async def parent_report(
    person: Person,
    language: LanguageCode,
    story: str,
    *,
    about_staff: str = "No",
    wants_reply: str = "Yes, please",
) -> tuple[str, str, Screen]:
    """A parent's concern from /start to the receipt; the options are the English labels."""
    await begin(person, language, PARENT)
    await person.wait_for_bot_text(translate(language, PARENT_STORY))
    await person.send(story)
    await tap_newest(person, language, THATS_ALL)
    await answer(person, language, "Is the child in danger right now?", "No")
    await answer(person, language, ADULT_AUTHORITIES, "I do not know")
    await answer(person, language, ADULT_ABOUT_STAFF, about_staff)
    await answer(person, language, "May a safe person write back to you here?", wants_reply)
    return await submit(person, language)


async def child_report(
    person: Person, language: LanguageCode, *, safe: bool = True, start: str = "/start"
) -> tuple[str, str, Screen]:
    await begin(person, language, CHILD, start)
    await answer(person, language, SAFE_NOW, "Yes, I am safe" if safe else "No, I am not safe")
    await person.wait_for_bot_text(translate(language, STORY))
    await person.send(f"Someone at the camp scares me. {CANARY}")
    await person.wait_for_bot_text(translate(language, GOT_IT))
    await person.telegram.send_voice(person.user.user_id, duration=4, content=VOICE_NOTE)
    await person.wait_for_bot_text(translate(language, GOT_IT), count=2)
    await tap_newest(person, language, THATS_ALL)
    await person.wait_for_bot_text(translate(language, FIRST_NAME))
    await person.send("Ana")
    await answer(person, language, ABOUT_STAFF, "No, or I am not sure")
    await answer(person, language, WANTS_REPLY, "Yes, please")
    return await submit(person, language)


def staff_desk(bot: InProcessBot) -> StaffDesk:
    assert bot.app is not None
    desk = bot.app.dispatcher["staff"]
    assert isinstance(desk, StaffDesk)
    return desk


async def enrol(
    person: Person,
    code: str,
    language: LanguageCode = "en",
    *,
    suggested: LanguageCode | None = None,
) -> None:
    """Enrol from the link: pick `language` (the app's `suggested` one comes ticked), then the
    passphrase, a weak one first."""
    await person.send(f"/start {code}")
    await person.wait_for_bot_text(translate(suggested or language, CHOOSE))
    tick = "✓ " if language == (suggested or language) else ""
    await tap_newest(person, language, tick + ENDONYMS[language])
    await person.wait_for_bot_text(translate(language, ASK))
    await person.send("password1234")  # long enough, and guessed at once
    await person.wait_for_bot_text(translate(language, WEAK))
    await person.send(PASSPHRASE)
    await person.wait_for_bot_text(translate(language, AGAIN))
    await person.send(PASSPHRASE)
    await person.wait_for_bot_text(translate(language, ENROLLED))


async def enrolled(
    bot: InProcessBot, make_person: MakePerson, name: str, role: str, activity: str | None = None
) -> Person:
    invitation = await staff_desk(bot).invite(name, role, activity)
    member = await make_person(first_name=name, language_code="en")
    await enrol(member, invitation.code)
    return member


def local_day(moment: datetime, language: LanguageCode) -> str:
    """The day a reader in Romania is shown; in Romani, without month names of its own in the
    bot, in digits."""
    wall = moment.astimezone(BUCHAREST)
    if language == "rom":
        return f"{wall:%d.%m.%Y}"
    return f"{wall.day} {MONTHS[language][wall.month - 1]} {wall.year}"


def alerts(screen: Screen) -> list[str]:
    return [m.text for m in screen.bot_messages if NEW_CASE.search(m.text)]


async def acknowledge(officer: Person, code: str) -> None:
    screen = await officer.wait_for(lambda s: any(f"New case {code}" in t for t in alerts(s)))
    alert = next(m for m in screen.bot_messages if f"New case {code}" in m.text)
    await officer.tap("Acknowledge", message_id=alert.message_id)
    await officer.wait_for_bot_text(f"You acknowledged case {code}.")


async def stored_bytes(bot: InProcessBot) -> bytes:
    return b"".join(
        (bot.folder / name).read_bytes()
        for name in os.listdir(bot.folder)
        if name.startswith("safeperson.db")
    )


async def audit_actions(bot: InProcessBot) -> list[tuple[str, str, str | None]]:
    database = Database(bot.database_url)
    try:
        async with database.transaction() as session:
            rows = (await session.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars()
            return [(e.actor, e.action, e.case_code) for e in rows]
    finally:
        await database.dispose()
