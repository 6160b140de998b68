"""Updates arriving at the same moment (webhook mode, several instances) on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis.asyncio
from aiogram.types import Chat, Message, Update, User

from bot.pipeline import Outcome
from emulator.client import EmulatorClient
from tests.e2e.flows import CHOOSE
from tests.e2e.harness import InProcessBot

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


async def handled_together(*submitted: asyncio.Future[Outcome]) -> list[Outcome]:
    """Wait until every update was committed (or set aside); one person's lane delivers an
    update's replies before it takes the next one, so all but the last person's are out."""
    return list(await asyncio.gather(*submitted))


async def test_the_same_update_delivered_twice_at_once_is_handled_once(
    bot_on_postgres: InProcessBot, telegram: EmulatorClient
) -> None:
    app = bot_on_postgres.app
    assert app is not None
    user = await telegram.create_user(first_name="Ana", language_code="en")
    update = start_update(9_000_001, user.user_id)
    outcomes = await handled_together(app.pipeline.submit(update), app.pipeline.submit(update))
    assert sorted(o.value for o in outcomes) == ["committed", "duplicate"]
    await telegram.wait_for(user.user_id, lambda s: CHOOSE in [m.text for m in s.bot_messages])
    # A third update of the same person goes out after everything before it.
    await handled_together(app.pipeline.submit(start_update(9_000_002, user.user_id, "/help")))
    screen = await telegram.wait_for(
        user.user_id, lambda s: "This is how the chat works:" in "\n".join(s.texts)
    )
    # The duplicate showed no second picker, even now that everything before /help is out.
    assert [m.text for m in screen.bot_messages].count(CHOOSE) == 1


async def test_two_updates_of_a_new_person_at_once_are_both_handled(
    bot_on_postgres: InProcessBot, telegram: EmulatorClient
) -> None:
    app = bot_on_postgres.app
    assert app is not None
    user = await telegram.create_user(first_name="Ana", language_code="en")
    outcomes = await handled_together(
        app.pipeline.submit(start_update(9_000_101, user.user_id)),
        app.pipeline.submit(start_update(9_000_102, user.user_id, "/help")),
    )
    assert [o.value for o in outcomes] == ["committed", "committed"]
    screen = await telegram.wait_for(
        user.user_id, lambda s: "This is how the chat works:" in "\n".join(s.texts)
    )
    texts = [m.text for m in screen.bot_messages]
    assert texts.count(CHOOSE) >= 1
    assert not any("something went wrong" in t for t in texts)


async def test_with_redis_one_persons_updates_never_collide_across_instances(
    bot_on_postgres_and_redis: InProcessBot, telegram: EmulatorClient
) -> None:
    """Two instances take one person's updates at once: the Redis lock serialises them, so
    none conflicts, none is set aside, and each is answered."""
    first_instance = bot_on_postgres_and_redis.app
    assert first_instance is not None
    # A second instance on the same database and Redis (its poller is not started: updates
    # reach it as they would through a load balancer in webhook mode).
    second_instance = bot_on_postgres_and_redis.build()
    try:
        for round_number in range(5):
            user = await telegram.create_user(first_name="Ana", language_code="en")
            first = 9_100_000 + 10 * round_number
            outcomes = await handled_together(
                *(
                    instance.pipeline.submit(start_update(first + n, user.user_id))
                    for n, instance in enumerate(
                        [first_instance, second_instance, first_instance, second_instance]
                    )
                )
            )
            assert [o.value for o in outcomes] == ["committed"] * 4
            await telegram.wait_for(
                user.user_id,
                lambda s: [m.text for m in s.bot_messages].count(CHOOSE) == 4,
            )
    finally:
        await second_instance.pipeline.stop()
        await second_instance.close()
