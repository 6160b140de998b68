"""Nothing is lost between Telegram and the database, and nothing is done twice.

These run `safeperson run` as a real process where a test needs to kill it.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from bot.languages import ENDONYMS
from emulator.client import EmulatorClient
from tests.e2e.conftest import MakePerson
from tests.e2e.harness import InProcessBot, Person, SubprocessBot, bot_messages_with, translate

CHOOSE = "Choose your language. You can change it later with /language."
WHO = "Who are you?"
WELCOME = "Hello! This is a safe place to tell us about anything that worries you."


async def wait_until_fetched(telegram: EmulatorClient, update_id: int) -> None:
    """Until the bot has taken the update from Telegram (it is then being handled)."""
    for _ in range(400):
        status = next(u for u in await telegram.updates() if u.update_id == update_id)
        if status.delivered_count >= 1:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"update {update_id} was never fetched")


async def wait_until_confirmed(telegram: EmulatorClient, update_id: int) -> None:
    for _ in range(600):
        status = next(u for u in await telegram.updates() if u.update_id == update_id)
        if status.confirmed:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"update {update_id} was never confirmed")


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


async def test_a_bot_killed_in_the_middle_of_an_update_handles_it_once_after_restart(
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
        # Telegram is slow to take the reply, and the machine dies meanwhile.
        await telegram.add_fault("slow", "sendMessage", delay=60)
        sent = await telegram.send_text(person.user.user_id, "/start")
        await wait_until_fetched(telegram, sent.update_id)
        await asyncio.sleep(1.0)  # let it reach the reply; the property holds either way
        await bot.kill()
        await telegram.clear_faults()
        assert not (await person.screen()).bot_messages

        await bot.start()
        await person.wait_for_bot_text(translate("ro", CHOOSE))
        await wait_until_confirmed(telegram, sent.update_id)
        await person.send("/help")  # a later update proves the bot moved on
        screen = await person.wait_for_bot_text(translate("ro", CHOOSE), count=2)
        assert len(bot_messages_with(screen, translate("ro", CHOOSE))) == 2
        status = next(u for u in await telegram.updates() if u.update_id == sent.update_id)
        assert status.delivered_count >= 2  # it really was fetched again after the kill
    finally:
        await bot.stop()


@pytest.mark.usefixtures("safeperson")
async def test_a_redelivered_update_is_not_handled_twice(
    telegram: EmulatorClient, make_person: MakePerson
) -> None:
    person = await make_person(language_code="en")
    sent = await telegram.send_text(person.user.user_id, "/start")
    await person.wait_for_bot_text(CHOOSE)
    await person.tap(f"✓ {ENDONYMS['en']}")
    await person.wait_for_bot_text(WHO)
    await wait_until_confirmed(telegram, sent.update_id)

    # Telegram sends the same /start again (as it does after a lost confirmation).
    await telegram.redeliver(sent.update_id)
    await person.send("/help")
    screen = await person.wait_for(
        lambda s: s.bot_messages[-1].text == WHO and len(bot_messages_with(s, WHO)) >= 2
    )
    assert len(bot_messages_with(screen, CHOOSE)) == 0  # the picker was not shown again
    status = next(u for u in await telegram.updates() if u.update_id == sent.update_id)
    assert status.delivered_count == 2


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
