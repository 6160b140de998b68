"""The first conversation, as a person sees it on their phone, against the real bot."""

from __future__ import annotations

import pytest

from bot.languages import ENDONYMS, LanguageCode
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import CHILD, CHOOSE, SAFE_NOW, WELCOME, WHO
from tests.e2e.harness import InProcessBot, Person, bot_messages_with, translate

DANGER = "If you are in danger right now, call:"
TAP = "Thank you for writing. Please tap one of the buttons first."
ONLY_TEXT = "Please tell me in words: write, or send a voice message."
UNKNOWN = "I do not know that command. Send /help to see what I can do."
STALE = "That button is from an earlier step."
STOPPED = "Stopped. You can start again at any time."
HOW = "This is how the chat works:"


async def choose_language(person: Person, language: LanguageCode) -> None:
    await person.send("/start")
    await person.wait_for(
        lambda s: any(ENDONYMS[language] in t for m in s.bot_messages for t in m.button_texts)
    )
    screen = await person.screen()
    label = next(
        text for m in screen.bot_messages for text in m.button_texts if ENDONYMS[language] in text
    )
    await person.tap(label)
    await person.wait_for_bot_text(translate(language, WHO))


@pytest.mark.usefixtures("safeperson")
@pytest.mark.parametrize(
    ("telegram_code", "expected"),
    [("ro", "ro"), ("sq-AL", "sq"), ("rmy", "rom"), ("rmn", "rom"), ("en", "en"), ("de", "en")],
)
async def test_start_shows_the_picker_preselecting_the_app_language(
    make_person: MakePerson, telegram_code: str, expected: LanguageCode
) -> None:
    person = await make_person(language_code=telegram_code)
    await person.send("/start")
    screen = await person.wait_for_bot_text(translate(expected, CHOOSE))
    picker = screen.bot_messages[-1]
    assert picker.button_texts[0] == f"✓ {ENDONYMS[expected]}"
    assert sorted(t.removeprefix("✓ ") for t in picker.button_texts) == sorted(ENDONYMS.values())


@pytest.mark.usefixtures("safeperson")
@pytest.mark.parametrize("language", ["ro", "sq", "rom", "en"])
async def test_choosing_a_language_gives_welcome_numbers_and_audience_in_it(
    make_person: MakePerson, language: LanguageCode
) -> None:
    person = await make_person(language_code="en")
    await choose_language(person, language)
    screen = await person.screen()
    texts = [m.text for m in screen.bot_messages]
    # The picker became a plain line naming the choice, with no buttons left to tap twice.
    picker = next(m for m in screen.bot_messages if ENDONYMS[language] in m.text)
    assert picker.edited
    assert picker.buttons == []
    assert translate(language, WELCOME) in "\n".join(texts)
    numbers = next(t for t in texts if translate(language, DANGER) in t)
    for number in ("112", "119", "116 111"):
        assert number in numbers
    menu = screen.bot_messages[-1]
    assert menu.text == translate(language, WHO)
    assert translate(language, CHILD) in menu.button_texts
    # Four kinds of people, and taking back an agreement (photos, videos, data).
    assert len(menu.button_texts) == 5
    assert menu.button_texts[-1] == translate(
        language, "Take back my agreement (photos, videos, data)"
    )
    if language != "en":
        assert translate(language, WHO) != WHO


@pytest.mark.usefixtures("safeperson")
async def test_help_and_cancel_work_at_every_step(make_person: MakePerson) -> None:
    person = await make_person(language_code="sq")
    await person.send("/start")
    await person.wait_for_bot_text(translate("sq", CHOOSE))
    # /help at the picker: how it works, the numbers, then the picker again.
    await person.send("/help")
    screen = await person.wait_for_bot_text(translate("sq", CHOOSE), count=2)
    assert bot_messages_with(screen, translate("sq", HOW))
    assert bot_messages_with(screen, "116 111")
    await person.tap(f"✓ {ENDONYMS['sq']}")
    await person.wait_for_bot_text(translate("sq", WHO))
    # /help at the audience menu shows the menu again.
    await person.send("/help")
    await person.wait_for_bot_text(translate("sq", WHO), count=2)
    # /cancel in a flow: stopped, nothing sent, back to the menu, still in Albanian.
    await person.tap(translate("sq", CHILD))
    await person.wait_for_bot_text(translate("sq", SAFE_NOW))
    await person.send("/cancel")
    screen = await person.wait_for(
        lambda s: (
            s.bot_messages[-2].text == translate("sq", STOPPED)
            and s.bot_messages[-1].text == translate("sq", WHO)
        )
    )
    assert translate("sq", CHILD) in screen.bot_messages[-1].button_texts


