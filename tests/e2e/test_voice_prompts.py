"""Voice prompts: the officer records a child-facing message in Romani through /prompts, and a
child using Romani hears it by tapping 🔊 beside that message."""

from __future__ import annotations

import aiohttp

from bot.languages import ENDONYMS, LanguageCode
from emulator.client import EmulatorClient, Screen, ScreenMessage
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import CHILD, ERASE_NOW, SAFE_NOW, begin, enrolled, tap_on_newest
from tests.e2e.harness import TOKEN, InProcessBot, Person, translate

PLAY = "🔊"
ROMANI = ENDONYMS["rom"]
TITLE = "Are you safe right now?"
FIRST_TAKE = b"OggS\x00\x02" + b"first take, read too fast " * 40
SECOND_TAKE = b"OggS\x00\x02" + b"second take, slow and clear " * 40


async def file_bytes(telegram: EmulatorClient, file_id: str) -> bytes:
    """A file as Telegram would give it to anyone holding its id: getFile, then a download."""
    api = f"{telegram.base_url}/bot{TOKEN}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api}/getFile", params={"file_id": file_id}) as found:
            path = (await found.json())["result"]["file_path"]
        async with http.get(f"{telegram.base_url}/file/bot{TOKEN}/{path}") as download:
            return await download.read()


def newest_with(screen: Screen, fragment: str) -> ScreenMessage:
    return [m for m in screen.bot_messages if fragment in m.text][-1]


async def tap_on_last(person: Person, fragment: str, label: str) -> ScreenMessage:
    """Once the newest bot message contains `fragment` and offers `label`, tap it there."""
    screen = await person.wait_for(
        lambda s: (
            bool(s.bot_messages)
            and fragment in s.bot_messages[-1].text
            and label in s.bot_messages[-1].button_texts
        )
    )
    newest = screen.bot_messages[-1]
    await person.tap(label, message_id=newest.message_id)
    return newest


async def open_prompt(officer: Person, label: str) -> ScreenMessage:
    """/prompts, Romani, then the message whose button reads `label`: its screen."""
    await officer.send("/prompts")
    await tap_on_last(officer, "Which language do you want to record in?", ROMANI)
    await tap_on_last(officer, f"Voice prompts in {ROMANI}.", label)
    screen = await officer.wait_for(
        lambda s: bool(s.bot_messages) and "The child sees:" in s.bot_messages[-1].text
    )
    return screen.bot_messages[-1]


async def child_at_safe_now(
    make_person: MakePerson, language: LanguageCode
) -> tuple[Person, ScreenMessage]:
    """A child who chose `language` and said they are a child: the safe-now question."""
    child = await make_person(first_name="Ana", language_code=language)
    await begin(child, language, CHILD)
    asked = translate(language, SAFE_NOW)
    screen = await child.wait_for(
        lambda s: bool(s.bot_messages) and asked in s.bot_messages[-1].text
    )
    return child, newest_with(screen, asked)


