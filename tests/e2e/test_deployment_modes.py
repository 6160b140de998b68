"""The same bot in its other deployment modes: webhook, and Redis event isolation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio

from bot.languages import ENDONYMS
from tests.e2e.conftest import MakePerson
from tests.e2e.harness import InProcessBot, free_port, translate

CHOOSE = "Choose your language. You can change it later with /language."
WHO = "Who are you?"
REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
async def webhook_bot(api_url: str, tmp_path: Path, secret: bytes) -> AsyncIterator[InProcessBot]:
    bot = InProcessBot(api_url=api_url, folder=tmp_path, secret=secret, webhook_port=free_port())
    await bot.start()
    yield bot
    await bot.stop()


async def test_webhook_mode_answers_and_refuses_forged_posts(
    webhook_bot: InProcessBot, make_person: MakePerson
) -> None:
    person = await make_person(language_code="ro")
    await person.send("/start")
    await person.wait_for_bot_text(translate("ro", CHOOSE))
    await person.tap(f"✓ {ENDONYMS['ro']}")
    await person.wait_for_bot_text(translate("ro", WHO))
    # Someone who is not Telegram posts a fake update: refused, nothing happens.
    async with aiohttp.ClientSession() as http:
        forged = await http.post(
            f"http://127.0.0.1:{webhook_bot.webhook_port}/telegram",
            json={"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start"}},
        )
        assert forged.status == 401


@pytest.fixture
async def redis_bot(api_url: str, tmp_path: Path, secret: bytes) -> AsyncIterator[InProcessBot]:
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    await client.flushdb()
    await client.aclose()
    bot = InProcessBot(api_url=api_url, folder=tmp_path, secret=secret, redis_url=REDIS_URL)
    await bot.start()
    yield bot
    await bot.stop()


async def test_redis_event_isolation_keeps_a_persons_updates_in_order(
    redis_bot: InProcessBot, make_person: MakePerson
) -> None:
    person = await make_person(language_code="sq")
    await person.send("/start")
    await person.wait_for_bot_text(translate("sq", CHOOSE))
    await person.tap(f"✓ {ENDONYMS['sq']}")
    await person.wait_for_bot_text(translate("sq", WHO))
    assert redis_bot.app is not None
    isolation = redis_bot.app.dispatcher.fsm.events_isolation
    assert type(isolation).__name__ == "RedisEventIsolation"
