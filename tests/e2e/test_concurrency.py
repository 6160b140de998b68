"""Updates arriving at the same moment (webhook mode, several instances) on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis.asyncio
from aiogram.types import Chat, Message, Update, User

from bot.updates import is_transient
from emulator.client import EmulatorClient
from tests.e2e.harness import InProcessBot

CHOOSE = "Choose your language. You can change it later with /language."


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
async def bot_on_postgres_and_redis(
    api_url: str, tmp_path: Path, secret: bytes, postgres_url: str
) -> AsyncIterator[InProcessBot]:
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    await client.flushdb()
    await client.aclose()
    bot = InProcessBot(api_url=api_url, folder=tmp_path, secret=secret, redis_url=REDIS_URL)
    bot.database_url_override = postgres_url
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


def start_update(update_id: int, user_id: int, text: str = "/start") -> Update:
    person = User(id=user_id, is_bot=False, first_name="Ana", language_code="en")
    return Update(
        update_id=update_id,
        message=Message(
            message_id=update_id,
            date=datetime.now(UTC),
            chat=Chat(id=user_id, type="private"),
            from_user=person,
            text=text,
        ),
    )


async def feed_until_handled(bot: InProcessBot, update: Update) -> None:
    """What the poller does: retry an update whose failure was transient."""
    assert bot.app is not None
    for _ in range(10):
        try:
            await bot.app.dispatcher.feed_update(bot.app.bot, update)
            return
        except Exception as exc:
            if not is_transient(exc):
                raise
            await asyncio.sleep(0.1)
    raise AssertionError("never handled")


async def test_the_same_update_delivered_twice_at_once_is_handled_once(
    bot_on_postgres: InProcessBot, telegram: EmulatorClient
) -> None:
    user = await telegram.create_user(first_name="Ana", language_code="en")
    update = start_update(9_000_001, user.user_id)
    await asyncio.gather(
        feed_until_handled(bot_on_postgres, update), feed_until_handled(bot_on_postgres, update)
    )
    screen = await telegram.screen(user.user_id)
    assert [m.text for m in screen.bot_messages].count(CHOOSE) == 1


async def test_two_updates_of_a_new_person_at_once_are_both_handled(
    bot_on_postgres: InProcessBot, telegram: EmulatorClient
) -> None:
    user = await telegram.create_user(first_name="Ana", language_code="en")
    await asyncio.gather(
        feed_until_handled(bot_on_postgres, start_update(9_000_101, user.user_id)),
        feed_until_handled(bot_on_postgres, start_update(9_000_102, user.user_id, "/help")),
    )
    screen = await telegram.screen(user.user_id)
    texts = [m.text for m in screen.bot_messages]
    assert "This is how the chat works:" in "\n".join(texts)
    assert texts.count(CHOOSE) >= 2  # /start's picker, and /help showing the step again
    assert not any("something went wrong" in t for t in texts)


async def test_with_redis_one_persons_updates_never_collide(
    bot_on_postgres_and_redis: InProcessBot, telegram: EmulatorClient
) -> None:
    """The Redis lock serialises one person's updates across instances: no conflict, no retry."""
    app = bot_on_postgres_and_redis.app
    assert app is not None
    for round_number in range(5):
        user = await telegram.create_user(first_name="Ana", language_code="en")
        first = 9_100_000 + 10 * round_number
        await asyncio.gather(
            *(
                app.dispatcher.feed_update(app.bot, start_update(first + n, user.user_id))
                for n in range(3)
            )
        )
        screen = await telegram.screen(user.user_id)
        assert [m.text for m in screen.bot_messages].count(CHOOSE) == 3
