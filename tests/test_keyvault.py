"""Unlocked reader keys: in one process's memory, or shared by instances through Redis."""

from __future__ import annotations

import asyncio
import logging
import tomllib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from bot.clock import SystemRandom
from bot.keyvault import InMemoryKeyVault, KeyStoreUnreachableError, RedisKeyVault
from bot.server_keys import ServerKeys
from bot.settings import OrganisationConfig
from tests.e2e.harness import free_port

# Its own Redis database, and a prefix of its own per test, removed afterwards.
REDIS_URL = "redis://127.0.0.1:6379/12"
MEMBER = 4242
PRIVATE_KEY = bytes(range(100, 132))
OTHER_SECRET = bytes(range(1, 33))


class FixedClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose(close_connection_pool=True)


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    chosen = f"test:{uuid.uuid4().hex}:"
    yield chosen
    names = [name async for name in redis.scan_iter(match=chosen + "*")]
    if names:
        await redis.delete(*names)


Instance = Callable[..., RedisKeyVault]


@pytest.fixture
def instance(redis: Redis, prefix: str, secret: bytes) -> Instance:
    """One instance's store, built on its own as another process would build it."""

    def build(
        *,
        with_secret: bytes = secret,
        clock: FixedClock | None = None,
        unlocked_for: timedelta = timedelta(minutes=15),
    ) -> RedisKeyVault:
        keys = ServerKeys(with_secret, SystemRandom())
        return RedisKeyVault(redis, keys, clock or FixedClock(), unlocked_for, prefix=prefix)

    return build


async def entries(redis: Redis, prefix: str) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    async for name in redis.scan_iter(match=prefix + "*"):
        value = await redis.get(name)
        assert isinstance(name, bytes)
        assert isinstance(value, bytes)
        found[name] = value
    return found


async def test_in_memory_a_key_is_kept_for_a_while_and_locked_on_request() -> None:
    clock = FixedClock()
    vault = InMemoryKeyVault(clock, timedelta(minutes=15))
    await vault.keep(MEMBER, PRIVATE_KEY)
    assert await vault.key_of(MEMBER) == PRIVATE_KEY
    assert await vault.key_of(MEMBER + 1) is None
    clock.moment += timedelta(minutes=15)
    assert await vault.key_of(MEMBER) is None
    await vault.keep(MEMBER, PRIVATE_KEY)
    await vault.lock(MEMBER)
    assert await vault.key_of(MEMBER) is None


async def test_a_key_kept_by_one_instance_is_read_by_another(instance: Instance) -> None:
    first, second = instance(), instance()
    assert await second.key_of(MEMBER) is None
    await first.keep(MEMBER, PRIVATE_KEY)
    assert await second.key_of(MEMBER) == PRIVATE_KEY
    assert await second.key_of(MEMBER + 1) is None


async def test_redis_holds_the_key_only_sealed_under_a_name_without_the_member_id(
    instance: Instance, redis: Redis, prefix: str
) -> None:
    await instance().keep(MEMBER, PRIVATE_KEY)
    stored = await entries(redis, prefix)
    assert len(stored) == 1
    [(name, blob)] = stored.items()
    assert PRIVATE_KEY not in blob
    assert PRIVATE_KEY[:8] not in blob
    assert str(MEMBER).encode() not in name
    assert name == instance().name_of(MEMBER).encode()


async def test_another_secret_reads_nothing_even_under_its_own_name(
    instance: Instance, redis: Redis, prefix: str
) -> None:
    await instance().keep(MEMBER, PRIVATE_KEY)
    stranger = instance(with_secret=OTHER_SECRET)
    assert await stranger.key_of(MEMBER) is None
    # Its own name for the member differs; the blob copied there does not open either.
    [blob] = (await entries(redis, prefix)).values()
    await redis.set(stranger.name_of(MEMBER), blob)
    assert await stranger.key_of(MEMBER) is None


async def test_a_blob_moved_to_another_members_name_does_not_open(
    instance: Instance, redis: Redis, prefix: str
) -> None:
    vault = instance()
    await vault.keep(MEMBER, PRIVATE_KEY)
    [blob] = (await entries(redis, prefix)).values()
    await redis.set(vault.name_of(MEMBER + 1), blob)
    assert await vault.key_of(MEMBER + 1) is None
    assert await vault.key_of(MEMBER) == PRIVATE_KEY


async def test_lock_on_one_instance_locks_it_for_the_others(
    instance: Instance, redis: Redis, prefix: str
) -> None:
    first, second = instance(), instance()
    await first.keep(MEMBER, PRIVATE_KEY)
    await second.lock(MEMBER)
    assert await first.key_of(MEMBER) is None
    assert await entries(redis, prefix) == {}


async def test_redis_expires_the_entry_after_unlocked_for(
    instance: Instance, redis: Redis, prefix: str
) -> None:
    config = OrganisationConfig.model_validate(
        tomllib.loads('unlocked_for = "1s"\n[organisation]\nname = "Test"\ncountry = "RO"\n')
    )
    # The instances' clocks stand still: only Redis's own expiry can end it.
    first, second = (instance(unlocked_for=config.unlocked_for) for _ in range(2))
    await first.keep(MEMBER, PRIVATE_KEY)
    left = await redis.pttl(first.name_of(MEMBER))
    assert 0 < left <= 1000  # set together with the value
    assert await second.key_of(MEMBER) == PRIVATE_KEY
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while await second.key_of(MEMBER) is not None:
        assert loop.time() < deadline, "Redis never expired the unlocked key"
        await asyncio.sleep(0.05)
    assert await entries(redis, prefix) == {}


async def test_an_entry_past_its_sealed_deadline_opens_nothing(instance: Instance) -> None:
    """Should Redis keep it longer (persistence turned on by mistake), the key is still over."""
    clock = FixedClock()
    await instance(clock=clock).keep(MEMBER, PRIVATE_KEY)
    later = FixedClock()
    later.moment = clock.moment + timedelta(minutes=15)
    assert await instance(clock=later).key_of(MEMBER) is None


async def test_without_redis_read_asks_for_the_passphrase_and_lock_says_it_failed(
    secret: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    vault = RedisKeyVault.from_url(nowhere, ServerKeys(secret, SystemRandom()), FixedClock())
    try:
        with caplog.at_level(logging.WARNING, logger="bot.keyvault"):
            await vault.keep(MEMBER, PRIVATE_KEY)  # no crash: the report is shown this time
            assert await vault.key_of(MEMBER) is None  # looks locked: the passphrase is asked
            with pytest.raises(KeyStoreUnreachableError):
                await vault.lock(MEMBER)  # not "Locked." when it was not made sure of
    finally:
        await vault.close()
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 3
    assert all("unreachable" in line for line in lines)
    assert not any(str(MEMBER) in line for line in lines)
