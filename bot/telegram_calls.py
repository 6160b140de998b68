"""Which Bot API calls put a message on a phone, and which change a chat at all."""

from __future__ import annotations

import json
from typing import Any, Final

import orjson
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    DeleteMessage,
    DeleteMessages,
    DeleteWebhook,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    ForwardMessage,
    GetFile,
    GetMe,
    GetUpdates,
    SendAudio,
    SendChatAction,
    SendDocument,
    SendLocation,
    SendMessage,
    SendPhoto,
    SendSticker,
    SendVoice,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
)
from aiogram.methods.base import Response

# Calls that put a message on a phone: a batch with one of them leaves a mark in the trail.
SENDS: Final[tuple[type[TelegramMethod[Any]], ...]] = (
    SendMessage,
    SendVoice,
    SendAudio,
    SendDocument,
    SendPhoto,
    SendSticker,
    SendLocation,
    CopyMessage,
    ForwardMessage,
)
# Calls Telegram counts against a chat's flood limit: new messages, and edits of them (every
# tap edits its menu, so under a burst edits are as many as sends).
FLOOD_COUNTED: Final[tuple[type[TelegramMethod[Any]], ...]] = (
    *SENDS,
    EditMessageText,
    EditMessageReplyMarkup,
    EditMessageCaption,
)
# Everything an update may do to a chat; any other call inside a unit of work is a bug.
EFFECTS: Final[tuple[type[TelegramMethod[Any]], ...]] = (
    *SENDS,
    EditMessageText,
    EditMessageReplyMarkup,
    EditMessageCaption,
    DeleteMessage,
    DeleteMessages,
    AnswerCallbackQuery,
    SendChatAction,
    # A staff member's own command menu, set at enrolment and when they change language: like
    # a message, it must not change for an update that then rolled back.
    SetMyCommands,
)


def chat_of(method: TelegramMethod[Any]) -> int | None:
    """The chat a call is about, when it names one by number."""
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int) else None


# Every call the bot makes, for `response_models`.
KNOWN_CALLS: Final[tuple[type[TelegramMethod[Any]], ...]] = (
    *EFFECTS,
    GetFile,
    GetMe,
    GetUpdates,
    SetWebhook,
    DeleteWebhook,
)


def response_models(*extra: type[TelegramMethod[Any]]) -> tuple[object, ...]:
    """The answer models of every call, built once and held by the app.

    aiogram checks each answer against `Response[T]`, a pydantic generic class that pydantic
    caches only weakly: after a garbage collection it is built again, about 10 ms each time.
    Under load that was a third of the bot's CPU. Holding them keeps the cached ones alive.
    """
    return tuple(
        Response[method.__returning__]  # type: ignore[name-defined]
        for method in (*KNOWN_CALLS, *extra)
    )


def read_answer(content: str | bytes) -> Any:
    """Telegram's answer as JSON: with orjson, several times faster than the json module (under
    a burst, getUpdates answers carry up to 100 unconfirmed updates again and again). orjson
    refuses half an emoji (a lone surrogate escaped as \\ud83d), which Telegram does send when a
    client cut a text in the middle of one; the json module reads it, and bot.update_parsing
    then mends it."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)
