"""Webhook delivery to a small aiohttp receiver on the loopback interface."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio
from aiogram.exceptions import TelegramConflictError
from aiohttp import web

if TYPE_CHECKING:
    from aiogram import Bot

    from emulator import EmulatorClient


@dataclass
class Receiver:
    """Records what it is sent; answers with the queued statuses first, then 200."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str | None] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    reply: dict[str, Any] | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        self.arrived.set()
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200 and self.reply is not None:
            reply, self.reply = self.reply, None
            return web.json_response(reply)
        return web.json_response({}, status=status)

    async def wait_for_count(self, count: int) -> None:
        while len(self.received) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), timeout=20)


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/telegram", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/telegram"
    yield receiver
    await runner.cleanup()


@pytest.mark.asyncio
async def test_webhook_receives_updates_with_the_secret_and_blocks_get_updates(
    bot: Bot, client: EmulatorClient, receiver: Receiver
) -> None:
    ana = await client.create_user("Ana", "ro")
    await bot.set_webhook(receiver.url, secret_token="s3cret-token")

    sent = await client.send_text(ana.user_id, "/start")
    await receiver.wait_for_count(1)

    assert receiver.received[0]["update_id"] == sent.update_id
    assert receiver.received[0]["message"]["text"] == "/start"
    assert receiver.secrets == ["s3cret-token"]
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == (receiver.url, 0)

    assert await bot.delete_webhook()
    assert await bot.get_updates() == []


@pytest.mark.asyncio
async def test_webhook_resends_until_2xx_and_keeps_chat_order(
    bot: Bot, client: EmulatorClient, receiver: Receiver
) -> None:
    ana = await client.create_user("Ana", "ro")
    receiver.statuses = [500, 502]
    first = await client.send_text(ana.user_id, "one")
    second = await client.send_text(ana.user_id, "two")

    await bot.set_webhook(receiver.url)
    await receiver.wait_for_count(4)

    assert [body["update_id"] for body in receiver.received] == [
        first.update_id,
        first.update_id,
        first.update_id,
        second.update_id,
    ]
    statuses = {u.update_id: u for u in await client.updates()}
    assert statuses[first.update_id].delivered_count == 3
    assert statuses[first.update_id].confirmed


@pytest.mark.asyncio
async def test_webhook_answer_can_carry_a_method_call(
    bot: Bot, client: EmulatorClient, receiver: Receiver
) -> None:
    ana = await client.create_user("Ana", "ro")
    receiver.reply = {"method": "sendMessage", "chat_id": ana.chat_id, "text": "pong"}
    await bot.set_webhook(receiver.url)

    await client.send_text(ana.user_id, "ping")

    screen = await client.wait_for(ana.user_id, lambda s: "pong" in s.texts, timeout=20)
    assert screen.texts == ["ping", "pong"]
