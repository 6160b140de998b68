"""Showing a step: what the person sees at each state, so any step can be shown again."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.languages import LanguageCode, is_supported
from bot.people import PeopleService
from bot.settings import OrganisationConfig
from handlers import casework_texts, consent_texts, keyboards, texts
from handlers import report_texts as say
from handlers.chat import Chat
from handlers.flows import StepScreen, StepViews
from handlers.keyboards import ReferredNow, ReferTo, StatusAction, buttons
from handlers.states import Onboarding
from handlers.taps import answer_tap

__all__ = ["Chat", "Onboarding", "show_current_step"]


def current_language(i18n: I18n) -> LanguageCode:
    locale = i18n.current_locale
    return locale if is_supported(locale) else "en"


async def show_language_picker(
    chat: Chat,
    state: FSMContext,
    config: OrganisationConfig,
    i18n: I18n,
    step: State = Onboarding.language,
) -> None:
    # Enrolment has its own step: the same picker, but what follows is the passphrase.
    await state.set_state(step)
    await chat.bot.send_message(
        chat.chat_id,
        texts.choose_language(),
        reply_markup=keyboards.language_picker(config.languages.enabled, current_language(i18n)),
    )


async def show_audience_menu(chat: Chat, state: FSMContext) -> None:
    await state.set_state(Onboarding.audience)
    await chat.bot.send_message(
        chat.chat_id,
        texts.who_are_you(),
        reply_markup=keyboards.audience_menu(consent_texts.start_label()),
    )


async def show_welcome(chat: Chat, state: FSMContext, config: OrganisationConfig) -> None:
    """The first words after the language: what this chat is, the help numbers, who are you."""
    await chat.bot.send_message(chat.chat_id, texts.welcome(config.organisation.name))
    await chat.bot.send_message(chat.chat_id, texts.help_numbers(config.help_numbers))
    await show_audience_menu(chat, state)


def status_actions() -> InlineKeyboardMarkup:
    return buttons(
        [(say.add_more(), StatusAction(action="add")), (say.done(), StatusAction(action="done"))]
    )


async def show_current_step(
    chat: Chat,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
) -> None:
    screen = StepScreen(chat, state, await state.get_data(), config, i18n)
    if await step_views.show(await state.get_state(), screen):
        return
    # No step (new, cancelled, expired, or a state from an older version): from the beginning.
    if await people.chosen_language(chat.user_id) is None:
        await show_language_picker(chat, state, config, i18n)
    else:
        await show_audience_menu(chat, state)


def register_step_views(views: StepViews) -> None:
    """The first steps, which every router may fall back to."""

    async def language(screen: StepScreen) -> bool:
        await show_language_picker(screen.chat, screen.state, screen.config, screen.i18n)
        return True

    async def audience(screen: StepScreen) -> bool:
        await show_audience_menu(screen.chat, screen.state)
        return True

    views.register(Onboarding.language, language)
    views.register(Onboarding.audience, audience)


def authority_menu(code: str, config: OrganisationConfig) -> InlineKeyboardMarkup:
    return buttons(
        [
            (name, ReferTo(code=code, choice=index))
            for index, name in enumerate(config.referral_authorities)
        ]
    )


def when_menu(code: str) -> InlineKeyboardMarkup:
    return buttons([(casework_texts.now_label(), ReferredNow(code=code))])


def adding_markup() -> InlineKeyboardMarkup:
    return buttons([(say.that_is_all(), StatusAction(action="finished"))])


async def after_stale_tap(
    callback: CallbackQuery,
    chat: Chat,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
) -> None:
    """A button from an earlier step, or a second tap on one already used: say so kindly (a
    toast, which leaves nothing in the chat) and show the step the person is really on."""
    await answer_tap(callback, texts.stale_button())
    await show_current_step(chat, state, config, people, i18n, step_views)
