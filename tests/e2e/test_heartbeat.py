"""The officer's daily message that the channel works, and the word after an outage."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from emulator.client import Screen
from emulator.server import BotApiEmulator
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import alerts, child_report, enrolled, local_day
from tests.e2e.harness import CONFIG_TOML, InProcessBot

BUCHAREST = ZoneInfo("Europe/Bucharest")
HEARTBEAT_AT = time(8, 0)
# The harness's organisation (Romania), with the daily message at 08:00, to the board too.
HEARTBEAT_CONFIG = CONFIG_TOML.replace(
    "[heartbeat]\nenabled = false",
    '[heartbeat]\nat = "08:00"\nto_board = true',
)
DAILY = re.compile(r"^💚 Daily check, ([^:]+): SafePerson is running and this channel works\.")
OUTAGE = re.compile(
    r"^⚠️ SafePerson was not running for (.+)\. Messages that arrived late: (\d+)\.", re.M
)


def daily_checks(screen: Screen, day: str) -> list[str]:
    return [
        m.text
        for m in screen.bot_messages
        if (found := DAILY.search(m.text)) is not None and found.group(1) == day
    ]


def ahead_to(wall: datetime) -> timedelta:
    """How far to move the bot's clock so that Bucharest's clocks show `wall` (naive) now."""
    return wall.replace(tzinfo=BUCHAREST).astimezone(UTC) - datetime.now(UTC)


@pytest.fixture
async def early_morning(api_url: str, tmp_path: Path, secret: bytes) -> AsyncIterator[InProcessBot]:
    """The bot, started at 07:50 tomorrow on Bucharest's clocks: ten minutes before its daily
    message is due."""
    bot = InProcessBot(
        api_url=api_url, folder=tmp_path, secret=secret, config_toml=HEARTBEAT_CONFIG
    )
    tomorrow = datetime.now(BUCHAREST).date() + timedelta(days=1)
    bot.clock.ahead = ahead_to(datetime.combine(tomorrow, time(7, 50)))
    await bot.start()
    yield bot
    await bot.stop()


async def test_the_daily_message_comes_at_the_local_time_once_even_across_a_restart(
    early_morning: InProcessBot, make_person: MakePerson
) -> None:
    bot = early_morning
    officer = await enrolled(bot, make_person, "Maria", "officer")
    board = await enrolled(bot, make_person, "Elena", "board")
    deputy = await enrolled(bot, make_person, "Ion", "deputy")
    child = await make_person(first_name="Ana", language_code="en")
    await child_report(child, "en")
    await officer.wait_for(lambda s: bool(alerts(s)))
    day = local_day(bot.clock.now(), "en")

    # Before 08:00 in Bucharest: nothing.
    assert await bot.tick_heartbeat() == 0
    await bot.drain_outbox()
    assert daily_checks(await officer.screen(), day) == []

    # 08:01: the officer and (configured) the board get it; the deputy does not.
    bot.clock.ahead += timedelta(minutes=11)
    await bot.tick_heartbeat()
    screen = await officer.wait_for(lambda s: len(daily_checks(s, day)) == 1)
    check = daily_checks(screen, day)[0]
    assert "Open cases: 1. Past their deadline: 0." in check
    assert "Next case deadline: " in check
    assert "Consent requests due: 0. Past their deadline: 0." in check
    assert re.search(r"Audit log fingerprint: [0-9a-f]{4}(-[0-9a-f]{4}){3}", check)
    # Content-free: no case code, no name, no words of the report.
    assert "Ana" not in check
    assert "Summer camp" not in check
    assert not re.search(r"\b[A-Z0-9]{6}\b", check)
    await board.wait_for(lambda s: len(daily_checks(s, day)) == 1)

    # The loop and another turn the same day, then a restart: still once.
    await bot.tick_heartbeat()
    await bot.restart()
    await bot.tick_heartbeat()
    await bot.drain_outbox()
    assert len(daily_checks(await officer.screen(), day)) == 1
    assert len(daily_checks(await board.screen(), day)) == 1
    assert not [m for m in (await deputy.screen()).bot_messages if DAILY.search(m.text)]

    # The next day at the same time, the next one.
    bot.clock.ahead += timedelta(days=1)
    next_day = local_day(bot.clock.now(), "en")
    await bot.tick_heartbeat()
    await officer.wait_for(lambda s: len(daily_checks(s, next_day)) == 1)


async def test_after_an_outage_the_officer_is_told_how_long_and_how_many_came_late(
    safeperson: InProcessBot, make_person: MakePerson, emulator: BotApiEmulator
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    await safeperson.tick_heartbeat()  # the alive mark, now
    await safeperson.stop()

    # While the bot is stopped, two people write; Telegram keeps their messages.
    first = await make_person(first_name="Ana", language_code="en")
    second = await make_person(first_name="Ion", language_code="ro")
    await first.send("/start")
    await second.send("/start")
    hours_down = timedelta(hours=3)
    safeperson.clock.ahead += hours_down
    emulator.advance_clock(hours_down.total_seconds())

    await safeperson.start()
    await first.wait_for(lambda s: bool(s.bot_messages))
    await second.wait_for(lambda s: bool(s.bot_messages))
    # Someone who writes after the start is not late.
    third = await make_person(first_name="Dan", language_code="en")
    await third.send("/start")
    await third.wait_for(lambda s: bool(s.bot_messages))

    # Not told before the late messages have had their minute to come in.
    await safeperson.tick_heartbeat()
    await safeperson.drain_outbox()
    assert not any(OUTAGE.search(m.text) for m in (await officer.screen()).bot_messages)
    safeperson.clock.ahead += timedelta(minutes=2)
    await safeperson.tick_heartbeat()
    screen = await officer.wait_for(lambda s: any(OUTAGE.search(m.text) for m in s.bot_messages))
    told = [found for m in screen.bot_messages if (found := OUTAGE.search(m.text))]
    assert len(told) == 1
    assert told[0].group(1).startswith("3 hours")
    assert told[0].group(2) == "2"
    # Once.
    await safeperson.tick_heartbeat()
    await safeperson.drain_outbox()
    assert sum(bool(OUTAGE.search(m.text)) for m in (await officer.screen()).bot_messages) == 1
