"""Fixtures for end-to-end tests: the emulator, a client for it, and the bot under test."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from emulator.client import EmulatorClient
from emulator.server import BotApiEmulator
from tests.e2e.harness import InProcessBot, Person

MakePerson = Callable[..., Awaitable[Person]]


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    server = BotApiEmulator(rng=random.Random(20261121))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def api_url(emulator: BotApiEmulator) -> str:
    if emulator.base_url is None:
        raise RuntimeError("the emulator is not running")
    return emulator.base_url


@pytest.fixture
async def telegram(api_url: str) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(api_url) as client:
        yield client


@pytest.fixture
async def safeperson(api_url: str, tmp_path: Path, secret: bytes) -> AsyncIterator[InProcessBot]:
    bot = InProcessBot(api_url=api_url, folder=tmp_path, secret=secret)
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def bot_on_postgres(
    api_url: str, tmp_path: Path, secret: bytes, postgres_url: str
) -> AsyncIterator[InProcessBot]:
    bot = InProcessBot(api_url=api_url, folder=tmp_path, secret=secret)
    bot.database_url_override = postgres_url
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
def make_person(telegram: EmulatorClient) -> MakePerson:
    async def make(first_name: str = "Ana", language_code: str = "en") -> Person:
        user = await telegram.create_user(first_name=first_name, language_code=language_code)
        return Person(telegram, user)

    return make
