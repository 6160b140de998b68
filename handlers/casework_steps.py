"""Showing a case-handling step again (the case card's reply, note and status steps)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.casework import referral_time_example
from bot.clock import Clock
from handlers import casework_texts
from handlers.flows import StepScreen, StepViews
from handlers.states import CaseHandling
from handlers.steps import authority_menu, when_menu


def register_step_views(views: StepViews, clock: Clock) -> None:
    views.register_text(CaseHandling.reply, casework_texts.ask_reply)
    views.register_text(CaseHandling.note, casework_texts.ask_note)
    views.register_text(CaseHandling.close_note, casework_texts.ask_close_note)
    views.register(CaseHandling.authority, show_authority_step)

    async def show_referred_when_step(screen: StepScreen) -> bool:
        example = referral_time_example(clock.now(), screen.config.zone)
        menu = when_menu(_case_code(screen))
        return await _ask(screen, casework_texts.ask_referred_when(example), menu)

    views.register(CaseHandling.referred_when, show_referred_when_step)


def _case_code(screen: StepScreen) -> str:
    return str(screen.data.get("case", ""))


async def _ask(screen: StepScreen, text: str, markup: InlineKeyboardMarkup) -> bool:
    await screen.chat.bot.send_message(screen.chat.chat_id, text, reply_markup=markup)
    return True


async def show_authority_step(screen: StepScreen) -> bool:
    menu = authority_menu(_case_code(screen), screen.config)
    return await _ask(screen, casework_texts.ask_authority(), menu)