async def test_a_recorded_romani_prompt_plays_for_a_child_who_taps_it(
    safeperson: InProcessBot, make_person: MakePerson, telegram: EmulatorClient
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")

    # Not recorded yet: the screen shows the very words the child sees, in Romani.
    prompt = await open_prompt(officer, f"— {TITLE}")
    assert "Not recorded yet." in prompt.text
    assert translate("rom", SAFE_NOW) in prompt.text
    # Words where a voice note is expected get a kind answer, and nothing is stored.
    await officer.send("I will record it now")
    await officer.wait_for_bot_text("Please send a voice note")
    await telegram.send_sticker(officer.user.user_id)
    await officer.wait_for_bot_text("Please send a voice note", count=2)
    await telegram.send_voice(officer.user.user_id, duration=3, content=FIRST_TAKE)
    await officer.wait_for_bot_text(f"Saved: «{TITLE}» in {ROMANI}.")

    # Listen back, then replace it with a better take.
    prompt = await open_prompt(officer, f"✅ {TITLE}")
    assert "Recorded." in prompt.text
    await officer.tap("Listen", message_id=prompt.message_id)
    screen = await officer.wait_for(lambda s: any(m.kind == "voice" for m in s.bot_messages))
    listened = [m for m in screen.bot_messages if m.kind == "voice" and m.sender == "bot"]
    assert listened[-1].file_id is not None
    assert await file_bytes(telegram, listened[-1].file_id) == FIRST_TAKE
    await officer.tap("Replace", message_id=prompt.message_id)
    await officer.wait_for_bot_text(f"Send a voice note for «{TITLE}» in {ROMANI}.")
    await telegram.send_voice(officer.user.user_id, duration=5, content=SECOND_TAKE)
    await officer.wait_for_bot_text(f"Replaced: «{TITLE}» in {ROMANI}.")

    # A child in Romani sees 🔊 beside that question, and only there; a tap plays the new take.
    romani_child, question = await child_at_safe_now(make_person, "rom")
    assert question.button_texts[0] == PLAY
    assert translate("rom", "Yes, I am safe") in question.button_texts
    screen = await romani_child.screen()
    assert [m.text for m in screen.bot_messages if PLAY in m.button_texts] == [question.text]
    await romani_child.tap(PLAY, message_id=question.message_id)
    screen = await romani_child.wait_for(lambda s: any(m.kind == "voice" for m in s.bot_messages))
    played = [m for m in screen.bot_messages if m.kind == "voice"]
    assert len(played) == 1
    assert played[0].file_id is not None
    assert await file_bytes(telegram, played[0].file_id) == SECOND_TAKE

    # A child in English has no recording: no button.
    _english_child, english_question = await child_at_safe_now(make_person, "en")
    assert PLAY not in english_question.button_texts

    # Deleted: a later Romani child gets no button, and a tap on the old one is answered kindly.
    earlier = prompt
    prompt = await open_prompt(officer, f"✅ {TITLE}")
    await officer.tap("Delete", message_id=prompt.message_id)
    await officer.wait_for_bot_text(f"Deleted: «{TITLE}» in {ROMANI}.")
    await officer.wait_for(
        lambda s: bool(s.bot_messages) and f"— {TITLE}" in s.bot_messages[-1].button_texts
    )
    # An older screen's Listen, after the delete: a kind toast, and no voice message.
    voices_before = sum(m.kind == "voice" for m in (await officer.screen()).bot_messages)
    await officer.tap("Listen", message_id=earlier.message_id)
    screen = await officer.wait_for(
        lambda s: any(t.text == "There is no recording of this message any more." for t in s.toasts)
    )
    assert sum(m.kind == "voice" for m in screen.bot_messages) == voices_before
    _later_child, later_question = await child_at_safe_now(make_person, "rom")
    assert PLAY not in later_question.button_texts
    await romani_child.tap(PLAY, message_id=question.message_id)
    gone = translate("rom", "Sorry, this message cannot be played now. You can read it above.")
    screen = await romani_child.wait_for(lambda s: any(t.text == gone for t in s.toasts))
    assert sum(m.kind == "voice" for m in screen.bot_messages) == 1

    # The recording played is one of the bot's messages in the chat: /erase takes it too.
    await romani_child.send("/erase")
    await tap_on_newest(romani_child, translate("rom", ERASE_NOW))
    await romani_child.wait_for(lambda s: not s.messages)


async def test_prompts_are_for_the_officer_and_deputies_only(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    board = await enrolled(safeperson, make_person, "Ion", "board")
    await board.send("/prompts")
    await board.wait_for_bot_text(
        "Only the Child Protection Officer and the deputies record voice prompts."
    )
    stranger = await make_person(first_name="Dan", language_code="en")
    await stranger.send("/prompts")
    # Someone not enrolled must not learn that staff commands exist.
    screen = await stranger.wait_for_bot_text("I do not know that command.")
    assert not any("voice prompts" in m.text for m in screen.bot_messages)
