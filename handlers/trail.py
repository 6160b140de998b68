"""Recording the chat trail: incoming messages (a middleware) and outgoing ones (the session)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.enums import ChatType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Message, TelegramObject

from bot.trail import ChatTrail


class IncomingTrail(BaseMiddleware):
    def __init__(self, trail: ChatTrail) -> None:
        self._trail = trail

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        bot = data.get("bot")
        is_private = isinstance(event, Message) and event.chat.type == ChatType.PRIVATE
        if is_private and isinstance(event, Message) and isinstance(bot, Bot):
            await self._trail.add(bot.id, event.chat.id, event.message_id)
        return await handler(event, data)


class OutgoingTrail(BaseRequestMiddleware):
    def __init__(self, trail: ChatTrail) -> None:
        self._trail = trail

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)
        # aiogram hands back the method's result here (its type hint says Response).
        sent: object = response
        if isinstance(sent, Message) and sent.chat.type == ChatType.PRIVATE:
            await self._trail.add(bot.id, sent.chat.id, sent.message_id)
        return response
