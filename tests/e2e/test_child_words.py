"""A child's whole report in each language, read as the child reads it: plain words, the right
plurals, neutral labels and promises the bot can keep."""

from __future__ import annotations

import gettext
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.catalogs import LOCALES_DIR
from bot.languages import LanguageCode
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import (
    ABOUT_STAFF,
    CHILD,
    ERASE,
    ERASED,
    FIRST_NAME,
    GOT_IT,
    RECEIPT,
    SAFE_NOW,
    STORY,
    THATS_ALL,
    WANTS_REPLY,
    answer,
    begin,
    tap_newest,
    tap_on_newest,
)
from tests.e2e.harness import CONFIG_TOML, InProcessBot, bot_messages_with, translate

# The child label says nothing of the child's gender; these are the catalogs' words.
NEUTRAL_CHILD_LABEL = {
    "ro": "Sunt copil (sub 18 ani)",
    "sq": "Jam fëmijë (nën 18 vjeç)",
    "rom": "Me sem čhavo, čhaj vaj terno manuš",
    "en": "I am a child or young person",
}
# A deadline of 20 hours: a whole day would be said as "1 day", and from 20 on Romanian puts
# "de" between the number and the noun, which is where a plural most often goes wrong.
DEADLINE = {"ro": "20 de ore", "en": "20 hours"}
UNSURE = "I do not know"
UNSURE_WORDS = (
    "It is all right not to know. If you feel scared, you can call one of these numbers. "
    "It is free. You can also go on telling me here."
)
NUMBERS = "If you are in danger right now, call:"
NOTHING_TOO_SMALL = "Nothing is too small to tell. You will not get in trouble."
WHO_READS = "A safe person will read what you write within {time}. It stays secret."
LIMITS = (
    "But if someone is in danger, the safe person may have to tell people who can protect "
    "them, like child protection or the police. The safe person will tell you first."
)
TAKE_YOUR_TIME = "Take your time. Spelling does not matter."
WHO_COULD_SEE = "The answer would come in this chat. Anyone who can open this phone could read it."
NOBODY_WRITES_BACK = (
    "If nobody writes back by then, tell a grown-up you trust, or call {number}. It is free."
)
KEEP_THE_CODE = (
    "Write them on paper and keep it where only you can find it, or remember them. "
    "Do not keep them in a note that others can see."
)
SEE_MY_MESSAGE = "See my message"
ASK_SECRET = "Now send your secret word. I will delete it from the chat at once."
STATUS = "Your message {code}: {status}"
RECEIVED = "Received. A safe person will read it soon."
CHILDREN_LINE = "116 111 (Telefonul Copilului)"


def hours(language: LanguageCode, count: int) -> str:
    catalog = gettext.translation("messages", LOCALES_DIR, languages=[language])
    return catalog.ngettext("{count} hour", "{count} hours", count).format(count=count)


def number_line(language: LanguageCode, number: str, kind: str, name: str | None = None) -> str:
    """A help number as the child should see it: named where it has a name, and free."""
    label = translate(language, kind)
    if name:
        label = translate(language, "{name}: {description}").format(name=name, description=label)
    return f"📞 {number} — " + translate(language, "{description}, free").format(description=label)


@pytest.fixture
async def safeperson(api_url: str, tmp_path: Path, secret: bytes) -> AsyncIterator[InProcessBot]:
    bot = InProcessBot(
        api_url=api_url,
        folder=tmp_path,
        secret=secret,
        config_toml='report_deadline = "20h"\n' + CONFIG_TOML,
    )
    await bot.start()
    yield bot
    await bot.stop()


