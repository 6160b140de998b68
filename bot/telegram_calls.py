"""Which Bot API calls put a message on a phone, and which change a chat at all."""

from __future__ import annotations

from typing import Any, Final

from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    DeleteMessage,
    DeleteMessages,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    ForwardMessage,
    SendAudio,
    SendChatAction,
    SendDocument,
    SendLocation,
    SendMessage,
    SendPhoto,
    SendSticker,
    SendVoice,
    TelegramMethod,
)

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
)
