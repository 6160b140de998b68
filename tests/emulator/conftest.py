"""Fixtures that run a real emulator on a loopback port and a real aiogram Bot against it."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from emulator import BotApiEmulator, EmulatorClient
from emulator.clock import ManualClock

BOT_TOKEN = "123456789:TEST-token_for-the-emulator"


EmulatorFactory = Callable[..., Awaitable[BotApiEmulator]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest_asyncio.fixture
async def start_emulator(clock: ManualClock) -> AsyncIterator[EmulatorFactory]:
    """Start emulators with chosen options; all are stopped after the test."""
    started: list[BotApiEmulator] = []

    async def start(**options: Any) -> BotApiEmulator:
        options.setdefault("clock", clock)
        # A fixed seed keeps ids reproducible; nothing here is security-relevant.
        options.setdefault("rng", random.Random(20240611))
        emulator = BotApiEmulator(**options)
        await emulator.start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        await emulator.stop()


@pytest_asyncio.fixture
async def emulator(start_emulator: EmulatorFactory) -> BotApiEmulator:
    return await start_emulator()


@pytest.fixture
def base_url(emulator: BotApiEmulator) -> str:
    assert emulator.base_url is not None
    return emulator.base_url


@pytest_asyncio.fixture
async def client(base_url: str) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(base_url) as emulator_client:
        yield emulator_client


BotFactory = Callable[[str], Bot]


@pytest_asyncio.fixture
async def bot_factory() -> AsyncIterator[BotFactory]:
    """Real aiogram bots pointed at a given emulator URL; their sessions are closed afterwards."""
    bots: list[Bot] = []

    def make(base_url: str) -> Bot:
        telegram_bot = Bot(
            BOT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url))
        )
        bots.append(telegram_bot)
        return telegram_bot

    yield make
    for telegram_bot in bots:
        await telegram_bot.session.close()


@pytest.fixture
def bot(base_url: str, bot_factory: BotFactory) -> Bot:
    return bot_factory(base_url)
