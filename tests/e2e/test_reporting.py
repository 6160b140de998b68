"""The reporting flows end to end: what each reporter sees, and what the readers can open."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import aiohttp
import pytest

from bot.languages import LanguageCode
from emulator.client import EmulatorClient
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import (
    ABOUT_STAFF,
    ADULT_ABOUT_STAFF,
    CANARY,
    CHILD,
    ERASED,
    FIRST_NAME,
    GOT_IT,
    RECEIPT,
    SAFE_NOW,
    SEND,
    STAFF,
    STORY,
    THATS_ALL,
    VOICE_NOTE,
    WANTS_REPLY,
    Reader,
    answer,
    begin,
    child_report,
    parent_report,
    submit,
    tap_newest,
    tap_on_newest,
)
from tests.e2e.harness import TOKEN, InProcessBot, Person, bot_messages_with, translate

NOT_YOUR_FAULT = "Thank you for telling us. You did the right thing. It is not your fault."
DANGER = "Please call for help now. It is free. When you can, tell me more here."
STAFF_INTRO = (
    "The mandatory report. Every concern must reach the Child Protection Officer "
    "within 24 hours of you becoming aware of it. It takes a few minutes."
)
STAFF_STORY = "What happened? Write or send voice messages, then tap «That's all»."
STAFF_WHO = (
    "Who is involved? Give their role, for example volunteer, parent or another child. "
    "A name only if you choose."
)
ADULT_GOT_IT = "Received. Send more, or tap «That's all»."


@pytest.fixture
async def readers(safeperson: InProcessBot) -> dict[str, Reader]:
    return {
        "officer": await safeperson.enrol_reader("Maria", "officer"),
        "deputy": await safeperson.enrol_reader("Ion", "deputy"),
        "board": await safeperson.enrol_reader("Elena", "board"),
        "camp": await safeperson.enrol_reader("Dan", "safe_person", "summer_camp"),
    }


@pytest.mark.parametrize("language", ["rom", "en"])
async def test_a_child_reports_by_text_and_voice_and_a_reader_opens_it(
    make_person: MakePerson, readers: dict[str, Reader], safeperson: InProcessBot, language: str
) -> None:
    lang: LanguageCode = "rom" if language == "rom" else "en"
    person = await make_person(language_code="rmy" if lang == "rom" else "en")
    code, _secret, screen = await child_report(person, lang, start="/start act_summer_camp")
    assert bot_messages_with(screen, translate(lang, NOT_YOUR_FAULT))
    receipt = next(m for m in screen.bot_messages if code in m.text)
    assert translate(lang, "Erase the messages in this chat") in receipt.button_texts

    opened = await safeperson.read_case(code, readers["officer"])
    assert opened.report["messages"] == [f"Someone at the camp scares me. {CANARY}"]
    assert opened.report["answers"]["first_name"] == "Ana"
    assert opened.report["answers"]["safe_now"] == "yes"
    assert opened.voices == [VOICE_NOTE]
    assert opened.case.audience == "child"
    assert opened.case.urgency == "urgent"
    assert opened.case.activity == "summer_camp"
    assert opened.case.status == "awaiting_alert"
    # Sealed for the ladder and the camp's safe person, and nobody else.
    assert opened.readers == {r[0] for r in readers.values()}


@pytest.mark.usefixtures("readers")
async def test_a_child_in_danger_gets_the_numbers_at_once_and_an_immediate_case(
    make_person: MakePerson, safeperson: InProcessBot, readers: dict[str, Reader]
) -> None:
    person = await make_person(language_code="ro")
    await begin(person, "ro", CHILD)
    await answer(person, "ro", SAFE_NOW, "No, I am not safe")
    await person.wait_for_bot_text(translate("ro", DANGER))
    screen = await person.wait_for_bot_text(translate("ro", STORY))
    texts = [m.text for m in screen.bot_messages]
    danger_at = texts.index(translate("ro", DANGER))
    # Right after the "call for help" line, before the next question: the numbers.
    assert "112" in texts[danger_at + 1]
    assert "116 111" in texts[danger_at + 1]
    # Then what is secret and what is not, and the story question.
    assert texts[danger_at + 2].startswith(
        translate("ro", "Nothing is too small to tell. You will not get in trouble.")
    )
    assert texts[danger_at + 3] == translate("ro", STORY)
    await person.send("Mi-e frică.")
    await tap_newest(person, "ro", THATS_ALL)
    await answer(person, "ro", FIRST_NAME, "Skip")
    await answer(person, "ro", ABOUT_STAFF, "No, or I am not sure")
    await answer(person, "ro", WANTS_REPLY, "No, thank you")
    code, _secret, _screen = await submit(person, "ro")
    opened = await safeperson.read_case(code, readers["officer"])
    assert opened.case.urgency == "immediate"
    assert opened.case.wants_reply is False
    assert "first_name" not in opened.report["answers"]


@pytest.mark.parametrize("lang", ["sq", "rom"])
async def test_a_parent_concern_about_the_officer_never_reaches_the_officer(
    make_person: MakePerson, safeperson: InProcessBot, readers: dict[str, Reader], lang: str
) -> None:
    language: LanguageCode = "rom" if lang == "rom" else "sq"
    person = await make_person(language_code=language)
    code, _secret, screen = await parent_report(
        person,
        language,
        "Koordinatori i flet keq vajzës sime.",
        about_staff="Yes, the Child Protection Officer",
    )
    assert bot_messages_with(screen, translate(language, "Thank you. Your report was received."))
    officer_id = readers["officer"][0]
    opened = await safeperson.read_case(code, readers["board"])
    assert officer_id not in opened.readers
    assert opened.case.about_officer
    assert opened.report["answers"]["about_staff"] == "officer"
    with pytest.raises(KeyError):
        await safeperson.read_case(code, readers["officer"])


@pytest.mark.parametrize("lang", ["en", "rom"])
async def test_staff_file_the_mandatory_report(
    make_person: MakePerson, safeperson: InProcessBot, readers: dict[str, Reader], lang: str
) -> None:
    language: LanguageCode = "rom" if lang == "rom" else "en"
    person = await make_person(language_code=language)

    async def asked(question: str) -> None:
        await person.wait_for(lambda s: s.bot_messages[-1].text == translate(language, question))

    await begin(person, language, STAFF)
    await person.wait_for_bot_text(translate(language, STAFF_INTRO))
    await answer(person, language, "How did you learn about it?", "A child told me")
    await asked(STAFF_STORY)
    await person.send("During the game a volunteer grabbed a child's arm hard.")
    await person.wait_for_bot_text(translate(language, ADULT_GOT_IT))
    await tap_newest(person, language, THATS_ALL)
    await asked("When did it happen, or when did you learn about it?")
    await person.send("Today, around 15:00")
    await answer(person, language, "Where did it happen?", "Summer camp")
    await asked("The child's first name only, never the surname. Or skip.")
    await person.send("Ioana")
    await asked(STAFF_WHO)
    await person.send("A volunteer")
    await answer(person, language, "Is the child in danger right now?", "No")
    await asked("What has been done already?")
    await person.telegram.send_voice(person.user.user_id, size=1500)
    await answer(person, language, "Have the authorities been told?", "Yes")
    await answer(person, language, ADULT_ABOUT_STAFF, "Yes")  # about staff, not the officer
    code, _secret, screen = await submit(person, language)
    received = translate(language, "Report received at {time}.").split("{time}")[0]
    assert bot_messages_with(screen, received)
    opened = await safeperson.read_case(code, readers["camp"])
    answers = opened.report["answers"]
    assert answers["how_learned"] == "child_told"
    assert answers["where"] == "summer_camp"
    assert answers["child_first_name"] == "Ioana"
    assert answers["when"] == "Today, around 15:00"
    assert answers["done_already"].startswith("(voice message")
    assert len(opened.voices) == 1
    assert opened.case.activity == "summer_camp"
    assert opened.case.category == "about_staff"


@pytest.mark.usefixtures("readers")
async def test_status_with_right_and_wrong_receipts_and_adding_more(
    make_person: MakePerson, safeperson: InProcessBot, readers: dict[str, Reader]
) -> None:
    person = await make_person(language_code="en")
    code, secret, _screen = await child_report(person, "en")
    await person.send("/status")
    await person.wait_for_bot_text("Please send your code.")
    await person.telegram.send_voice(person.user.user_id)  # a code cannot be spoken here
    await person.wait_for_bot_text("Please send your code.", count=2)
    await person.send(code.lower())
    await person.wait_for_bot_text("Now send your secret word.")
    await person.send("AAAA-AAAA")
    screen = await person.wait_for_bot_text("do not match")
    assert "AAAA-AAAA" not in screen.texts  # the guess was deleted at once
    await person.send(code)
    await person.wait_for_bot_text("Now send your secret word.", count=2)
    await person.send(secret)
    screen = await person.wait_for_bot_text(f"Your message {code}:")
    assert secret not in screen.texts  # the secret word was deleted from the chat
    await person.tap("Add more")
    await person.wait_for_bot_text("Write or send a voice message.")
    await person.send("It happened again yesterday.")
    await person.wait_for_bot_text(GOT_IT, count=1)
    await tap_newest(person, "en", THATS_ALL)
    await person.wait_for_bot_text("Added to your message. Thank you.")
    opened = await safeperson.read_case(code, readers["deputy"])
    assert opened.follow_ups == [b"It happened again yesterday."]


@pytest.mark.usefixtures("readers")
async def test_erase_deletes_the_whole_chat_and_keeps_the_case(
    make_person: MakePerson, safeperson: InProcessBot, readers: dict[str, Reader]
) -> None:
    person = await make_person(language_code="ro")
    code, _secret, screen = await child_report(person, "ro")
    assert len(screen.messages) > 10
    await person.tap(translate("ro", "Erase the messages in this chat"))
    screen = await person.wait_for(lambda s: not s.messages)
    assert any(t.text == translate("ro", ERASED) and t.show_alert for t in screen.toasts)
    opened = await safeperson.read_case(code, readers["officer"])
    assert opened.report["messages"]


@pytest.mark.usefixtures("readers")
async def test_erase_command_mid_flow_forgets_the_draft(make_person: MakePerson) -> None:
    person = await make_person(language_code="en")
    await begin(person, "en", CHILD)
    await answer(person, "en", SAFE_NOW, "Yes, I am safe")
    await person.send("half a story")
    await person.wait_for_bot_text(GOT_IT)
    await person.send("/erase")
    # First what erasing can and cannot do; the confirming tap deletes that too.
    await person.wait_for_bot_text("Telegram does not let me delete older ones.")
    await tap_on_newest(person, "Erase now")
    screen = await person.wait_for(lambda s: not s.messages)
    assert any(t.text == ERASED and t.show_alert for t in screen.toasts)
    # The draft is gone: a new message starts from the menu, not in the middle of the story.
    await person.send("hello")
    screen = await person.wait_for(lambda s: bool(s.bot_messages))
    assert screen.bot_messages[-1].text == "Who are you?"


async def test_a_restart_mid_flow_and_a_double_submit(
    make_person: MakePerson, safeperson: InProcessBot, readers: dict[str, Reader]
) -> None:
    person = await make_person(language_code="en")
    await begin(person, "en", CHILD)
    await answer(person, "en", SAFE_NOW, "Yes, I am safe")
    await person.send("first part")
    await person.wait_for_bot_text(GOT_IT)
    await safeperson.restart()
    await person.send("second part, after the restart")
    await person.wait_for_bot_text(GOT_IT, count=2)
    await tap_newest(person, "en", THATS_ALL)
    await answer(person, "en", FIRST_NAME, "Skip")
    await answer(person, "en", ABOUT_STAFF, "No, or I am not sure")
    await answer(person, "en", WANTS_REPLY, "Yes, please")
    screen = await tap_newest(person, "en", SEND)
    confirm_id = screen.bot_messages[-1].message_id
    # A second tap on Send, racing the first.
    await person.telegram.press(
        person.user.user_id, callback_data="send:send", message_id=confirm_id, allow_missing=True
    )
    screen = await person.wait_for(lambda s: any(RECEIPT.search(m.text) for m in s.bot_messages))
    await person.wait_for(lambda s: len(s.toasts) >= 1)
    receipts = [m for m in screen.bot_messages if RECEIPT.search(m.text)]
    assert len(receipts) == 1
    assert await safeperson.count_cases() == 1
    match = RECEIPT.search(receipts[0].text)
    assert match is not None
    opened = await safeperson.read_case(match.group(1), readers["officer"])
    assert opened.report["messages"] == ["first part", "second part, after the restart"]


@pytest.mark.usefixtures("readers")
async def test_a_voice_note_too_big_gets_a_kind_answer_and_the_text_path(
    make_person: MakePerson,
) -> None:
    person = await make_person(language_code="en")
    await begin(person, "en", CHILD)
    await answer(person, "en", SAFE_NOW, "Yes, I am safe")
    await person.wait_for_bot_text(STORY)
    await person.telegram.send_voice(person.user.user_id, size=25 * 1024 * 1024)
    await person.wait_for_bot_text("too big for me")
    screen = await person.wait_for_bot_text(STORY, count=2)
    assert screen.bot_messages[-2].text.startswith("That voice message is too big for me.")
    # The text path still works.
    await person.send("I will write it instead.")
    await person.wait_for_bot_text(GOT_IT)


async def test_a_voice_note_that_cannot_be_fetched_is_told_and_the_text_still_goes(
    make_person: MakePerson,
    readers: dict[str, Reader],
    safeperson: InProcessBot,
    telegram: EmulatorClient,
) -> None:
    person = await make_person(language_code="en")
    await begin(person, "en", CHILD)
    await answer(person, "en", SAFE_NOW, "Yes, I am safe")
    await person.wait_for_bot_text(STORY)
    await person.send(f"He shouts at us. {CANARY}")
    await person.wait_for_bot_text(GOT_IT)
    # Telegram's file server is down for as long as the bot keeps trying.
    await telegram.add_fault("500", "getFile")
    await person.telegram.send_voice(person.user.user_id, duration=4, content=VOICE_NOTE)
    # (getFile is retried in place for about 15 seconds, then the recording is given up.)
    screen = await person.wait_for(
        lambda s: bool(bot_messages_with(s, "I could not get your voice message.")), timeout=30
    )
    assert not bot_messages_with(screen, "Something went wrong")
    await telegram.clear_faults()
    await tap_newest(person, "en", THATS_ALL)
    await answer(person, "en", FIRST_NAME, "Skip")
    await answer(person, "en", ABOUT_STAFF, "No, or I am not sure")
    await answer(person, "en", WANTS_REPLY, "No, thank you")
    code, _secret, screen = await submit(person, "en")
    assert not bot_messages_with(screen, "I could not keep")

    opened = await safeperson.read_case(code, readers["officer"])
    assert opened.report["messages"] == [f"He shouts at us. {CANARY}"]
    assert opened.voices == []


async def test_a_voice_note_wiped_before_send_is_told_and_the_rest_goes(
    make_person: MakePerson, readers: dict[str, Reader], safeperson: InProcessBot
) -> None:
    person = await make_person(language_code="ro")
    await begin(person, "ro", CHILD)
    await answer(person, "ro", SAFE_NOW, "Yes, I am safe")
    await person.wait_for_bot_text(translate("ro", STORY))
    await person.telegram.send_voice(person.user.user_id, duration=4, content=VOICE_NOTE)
    await person.wait_for_bot_text(translate("ro", GOT_IT))
    # The child comes back 23 hours later and writes more: the draft is fresh, but the
    # recording's own 24 hours run out before Send.
    safeperson.clock.ahead = timedelta(hours=23)
    await person.send(f"Tot eu. {CANARY}")
    await person.wait_for_bot_text(translate("ro", GOT_IT), count=2)
    swept = await safeperson.sweep_as_if_later(hours=25)
    assert (swept.drafts, swept.voices) == (0, 1)
    await tap_newest(person, "ro", THATS_ALL)
    await answer(person, "ro", FIRST_NAME, "Skip")
    await answer(person, "ro", ABOUT_STAFF, "No, or I am not sure")
    await answer(person, "ro", WANTS_REPLY, "No, thank you")
    code, _secret, _screen = await submit(person, "ro")
    screen = await person.wait_for_bot_text("Nu am putut păstra un mesaj vocal trimis de tine")
    assert screen.bot_messages[-1].text.startswith("Nu am putut păstra un mesaj vocal")

    opened = await safeperson.read_case(code, readers["officer"])
    assert opened.report["messages"] == [f"Tot eu. {CANARY}"]
    assert opened.voices == []


@pytest.mark.usefixtures("safeperson")
async def test_with_nobody_enrolled_the_child_is_told_and_the_draft_kept(
    make_person: MakePerson,
) -> None:
    person = await make_person(language_code="en")
    await begin(person, "en", CHILD)
    await answer(person, "en", SAFE_NOW, "Yes, I am safe")
    await person.send("something happened")
    await person.wait_for_bot_text(GOT_IT)
    await tap_newest(person, "en", THATS_ALL)
    await answer(person, "en", FIRST_NAME, "Skip")
    await answer(person, "en", ABOUT_STAFF, "No, or I am not sure")
    await answer(person, "en", WANTS_REPLY, "Yes, please")
    await tap_newest(person, "en", SEND)
    await person.wait_for_bot_text("nobody is set up to read it")
    screen = await person.wait_for_bot_text("116 111", count=2)
    assert screen.bot_messages[-1].text.startswith("If you are in danger right now, call:")
    # The draft is kept: once someone can read it, Send works from the same screen.
    assert (await person.screen()).bot_messages[-3].button_texts == ["Send", "Delete it"]


@pytest.mark.usefixtures("readers")
async def test_no_canary_receipt_or_telegram_id_in_the_database_or_logs(
    make_person: MakePerson,
    safeperson: InProcessBot,
    telegram: EmulatorClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    person = await make_person(language_code="en")
    code, secret, _screen = await child_report(person, "en")
    await safeperson.stop()
    stored = b"".join(
        (safeperson.folder / name).read_bytes()
        for name in os.listdir(safeperson.folder)
        if name.startswith("safeperson.db")
    )
    assert await telegram_voice_bytes(telegram, person) == VOICE_NOTE  # what Telegram holds
    for needle in (
        CANARY.encode(),
        b"voice-canary-3b9e",
        secret.encode(),
        secret.replace("-", "").encode(),
        str(person.user.user_id).encode(),
    ):
        assert needle not in stored
    # The bot's own logs and its libraries' (the emulator's access log is the test's, not ours).
    ours = ("bot", "handlers", "storage", "aiogram", "sqlalchemy", "alembic", "asyncio")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(ours))
    assert logged  # the bot did log: the check below is not vacuous
    for text in (CANARY, "voice-canary-3b9e", secret, str(person.user.user_id)):
        assert text not in logged
    assert code.encode() in stored  # the case is there, by its code


async def telegram_voice_bytes(telegram: EmulatorClient, person: Person) -> bytes:
    """The bytes of the voice note the person sent, as the emulator stores them."""
    status = [u for u in await telegram.updates() if u.chat_id == person.user.chat_id]
    voice_update = next(u for u in status if "voice" in u.update.get("message", {}))
    file_id = voice_update.update["message"]["voice"]["file_id"]
    api = f"{telegram.base_url}/bot{TOKEN}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api}/getFile", params={"file_id": file_id}) as found:
            path = (await found.json())["result"]["file_path"]
        async with http.get(f"{telegram.base_url}/file/bot{TOKEN}/{path}") as download:
            return await download.read()


@pytest.mark.usefixtures("readers")
async def test_a_draft_left_alone_for_24_hours_is_wiped(
    make_person: MakePerson, safeperson: InProcessBot
) -> None:
    person = await make_person(language_code="en")
    await begin(person, "en", CHILD)
    await answer(person, "en", SAFE_NOW, "Yes, I am safe")
    await person.send(f"a story never sent {CANARY}")
    await person.wait_for_bot_text(GOT_IT)
    assert await safeperson.count_drafts() == 1
    assert safeperson.app is not None
    swept = await safeperson.sweep_as_if_later(hours=23)
    assert swept.drafts == 0
    swept = await safeperson.sweep_as_if_later(hours=25)
    assert swept.drafts == 1
    assert await safeperson.count_drafts() == 0
    # The person comes back: the flow starts again from the menu, nothing half-remembered.
    await person.send("hello?")
    screen = await person.wait_for(lambda s: s.messages[-1].text == "Who are you?")
    assert not bot_messages_with(screen, "Thank you for writing.")  # no step was in progress
