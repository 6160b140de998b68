"""Choosing a language, then saying who you are."""

from __future__ import annotations

from typing import cast

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import I18n

from bot.audience import AUDIENCES, Audience
from bot.case_desk import CaseDesk
from bot.languages import ENDONYMS, is_supported
from bot.people import PeopleService
from bot.settings import OrganisationConfig
from bot.staff import StaffDesk
from handlers import staff_menu, steps, texts
from handlers.flows import StepViews
from handlers.keyboards import AudienceChoice, LanguageChoice
from handlers.reporting import start_flow
from handlers.states import Onboarding
from handlers.steps import Chat
from handlers.taps import settle_menu


def chat_of(callback: CallbackQuery, bot: Bot) -> Chat:
    return Chat(bot=bot, chat_id=callback.from_user.id, user_id=callback.from_user.id)


async def on_language_chosen(
    callback: CallbackQuery,
    callback_data: LanguageChoice,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
    staff: StaffDesk,
) -> None:
    code = callback_data.code
    if not is_supported(code) or code not in config.languages.enabled:
        # Only a forged or very old button gets here; treat it like any stale press.
        await steps.after_stale_tap(
            callback, chat_of(callback, bot), state, config, people, i18n, step_views
        )
        return
    await people.choose_language(callback.from_user.id, code)
    with i18n.use_locale(code):
        await settle_menu(callback, texts.language_chosen(ENDONYMS[code]))
        data = await state.get_data()
        resume = data.pop("resume_step", None)
        chat = chat_of(callback, bot)
        if isinstance(resume, str):
            # /language was used in the middle of a step: go back to it, now in the new language.
            await state.set_data(data)
            await state.set_state(resume)
            await steps.show_current_step(chat, state, config, people, i18n, step_views)
        elif (member := await staff.active_member(callback.from_user.id)) is not None:
            # Staff: their menu again in the new language, not the reporter's welcome.
            await state.clear()
            await staff_menu.set_staff_menu(bot, chat.chat_id, member.role)
            await bot.send_message(chat.chat_id, staff_menu.staff_help(member.role))
        else:
            await steps.show_welcome(chat, state, config)


async def on_audience_chosen(
    callback: CallbackQuery,
    callback_data: AudienceChoice,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    desk: CaseDesk,
) -> None:
    # The filter admits only known audiences.
    audience = cast(Audience, callback_data.who)
    await settle_menu(callback, texts.audience_label(audience))
    await start_flow(chat_of(callback, bot), state, audience, config, desk)


def build_router() -> Router:
    router = Router(name="onboarding")
    router.callback_query.register(on_language_chosen, LanguageChoice.filter(), Onboarding.language)
    router.callback_query.register(
        on_audience_chosen, AudienceChoice.filter(F.who.in_(AUDIENCES)), Onboarding.audience
    )
    return router
