"""Nothing is lost between Telegram and the database, and nothing is done twice.

These run `safeperson run` as a real process where a test needs to kill it.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.languages import ENDONYMS
from emulator.client import EmulatorClient
from storage.models import ReportCase
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import (
    ABOUT_STAFF,
    CHILD,
    CHOOSE,
    FIRST_NAME,
    GOT_IT,
    RECEIPT,
    SAFE_NOW,
    SEND,
    STORY,
    THATS_ALL,
    WANTS_REPLY,
    WELCOME,
    WHO,
    answer,
    begin,
    tap_newest,
)
from tests.e2e.harness import (
    InProcessBot,
    Person,
    SubprocessBot,
    bot_messages_with,
    count_rows,
    enrol_reader,
    translate,
    wait_until_confirmed,
)


async def wait_until_fetched(telegram: EmulatorClient, update_id: int) -> None:
    """Until the bot has taken the update from Telegram (it is then being handled)."""
    for _ in range(400):
        status = next(u for u in await telegram.updates() if u.update_id == update_id)
        if status.delivered_count >= 1:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"update {update_id} was never fetched")


async def test_safeperson_run_answers_and_remembers_the_language_after_a_restart(
    api_url: str, tmp_path: Path, secret: bytes, make_person: MakePerson
) -> None:
    bot = SubprocessBot(api_url=api_url, folder=tmp_path, secret=secret)
    await bot.start()
    person = await make_person(language_code="en")
    try:
        await person.send("/start")
        await person.wait_for_bot_text(CHOOSE)
        await person.tap(ENDONYMS["sq"])
        await person.wait_for_bot_text(translate("sq", WHO))
        assert await bot.stop(signal.SIGTERM) == 0

        await bot.start()
        await person.send("/start")
        # Still Albanian, though the person's Telegram app says English.
        screen = await person.wait_for_bot_text(translate("sq", CHOOSE))
        assert screen.bot_messages[-1].button_texts[0] == f"✓ {ENDONYMS['sq']}"
    finally:
        await bot.stop()
    assert b"Traceback" not in b"".join(bot.log)


async def test_a_bot_killed_before_the_commit_handles_the_update_once_after_restart(
    api_url: str,
    tmp_path: Path,
    secret: bytes,
    telegram: EmulatorClient,
    make_person: MakePerson,
) -> None:
    bot = SubprocessBot(api_url=api_url, folder=tmp_path, secret=secret)
    await bot.start()
    person = await make_person(language_code="ro")
    try:
        await person.send("/start")
        screen = await person.wait_for_bot_text(translate("ro", CHOOSE))
        answers_before = len(screen.bot_messages)
        # The voice note is fetched before the transaction; Telegram is slow to hand it over,
        # and the machine dies meanwhile: nothing was committed, nothing confirmed.
        await telegram.add_fault("slow", "getFile", delay=60)
        sent = await telegram.send_voice(person.user.user_id, duration=3)
        await wait_until_fetched(telegram, sent.update_id)
        await bot.kill()
        await telegram.clear_faults()

        await bot.start()
        await wait_until_confirmed(telegram, sent.update_id, timeout=30.0)
        status = next(u for u in await telegram.updates() if u.update_id == sent.update_id)
        assert status.delivered_count >= 2  # it really was fetched again after the kill
        # Answered once: a voice note where a button is expected shows the picker again.
        screen = await person.wait_for(lambda s: len(s.bot_messages) > answers_before)
        await person.send("/help")
        screen = await person.wait_for_bot_text("/language")
        answers = screen.bot_messages[answers_before:]
        assert len(bot_messages_with(screen, translate("ro", CHOOSE))) == 2
        assert not any("/language" in m.text for m in answers[:-1])
    finally:
        await bot.stop()


async def test_a_bot_killed_after_the_commit_does_not_handle_the_update_again(
    api_url: str,
    tmp_path: Path,
    secret: bytes,
    telegram: EmulatorClient,
    make_person: MakePerson,
) -> None:
    """A reply that is not needed to survive a crash (a menu) is lost with the process; the
    update is not run a second time, and the person's next message is answered."""
    bot = SubprocessBot(api_url=api_url, folder=tmp_path, secret=secret)
    await bot.start()
    person = await make_person(language_code="ro")
    try:
        # Telegram is slow to take the reply, and the machine dies meanwhile.
        await telegram.add_fault("slow", "sendMessage", delay=60)
        sent = await telegram.send_text(person.user.user_id, "/start")
        # Confirmed to Telegram only once its effects were committed.
        await wait_until_confirmed(telegram, sent.update_id, timeout=30.0)
        await bot.kill()
        await telegram.clear_faults()
        assert not (await person.screen()).bot_messages

        await bot.start()
        await person.send("/start")
        await person.wait_for_bot_text(translate("ro", CHOOSE))
        await person.send("/help")
        screen = await person.wait_for_bot_text("/language")
        # One picker: the first /start, committed before the kill, was not run again (had it
        # been, its picker would stand before the one answering the second /start).
        assert len(bot_messages_with(screen, translate("ro", CHOOSE))) == 1
    finally:
        await bot.stop()


