"""Several instances behind one webhook address, on one database and one Redis: a member who
unlocked their key on one instance reads through any other, and /lock on one locks all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.keyvault import REDIS_PREFIX
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import CANARY, NEW_CASE, PASSPHRASE, alerts, child_report, enrolled
from tests.e2e.harness import InProcessBot, WebhookBalancer, free_port

# A Redis database of its own (tests/e2e/test_concurrency.py uses 15), emptied before and after.
REDIS_URL = "redis://127.0.0.1:6379/13"
LOCKED = "Your key is locked. Send your passphrase"


async def started(bot: InProcessBot) -> None:
    await bot.start()
    assert bot.app is not None
    assert bot.task is not None
    ready = asyncio.ensure_future(bot.app.ready.wait())
    await asyncio.wait({ready, bot.task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    if bot.task.done():
        bot.task.result()  # it died while starting: show why
    assert bot.app.ready.is_set()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose(close_connection_pool=True)


@pytest.fixture
async def two_instances(
    api_url: str, tmp_path: Path, secret: bytes, postgres_url: str, redis: Redis
) -> AsyncIterator[tuple[InProcessBot, InProcessBot, WebhookBalancer]]:
    instances = [
        InProcessBot(
            api_url=api_url,
            folder=tmp_path,
            secret=secret,
            redis_url=REDIS_URL,
            webhook_port=free_port(),
            database_url_override=postgres_url,
        )
        for _ in range(2)
    ]
    balancer = WebhookBalancer(to=instances[0])
    for instance in instances:
        instance.webhook_url_override = balancer.url
    await balancer.start()
    try:
        for instance in instances:
            await started(instance)
        yield instances[0], instances[1], balancer
    finally:
        for instance in instances:
            await instance.stop()
        await balancer.stop()


async def unlocked_entries(redis: Redis) -> list[bytes]:
    return [name async for name in redis.scan_iter(match=REDIS_PREFIX + "*")]


async def test_unlocked_on_one_instance_reads_on_another_and_lock_on_any_locks_all(
    two_instances: tuple[InProcessBot, InProcessBot, WebhookBalancer],
    make_person: MakePerson,
    redis: Redis,
) -> None:
    first, second, balancer = two_instances
    assert first.webhook_port is not None
    assert second.webhook_port is not None
    officer = await enrolled(first, make_person, "Maria", "officer")
    child = await make_person(first_name="Ana", language_code="en")
    await child_report(child, "en")
    screen = await officer.wait_for(lambda s: bool(alerts(s)))
    alert = next(m for m in screen.bot_messages if NEW_CASE.search(m.text))

    # Unlocked through the first instance.
    await officer.tap("Read", message_id=alert.message_id)
    await officer.wait_for_bot_text(LOCKED)
    await officer.send(PASSPHRASE)
    await officer.wait_for(lambda s: any(CANARY in m.text for m in s.bot_messages))
    [entry] = await unlocked_entries(redis)
    assert 0 < await redis.pttl(entry) <= 15 * 60 * 1000

    # Read through the second instance, which never saw the passphrase: it opens at once.
    balancer.to = second
    routed_before = balancer.routed.get(second.webhook_port, 0)
    await officer.tap("Read", message_id=alert.message_id)
    screen = await officer.wait_for(lambda s: sum(CANARY in m.text for m in s.bot_messages) == 2)
    assert balancer.routed[second.webhook_port] == routed_before + 1
    assert sum(LOCKED in m.text for m in screen.bot_messages) == 1

    # /lock through the second instance: gone from Redis, so the first asks again.
    await officer.send("/lock")
    await officer.wait_for_bot_text("Locked.")
    assert await unlocked_entries(redis) == []
    balancer.to = first
    await officer.tap("Read", message_id=alert.message_id)
    await officer.wait_for_bot_text(LOCKED, count=2)