@pytest.mark.parametrize("language", ["ro", "sq", "rom", "en"])
async def test_a_child_goes_through_the_whole_flow_in_plain_honest_words(
    make_person: MakePerson, safeperson: InProcessBot, language: LanguageCode
) -> None:
    officer = await safeperson.enrol_reader("Maria", "officer")
    child = await make_person(language_code="en")

    def says(message: str) -> str:
        return translate(language, message)

    await begin(child, language, CHILD)
    # The audience menu became one line: the child's own, gender-neutral label.
    screen = await child.wait_for_bot_text(says(SAFE_NOW))
    assert says(CHILD) == NEUTRAL_CHILD_LABEL[language]
    assert any(m.text == NEUTRAL_CHILD_LABEL[language] for m in screen.bot_messages)

    # "I do not know" is an answer too: gentle words and the free numbers, named.
    question = screen.bot_messages[-1]
    assert question.button_texts == [
        says("Yes, I am safe"),
        says("No, I am not safe"),
        says(UNSURE),
    ]
    await answer(child, language, SAFE_NOW, UNSURE)
    screen = await child.wait_for_bot_text(says(STORY))
    texts = [m.text for m in screen.bot_messages]
    assert says(UNSURE_WORDS) in texts
    numbers = [t for t in texts if t.startswith(says(NUMBERS))][-1]
    assert numbers.splitlines()[1:] == [
        number_line(language, "112", "Emergency"),
        number_line(language, "119", "Child abuse line, day and night"),
        number_line(language, "116 111", "Helpline for children", "Telefonul Copilului"),
    ]

    # Before the story: nothing is too small, who reads it and when, what stays secret and
    # what may not, and no hurry; then the question, on its own.
    before = texts[-2]
    deadline = hours(language, 20)
    assert deadline == DEADLINE.get(language, deadline)
    assert before.split("\n\n") == [
        says(NOTHING_TOO_SMALL),
        says(WHO_READS).format(time=deadline),
        says(LIMITS),
        says(TAKE_YOUR_TIME),
    ]
    assert texts[-1] == says(STORY)
    if language != "en":
        assert all(says(text) != text for text in (NOTHING_TOO_SMALL, LIMITS, TAKE_YOUR_TIME))

    # A human answer to each part of the story.
    await child.send("A boy at the camp keeps hitting me.")
    await child.wait_for_bot_text(says(GOT_IT))
    await tap_newest(child, language, THATS_ALL)
    await answer(child, language, FIRST_NAME, "Skip")
    await answer(child, language, ABOUT_STAFF, "No, or I am not sure")

    # The reply question says who else could read the answer, before asking.
    screen = await answer(child, language, WANTS_REPLY, "Yes, please")
    assert screen.bot_messages[-1].text == "\n\n".join((says(WHO_COULD_SEE), says(WANTS_REPLY)))

    await tap_newest(child, language, "Send")
    screen = await child.wait_for(lambda s: any(RECEIPT.search(m.text) for m in s.bot_messages))
    receipt = next(m for m in screen.bot_messages if RECEIPT.search(m.text))
    found = RECEIPT.search(receipt.text)
    assert found is not None
    code, secret = found.group(1), found.group(2)
    # What to do if nobody writes back in time, with the children's line and that it is free.
    sent = "\n".join(m.text for m in screen.bot_messages)
    assert says(NOBODY_WRITES_BACK).format(number=CHILDREN_LINE) in sent
    assert (
        says("A safe person will read it and write back to you here within {time}.").format(
            time=deadline
        )
        in sent
    )
    # Where to keep the code, and a button for /status next to the honest Erase.
    assert says(KEEP_THE_CODE) in receipt.text
    assert receipt.button_texts == [says(SEE_MY_MESSAGE), says(ERASE)]
    opened = await safeperson.read_case(code, officer)
    assert opened.report["answers"]["safe_now"] == "unsure"

    # The button fills in the code: only the secret word is typed, and it is deleted at once.
    await child.tap(says(SEE_MY_MESSAGE), message_id=receipt.message_id)
    await child.wait_for_bot_text(says(ASK_SECRET))
    await child.send(secret)
    status = says(STATUS).format(code=code, status=says(RECEIVED))
    screen = await child.wait_for_bot_text(status)
    assert not any(m.sender == "user" and secret in m.text for m in screen.messages)
    assert not bot_messages_with(screen, "Case")

    # A second tap on the same receipt asks for the secret word again, nothing worse.
    await child.tap(says(SEE_MY_MESSAGE), message_id=receipt.message_id)
    await child.wait_for_bot_text(says(ASK_SECRET), count=2)

    # Erase says what it did, what stays, and how to remove the chat; nothing stays behind.
    await tap_on_newest(child, says(ERASE))
    screen = await child.wait_for(lambda s: not s.messages)
    assert [(t.text, t.show_alert) for t in screen.toasts][-1] == (says(ERASED), True)
    assert len(says(ERASED)) <= 200  # Telegram's limit for an alert
