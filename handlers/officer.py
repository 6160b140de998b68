"""What staff do with an alert. Only enrolled, unrevoked members get anywhere here: anyone else
gets the same answer as any stale or unknown button (the common fallback)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery

from bot.alerts import EscalationLadder
from handlers import alert_texts
from handlers.keyboards import buttons
from handlers.taps import answer_tap, settle_menu


class AckAlert(CallbackData, prefix="ack"):
    code: str


class ReadCase(CallbackData, prefix="read"):
    code: str


async def on_acknowledge(
    callback: CallbackQuery, callback_data: AckAlert, bot: Bot, ladder: EscalationLadder
) -> None:
    member = await ladder.member_for(callback.from_user.id)
    if member is None:
        raise SkipHandler  # not staff: exactly what anyone gets for a stale button
    taken = await ladder.acknowledge(callback_data.code, member)
    if taken is None:
        raise SkipHandler
    if taken.first:
        read_only = buttons([(alert_texts.read_label(), ReadCase(code=callback_data.code))])
        await settle_menu(callback, alert_texts.you_took_it(callback_data.code), keep=read_only)
    else:
        await answer_tap(callback, alert_texts.already_taken(callback_data.code, taken.by.name))


def build_router() -> Router:
    router = Router(name="officer")
    router.callback_query.register(on_acknowledge, AckAlert.filter())
    return router
