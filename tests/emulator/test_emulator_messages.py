"""Sending, editing and deleting messages through a real aiogram Bot, seen on the user's screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

if TYPE_CHECKING:
    from aiogram import Bot

    from emulator import EmulatorClient
    from emulator.clock import ManualClock


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[button] for button in buttons])


@pytest.mark.asyncio
async def test_get_me_describes_the_bot_of_the_token(bot: Bot) -> None:
    me = await bot.get_me()

    assert me.id == bot.id
    assert me.is_bot
    assert me.first_name == "SafePerson"
    assert me.username == "SafePersonDemoBot"


@pytest.mark.asyncio
async def test_sent_message_appears_on_the_users_screen(bot: Bot, client: EmulatorClient) -> None:
    ana = await client.create_user("Ana", "ro")

    sent = await bot.send_message(
        ana.chat_id,
        "Hello <b>Ana</b> &amp; welcome",
        parse_mode="HTML",
        protect_content=True,
        reply_markup=keyboard(InlineKeyboardButton(text="Start", callback_data="go")),
    )

    screen = await client.screen(ana.user_id)
    [shown] = screen.messages
    assert shown.message_id == sent.message_id
    assert shown.sender == "bot"
    assert shown.text == "Hello Ana & welcome"
    assert shown.protect_content
    assert shown.button_texts == ["Start"]
    assert sent.entities is not None
    assert sent.entities[0].type == "bold"
    assert sent.chat.type == "private"
    assert sent.chat.first_name == "Ana"


@pytest.mark.asyncio
async def test_text_limit_counts_characters_after_html_parsing(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")

    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ana.chat_id, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(ana.chat_id, "<b> </b>", parse_mode="HTML")
    await bot.send_message(ana.chat_id, "<i>" + "y" * 4096 + "</i>", parse_mode="HTML")

    screen = await client.screen(ana.user_id)
    assert [len(text) for text in screen.texts] == [4096]


@pytest.mark.asyncio
async def test_callback_data_is_limited_to_64_bytes_and_urls_to_known_schemes(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")

    await bot.send_message(
        ana.chat_id,
        "ok",
        reply_markup=keyboard(InlineKeyboardButton(text="a", callback_data="é" * 32)),
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            ana.chat_id,
            "too long",
            reply_markup=keyboard(InlineKeyboardButton(text="a", callback_data="é" * 32 + "x")),
        )
    with pytest.raises(TelegramBadRequest, match="inline keyboard button URL"):
        await bot.send_message(
            ana.chat_id,
            "bad url",
            reply_markup=keyboard(InlineKeyboardButton(text="a", url="javascript:alert(1)")),
        )

    assert (await client.screen(ana.user_id)).texts == ["ok"]


@pytest.mark.asyncio
async def test_edits_and_deletions_are_reflected_on_the_screen(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    first = await bot.send_message(
        ana.chat_id,
        "Choose",
        reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data="a")),
    )
    second = await bot.send_message(ana.chat_id, "Temporary")

    edited = await bot.edit_message_text(
        chat_id=ana.chat_id, message_id=first.message_id, text="Chosen: A"
    )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            chat_id=ana.chat_id, message_id=first.message_id, text="Chosen: A"
        )
    assert await bot.delete_message(ana.chat_id, second.message_id)

    screen = await client.screen(ana.user_id)
    assert not isinstance(edited, bool)
    assert edited.edit_date is not None
    [shown] = screen.messages
    assert (shown.text, shown.edited, shown.buttons) == ("Chosen: A", True, [])
    assert screen.deleted == [second.message_id]


@pytest.mark.asyncio
async def test_messages_can_only_be_deleted_for_48_hours(
    bot: Bot, client: EmulatorClient, clock: ManualClock
) -> None:
    ana = await client.create_user("Ana", "ro")
    young = await bot.send_message(ana.chat_id, "young")
    old = await bot.send_message(ana.chat_id, "old")

    await client.advance_clock(47 * 3600)
    assert await bot.delete_message(ana.chat_id, young.message_id)
    clock.now += 3600  # the injected clock moves the emulator too

    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await bot.delete_message(ana.chat_id, old.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ana.chat_id, young.message_id)
    assert (await client.screen(ana.user_id)).texts == ["old"]


@pytest.mark.asyncio
async def test_unknown_chats_and_blocked_users_refuse_messages(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    await client.block(ana.user_id)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ana.chat_id, "hello?")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(ana.chat_id + 1, "hello?")

    await client.unblock(ana.user_id)
    await bot.send_message(ana.chat_id, "hello again")
    assert (await client.screen(ana.user_id)).texts == ["hello again"]


@pytest.mark.asyncio
async def test_commands_resolve_by_scope_and_language(bot: Bot, client: EmulatorClient) -> None:
    from aiogram.types import BotCommand

    ana = await client.create_user("Ana", "ro")
    ben = await client.create_user("Ben", "en")
    await bot.set_my_commands([BotCommand(command="help", description="Help")])
    await bot.set_my_commands(
        [BotCommand(command="help", description="Ajutor")], language_code="ro"
    )

    assert (await client.screen(ana.user_id)).commands == [
        {"command": "help", "description": "Ajutor"}
    ]
    assert (await client.screen(ben.user_id)).commands == [
        {"command": "help", "description": "Help"}
    ]
    assert [c.description for c in await bot.get_my_commands(language_code="ro")] == ["Ajutor"]


@pytest.mark.asyncio
async def test_malformed_markup_is_refused_like_telegram(bot: Bot, client: EmulatorClient) -> None:
    ana = await client.create_user("Ana", "ro")

    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "br"'):
        await bot.send_message(ana.chat_id, "line<br>line", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(ana.chat_id, "Done.", parse_mode="MarkdownV2")
    sent = await bot.send_message(ana.chat_id, "*Done*\\.", parse_mode="MarkdownV2")

    assert sent.text == "Done."
    assert (await client.screen(ana.user_id)).texts == ["Done."]