async def test_a_bot_killed_before_the_receipt_reached_the_phone_sends_the_same_receipt(
    api_url: str,
    tmp_path: Path,
    secret: bytes,
    telegram: EmulatorClient,
    make_person: MakePerson,
) -> None:
    bot = SubprocessBot(api_url=api_url, folder=tmp_path, secret=secret)
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'safeperson.db'}"
    await bot.start()
    person = await make_person(language_code="en")
    try:
        await person.send("/start")  # the bot is up, and its database migrated
        await person.wait_for_bot_text(CHOOSE)
        await enrol_reader(database_url, "Maria", "officer")
        await child_until_send(person)
        # The case commits; then Telegram is slow to take the receipt, and the machine dies.
        await telegram.add_fault("slow", "sendMessage", delay=60)
        await tap_newest(person, "en", SEND)
        await wait_until(lambda: count_rows(database_url, ReportCase), 1)
        await bot.kill()
        await telegram.clear_faults()
        assert not any(RECEIPT.search(m.text) for m in (await person.screen()).bot_messages)

        await bot.start()
        screen = await person.wait_for(lambda s: any(RECEIPT.search(m.text) for m in s.messages))
        receipts = [m for m in screen.bot_messages if RECEIPT.search(m.text)]
        assert len(receipts) == 1
        assert translate("en", "Erase the messages in this chat") in receipts[0].button_texts
        found = RECEIPT.search(receipts[0].text)
        assert found is not None
        code, secret_word = found.group(1), found.group(2)
        assert await count_rows(database_url, ReportCase) == 1
        assert await count_rows(database_url, ReportCase, ReportCase.code == code) == 1
        # The receipt works.
        await person.send("/status")
        await person.wait_for_bot_text("Please send your code.")
        await person.send(code)
        await person.wait_for_bot_text("Now send your secret word.")
        await person.send(secret_word)
        await person.wait_for_bot_text(f"Your message {code}:")
    finally:
        await bot.stop()


async def child_until_send(person: Person) -> None:
    """A child's report in English, up to the screen with «Send»."""
    await begin(person, "en", CHILD)
    await answer(person, "en", SAFE_NOW, "Yes, I am safe")
    await person.wait_for_bot_text(STORY)
    await person.send("Someone at the camp scares me.")
    await person.wait_for_bot_text(GOT_IT)
    await tap_newest(person, "en", THATS_ALL)
    await person.wait_for_bot_text(FIRST_NAME)
    await person.send("Ana")
    await answer(person, "en", ABOUT_STAFF, "No, or I am not sure")
    await answer(person, "en", WANTS_REPLY, "Yes, please")
    await person.wait_for(lambda s: SEND in s.bot_messages[-1].button_texts)


async def wait_until(count: Callable[[], Awaitable[int]], expected: int) -> None:
    for _ in range(400):
        if await count() == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the count never reached {expected}")


@pytest.mark.usefixtures("safeperson")
async def test_a_redelivered_update_is_not_handled_twice(
    telegram: EmulatorClient, make_person: MakePerson
) -> None:
    person = await make_person(language_code="en")
    sent = await telegram.send_text(person.user.user_id, "/start")
    await person.wait_for_bot_text(CHOOSE)
    await person.tap(f"✓ {ENDONYMS['en']}")
    await person.wait_for_bot_text(WHO)
    await wait_until_confirmed(telegram, sent.update_id, timeout=30.0)

    # Telegram sends the same /start again (as it does after a lost confirmation).
    await telegram.redeliver(sent.update_id)
    await person.send("/help")
    screen = await person.wait_for(
        lambda s: s.bot_messages[-1].text == WHO and len(bot_messages_with(s, WHO)) >= 2
    )
    assert len(bot_messages_with(screen, CHOOSE)) == 0  # the picker was not shown again
    status = next(u for u in await telegram.updates() if u.update_id == sent.update_id)
    assert status.delivered_count >= 2  # sent again, and still handled once


@pytest.mark.usefixtures("safeperson")
@pytest.mark.parametrize("fault", ["500", "502", "429", "drop"])
async def test_telegram_failures_are_retried_until_the_person_is_answered(
    telegram: EmulatorClient, make_person: MakePerson, fault: str
) -> None:
    person = await make_person(language_code="sq")
    await telegram.add_fault(fault, "sendMessage", times=2, retry_after=1)  # type: ignore[arg-type]
    await person.send("/start")
    screen = await person.wait_for_bot_text(translate("sq", CHOOSE))
    assert len(bot_messages_with(screen, translate("sq", CHOOSE))) == 1
    failed = [c for c in await telegram.calls() if c.method == "sendMessage" and c.status != 200]
    if fault != "drop":
        assert len(failed) == 2


async def test_a_tap_answered_too_late_still_moves_the_step(
    telegram: EmulatorClient, make_person: MakePerson, safeperson: InProcessBot
) -> None:
    person: Person = await make_person(language_code="ro")
    await person.send("/start")
    await person.wait_for_bot_text(translate("ro", CHOOSE))
    await safeperson.stop()
    # The person taps while the bot is down, and the bot comes back after Telegram's
    # 15 minutes for answering a tap have passed.
    await person.tap(f"✓ {ENDONYMS['ro']}")
    await telegram.advance_clock(16 * 60)
    await safeperson.start()
    screen = await person.wait_for_bot_text(translate("ro", WHO))
    assert bot_messages_with(screen, translate("ro", WELCOME))
