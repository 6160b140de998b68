"""What staff do with an alert. Only enrolled, unrevoked members get anywhere here: anyone else
gets the same answer as any stale or unknown button (the common fallback)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import CallbackQuery

from bot.alerts import EscalationLadder
from bot.casework import CaseWork
from bot.retention import may_hold
from bot.suspension import may_mark_concerned
from handlers import alert_texts
from handlers.casework import card_markup
from handlers.keyboards import AckAlert
from handlers.taps import answer_tap, settle_menu


async def on_acknowledge(
    callback: CallbackQuery,
    callback_data: AckAlert,
    bot: Bot,
    ladder: EscalationLadder,
    casework: CaseWork,
) -> None:
    member = await ladder.member_for(callback.from_user.id)
    if member is None:
        raise SkipHandler  # not staff: exactly what anyone gets for a stale button
    taken = await ladder.acknowledge(callback_data.code, member)
    if taken is None:
        raise SkipHandler
    if taken.first:
        # The alert becomes the case's card: Read, Reply, Note and the next steps.
        case = await casework.case_for(member, callback_data.code)
        keep = (
            card_markup(await casework.card(case), may_hold(member), may_mark_concerned(member))
            if case is not None
            else None
        )
        await settle_menu(callback, alert_texts.you_took_it(callback_data.code), keep=keep)
    else:
        await answer_tap(callback, alert_texts.already_taken(callback_data.code, taken.by.name))


def build_router() -> Router:
    router = Router(name="officer")
    router.callback_query.register(on_acknowledge, AckAlert.filter())
    return router
