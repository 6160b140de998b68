"""Users' messages and taps reaching the bot through getUpdates."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

if TYPE_CHECKING:
    from aiogram import Bot

    from emulator import EmulatorClient
    from tests.emulator.conftest import BotFactory


@pytest.mark.asyncio
async def test_user_text_arrives_with_a_bot_command_entity(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    sent = await client.send_text(ana.user_id, "/start report")

    [update] = await bot.get_updates()

    assert update.update_id == sent.update_id
    assert update.message is not None
    assert update.message.message_id == sent.message_id
    assert update.message.text == "/start report"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "ro"
    [entity] = update.message.entities or []
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)


@pytest.mark.asyncio
async def test_offset_confirms_earlier_updates_for_good(bot: Bot, client: EmulatorClient) -> None:
    ana = await client.create_user("Ana", "ro")
    first = await client.send_text(ana.user_id, "one")
    second = await client.send_text(ana.user_id, "two")

    assert [u.update_id for u in await bot.get_updates()] == [first.update_id, second.update_id]
    assert [u.update_id for u in await bot.get_updates(offset=second.update_id)] == [
        second.update_id
    ]
    assert await bot.get_updates(offset=second.update_id + 1) == []
    assert await bot.get_updates() == []

    statuses = {u.update_id: u for u in await client.updates()}
    assert statuses[first.update_id].confirmed
    assert statuses[second.update_id].confirmed
    assert statuses[first.update_id].delivered_count == 1
    assert statuses[second.update_id].delivered_count == 2


@pytest.mark.asyncio
async def test_long_poll_answers_as_soon_as_a_user_writes(bot: Bot, client: EmulatorClient) -> None:
    ana = await client.create_user("Ana", "ro")
    started = await client.polls_started()
    poll = asyncio.create_task(bot.get_updates(timeout=50))
    await client.wait_for_poll(started)  # the poll is in, and waiting
    assert not poll.done()

    sent = await client.send_text(ana.user_id, "hello")

    # Far below the 50 s poll timeout, yet generous for a loaded machine.
    updates = await asyncio.wait_for(poll, timeout=20)
    assert [u.update_id for u in updates] == [sent.update_id]


@pytest.mark.asyncio
async def test_a_second_long_poll_ends_the_first_with_409_conflict_as_telegram_does(
    bot: Bot, bot_factory: BotFactory, base_url: str, client: EmulatorClient
) -> None:
    started = await client.polls_started()
    first = asyncio.create_task(bot.get_updates(timeout=50))
    await client.wait_for_poll(started)  # the first poll is in, and waiting
    # Another process with the same token (a second instance of the bot).
    second = asyncio.create_task(bot_factory(base_url).get_updates(timeout=1))

    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, timeout=20)
    assert await asyncio.wait_for(second, timeout=20) == []


@pytest.mark.asyncio
async def test_allowed_updates_filters_update_types(bot: Bot, client: EmulatorClient) -> None:
    ana = await client.create_user("Ana", "ro")
    await client.block(ana.user_id)  # produces a my_chat_member update
    sent = await client.send_text(ana.user_id, "hi")  # unblocks: another my_chat_member

    updates = await bot.get_updates(allowed_updates=["message"])

    assert [u.update_id for u in updates] == [sent.update_id]


@pytest.mark.asyncio
async def test_press_delivers_a_callback_query_and_the_answer_shows_a_toast(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    menu = await bot.send_message(
        ana.chat_id,
        "Who are you?",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="A child", callback_data="aud:child")],
                [InlineKeyboardButton(text="A parent", callback_data="aud:parent")],
            ]
        ),
    )

    pressed = await client.press(ana.user_id, button_text="A parent")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert (update.update_id, query.id, query.data) == (
        pressed.update_id,
        pressed.callback_query_id,
        "aud:parent",
    )
    assert query.message is not None
    assert query.message.message_id == menu.message_id

    assert await bot.answer_callback_query(query.id, text="Thanks", show_alert=True)
    [toast] = (await client.screen(ana.user_id)).toasts
    assert (toast.text, toast.show_alert, toast.callback_query_id) == ("Thanks", True, query.id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)


@pytest.mark.asyncio
async def test_callback_queries_expire_after_15_minutes(bot: Bot, client: EmulatorClient) -> None:
    ana = await client.create_user("Ana", "ro")
    await bot.send_message(
        ana.chat_id,
        "Tap",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Tap", callback_data="tap")]]
        ),
    )
    pressed = await client.press(ana.user_id, callback_data="tap")

    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(pressed.callback_query_id, text="x" * 201)
    await client.advance_clock(15 * 60 + 1)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(pressed.callback_query_id, text="late")
    assert (await client.screen(ana.user_id)).toasts == []


@pytest.mark.asyncio
async def test_press_needs_a_visible_button_unless_the_tap_raced_a_deletion(
    bot: Bot, client: EmulatorClient
) -> None:
    from emulator.client import EmulatorControlError

    ana = await client.create_user("Ana", "ro")
    menu = await bot.send_message(
        ana.chat_id,
        "Tap",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Tap", callback_data="tap")]]
        ),
    )
    await bot.delete_message(ana.chat_id, menu.message_id)

    with pytest.raises(EmulatorControlError) as missing:
        await client.press(ana.user_id, button_text="Tap")
    assert missing.value.status == 404
    await client.press(
        ana.user_id, callback_data="tap", message_id=menu.message_id, allow_missing=True
    )

    [update] = await bot.get_updates()
    assert update.callback_query is not None
    assert update.callback_query.data == "tap"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == menu.message_id


@pytest.mark.asyncio
async def test_redelivered_update_comes_back_with_the_same_id(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    first = await client.send_text(ana.user_id, "first")
    second = await client.send_text(ana.user_id, "second")
    await bot.get_updates()
    assert await bot.get_updates(offset=second.update_id + 1) == []

    await client.redeliver(first.update_id)

    again = await bot.get_updates(offset=second.update_id + 1)
    assert [u.update_id for u in again] == [first.update_id]
    assert again[0].message is not None
    assert again[0].message.text == "first"
    assert await bot.get_updates(offset=first.update_id + 1) == []


@pytest.mark.asyncio
async def test_a_raw_update_reaches_the_bot_exactly_as_queued(
    base_url: str, client: EmulatorClient
) -> None:
    """Odd updates real clients produce (here a message without `from`, a callback without
    `from`) arrive byte for byte, after the updates queued before them."""
    ana = await client.create_user("Ana", "ro")
    first = await client.send_text(ana.user_id, "before")
    no_sender = {
        "message_id": 77,
        "date": 1_700_000_000,
        "chat": {"id": ana.chat_id, "type": "private", "first_name": "Ana"},
        "text": "half an emoji \ud83d",
    }
    message_id = await client.queue_raw_update("message", no_sender)
    tap_id = await client.queue_raw_update(
        "callback_query", {"id": "1", "chat_instance": "2", "data": "x"}
    )

    # Read with plain HTTP: aiogram would refuse the callback without `from`.
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base_url}/bot123456789:TEST-token/getUpdates") as response,
    ):
        answer = await response.json()
    assert answer["ok"]
    assert answer["result"] == [
        next(u.update for u in await client.updates() if u.update_id == first.update_id),
        {"update_id": message_id, "message": no_sender},
        {"update_id": tap_id, "callback_query": {"id": "1", "chat_instance": "2", "data": "x"}},
    ]
    assert [first.update_id + 1, first.update_id + 2] == [message_id, tap_id]
    statuses = {u.update_id: u for u in await client.updates()}
    assert statuses[message_id].chat_id == ana.chat_id  # taken from the message's chat
    assert statuses[tap_id].chat_id == 0  # it names no chat
    assert (statuses[message_id].kind, statuses[message_id].delivered_count) == ("message", 1)
    assert (await client.screen(ana.user_id)).texts == ["before"]  # not shown on a screen


@pytest.mark.asyncio
async def test_a_raw_update_needs_a_kind_and_an_object(
    base_url: str, client: EmulatorClient
) -> None:
    bodies: tuple[dict[str, object], ...] = (
        {"payload": {}},
        {"kind": "", "payload": {}},
        {"kind": "update_id", "payload": {}},
        {"kind": "message", "payload": "text"},
        {"kind": "message", "payload": {}, "chat_id": "1"},
    )
    async with aiohttp.ClientSession() as session:
        for body in bodies:
            async with session.post(f"{base_url}/control/updates", json=body) as response:
                assert response.status == 400, body
    assert await client.updates() == []


@pytest.mark.asyncio
async def test_text_with_a_lone_surrogate_is_sent_and_delivered(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    await client.send_text(ana.user_id, "\ud83d /help")

    [update] = await bot.get_updates()

    assert update.message is not None
    assert update.message.text == "\ud83d /help"
    [entity] = update.message.entities or []
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 2, 5)
    assert (await client.screen(ana.user_id)).texts == ["\ud83d /help"]
