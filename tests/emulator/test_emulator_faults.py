"""Injected faults and rate limits, as the bot's aiogram client experiences them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import aiohttp
import pytest
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

if TYPE_CHECKING:
    from aiogram import Bot

    from emulator import EmulatorClient
    from emulator.server import BotApiEmulator

    EmulatorFactory = Callable[..., Awaitable[BotApiEmulator]]
    BotFactory = Callable[[str], Bot]

T = TypeVar("T")


@pytest.mark.asyncio
async def test_429_fault_raises_retry_after_and_is_used_up(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    await client.add_fault("429", "sendMessage", times=1, retry_after=7)

    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(ana.chat_id, "first try")
    await bot.send_message(ana.chat_id, "second try")

    assert refused.value.retry_after == 7
    assert (await client.screen(ana.user_id)).texts == ["second try"]


@pytest.mark.asyncio
async def test_500_and_drop_faults_do_not_perform_the_method(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    await client.add_fault("500", "sendmessage", times=1)
    await client.add_fault("drop", "*", times=1)

    with pytest.raises(TelegramServerError):
        await bot.send_message(ana.chat_id, "lost to a 500")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(ana.chat_id, "lost to a dropped connection")

    assert (await client.screen(ana.user_id)).messages == []
    assert [(c.method, c.status) for c in await client.calls()] == [
        ("sendMessage", 500),
        ("sendMessage", 444),
    ]


@pytest.mark.asyncio
async def test_slow_call_abandoned_by_the_client_is_not_performed(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    await client.add_fault("slow", "sendMessage", times=1, delay=1.0)

    send = asyncio.create_task(bot.send_message(ana.chat_id, "never arrives"))
    # A one-off fault is used up when it strikes: then the emulator is holding the call.
    await _eventually(client.faults, lambda faults: faults == [], seconds=20)
    send.cancel()
    with pytest.raises(asyncio.CancelledError):
        await send

    calls = await _eventually(client.calls, lambda calls: len(calls) == 1, seconds=20)
    assert (calls[0].method, calls[0].status) == ("sendMessage", 499)
    assert (await client.screen(ana.user_id)).messages == []


@pytest.mark.asyncio
async def test_slow_call_still_performed_when_the_client_waits(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    await client.add_fault("slow", "sendMessage", times=1, delay=0.2)

    await bot.send_message(ana.chat_id, "late but there")

    assert (await client.screen(ana.user_id)).texts == ["late but there"]


@pytest.mark.asyncio
async def test_per_chat_rate_limit_answers_429_until_the_bucket_refills(
    start_emulator: EmulatorFactory, bot_factory: BotFactory
) -> None:
    from emulator import EmulatorClient

    emulator = await start_emulator(per_chat_burst=3, per_chat_per_second=0.5)
    assert emulator.base_url is not None
    bot = bot_factory(emulator.base_url)
    async with EmulatorClient(emulator.base_url) as client:
        ana = await client.create_user("Ana", "ro")
        ben = await client.create_user("Ben", "en")
        for number in range(3):
            await bot.send_message(ana.chat_id, f"burst {number}")

        with pytest.raises(TelegramRetryAfter) as refused:
            await bot.send_message(ana.chat_id, "one too many")
        await bot.send_message(ben.chat_id, "other chats are not limited")
        await client.advance_clock(refused.value.retry_after)
        await bot.send_message(ana.chat_id, "after waiting")

        assert refused.value.retry_after == 2
        assert (await client.screen(ana.user_id)).texts[-1] == "after waiting"


@pytest.mark.asyncio
async def test_global_rate_limit_spans_chats(
    start_emulator: EmulatorFactory, bot_factory: BotFactory
) -> None:
    from emulator import EmulatorClient

    emulator = await start_emulator(global_per_second=2.0)
    assert emulator.base_url is not None
    bot = bot_factory(emulator.base_url)
    async with EmulatorClient(emulator.base_url) as client:
        users = [await client.create_user(name, "en") for name in ("A", "B", "C")]
        await bot.send_message(users[0].chat_id, "1")
        await bot.send_message(users[1].chat_id, "2")

        with pytest.raises(TelegramRetryAfter) as refused:
            await bot.send_message(users[2].chat_id, "3")
        assert refused.value.retry_after >= 1


@pytest.mark.asyncio
async def test_a_fault_for_one_chat_spares_every_other_chat(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    ben = await client.create_user("Ben", "en")
    await client.add_fault("429", "sendMessage", times=2, retry_after=5, chat_id=ana.chat_id)

    await bot.send_message(ben.chat_id, "Ben first")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(ana.chat_id, "refused once")
    await bot.send_message(ben.chat_id, "Ben again")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(ana.chat_id, "refused twice")
    await bot.send_message(ana.chat_id, "then through")

    assert refused.value.retry_after == 5
    assert (await client.screen(ana.user_id)).texts == ["then through"]
    assert (await client.screen(ben.user_id)).texts == ["Ben first", "Ben again"]
    assert [(c.chat_id, c.status) for c in await client.calls()] == [
        (ben.chat_id, 200),
        (ana.chat_id, 429),
        (ben.chat_id, 200),
        (ana.chat_id, 429),
        (ana.chat_id, 200),
    ]
    assert await client.faults() == []  # used up by Ana's calls alone


@pytest.mark.asyncio
async def test_a_chat_fault_is_listed_with_its_chat_and_a_bad_chat_id_is_refused(
    base_url: str, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    await client.add_fault("500", "sendMessage", chat_id=ana.chat_id)
    [listed] = await client.faults()
    assert (listed["method"], listed["kind"], listed["chat_id"]) == (
        "sendMessage",
        "500",
        ana.chat_id,
    )
    spec = {"method": "sendMessage", "kind": "500", "chat_id": "x"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base_url}/control/faults", json=spec) as response,
    ):
        assert response.status == 400
        assert "chat_id" in (await response.json())["error"]
    assert len(await client.faults()) == 1


async def _eventually(
    fetch: Callable[[], Awaitable[T]], done: Callable[[T], bool], *, seconds: float
) -> T:
    """Poll the emulator until `done` holds; the bound is generous, the poll is quick."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not done(value := await fetch()):
        if loop.time() > deadline:
            raise AssertionError(f"still not there after {seconds}s: {value!r}")
        await asyncio.sleep(0.02)
    return value