@pytest.mark.usefixtures("safeperson")
async def test_bad_input_gets_a_kind_answer_and_the_step_again(make_person: MakePerson) -> None:
    person = await make_person(language_code="rmy")
    await choose_language(person, "rom")
    user = person.user.user_id
    who = translate("rom", WHO)

    await person.telegram.send_sticker(user)
    screen = await person.wait_for_bot_text(who, count=2)
    assert bot_messages_with(screen, translate("rom", ONLY_TEXT))

    await person.telegram.send_photo(user)
    await person.wait_for_bot_text(who, count=3)

    await person.telegram.send_document(user)
    await person.wait_for_bot_text(who, count=4)

    await person.send("x" * 4096)
    screen = await person.wait_for_bot_text(who, count=5)
    assert bot_messages_with(screen, translate("rom", TAP))

    await person.telegram.send_voice(user)
    await person.wait_for_bot_text(who, count=6)

    await person.send("/frobnicate")
    screen = await person.wait_for_bot_text(who, count=7)
    assert bot_messages_with(screen, translate("rom", UNKNOWN))
    assert screen.bot_messages[-1].text == who
    assert screen.bot_messages[-1].button_texts


@pytest.mark.usefixtures("safeperson")
async def test_stale_and_repeated_button_presses(make_person: MakePerson) -> None:
    person = await make_person(language_code="ro")
    await person.send("/start")
    screen = await person.wait_for_bot_text(translate("ro", CHOOSE))
    picker_id = screen.bot_messages[-1].message_id
    # Two quick taps: the second lands after the first already moved on.
    await person.tap(f"✓ {ENDONYMS['ro']}", message_id=picker_id)
    await person.telegram.press(
        person.user.user_id,
        callback_data="lang:ro",
        message_id=picker_id,
        allow_missing=True,
    )
    screen = await person.wait_for(
        lambda s: any(t.text == translate("ro", STALE) for t in s.toasts)
    )
    screen = await person.wait_for_bot_text(translate("ro", WHO), count=2)
    assert len(bot_messages_with(screen, translate("ro", WELCOME))) == 1
    # An old audience button after moving on to a flow: a kind toast and the current step.
    menu_id = screen.bot_messages[-1].message_id
    await person.tap(translate("ro", CHILD), message_id=menu_id)
    await person.wait_for_bot_text(translate("ro", SAFE_NOW))
    await person.telegram.press(
        person.user.user_id, callback_data="aud:parent", message_id=menu_id, allow_missing=True
    )
    screen = await person.wait_for(
        lambda s: sum(t.text == translate("ro", STALE) for t in s.toasts) >= 2
    )


@pytest.mark.usefixtures("safeperson")
async def test_language_can_be_changed_in_the_middle(make_person: MakePerson) -> None:
    person = await make_person(language_code="ro")
    await choose_language(person, "ro")
    await person.send("/language")
    await person.wait_for_bot_text(translate("ro", CHOOSE))
    await person.tap(ENDONYMS["sq"])
    # Back at the step they were on, now in Albanian, without the welcome again.
    screen = await person.wait_for_bot_text(translate("sq", WHO))
    assert len(bot_messages_with(screen, translate("sq", WELCOME))) == 0
    await person.send("/help")
    await person.wait_for_bot_text(translate("sq", HOW))


async def test_a_restart_in_the_middle_keeps_the_step_and_the_language(
    make_person: MakePerson, safeperson: InProcessBot
) -> None:
    person = await make_person(language_code="en")
    await choose_language(person, "rom")
    await safeperson.restart()
    # Still at the audience menu, still in Romani: a sticker gets the Romani answer and menu.
    await person.telegram.send_sticker(person.user.user_id)
    screen = await person.wait_for_bot_text(translate("rom", WHO), count=2)
    assert bot_messages_with(screen, translate("rom", ONLY_TEXT))
    await person.tap(translate("rom", CHILD), message_id=screen.bot_messages[-1].message_id)
    await person.wait_for_bot_text(translate("rom", SAFE_NOW))
