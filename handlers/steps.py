"""Showing a step: what the person sees at each state, so any step can be shown again."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.utils.i18n import I18n

from bot.audience import Audience
from bot.languages import LanguageCode, is_supported
from bot.people import PeopleService
from bot.settings import OrganisationConfig
from handlers import keyboards, texts
from handlers.states import ChildReport, Onboarding, OtherReport, ParentReport, StaffReport

AUDIENCE_STEPS: dict[Audience, State] = {
    "child": ChildReport.intro,
    "parent": ParentReport.intro,
    "staff": StaffReport.intro,
    "other": OtherReport.intro,
}


@dataclass(frozen=True)
class Chat:
    """Where the answer goes, and who is talking: the same for a message and a button press."""

    bot: Bot
    chat_id: int
    user_id: int


def current_language(i18n: I18n) -> LanguageCode:
    locale = i18n.current_locale
    return locale if is_supported(locale) else "en"


async def show_language_picker(
    chat: Chat, state: FSMContext, config: OrganisationConfig, i18n: I18n
) -> None:
    await state.set_state(Onboarding.language)
    await chat.bot.send_message(
        chat.chat_id,
        texts.choose_language(),
        reply_markup=keyboards.language_picker(config.languages.enabled, current_language(i18n)),
    )


async def show_audience_menu(chat: Chat, state: FSMContext) -> None:
    await state.set_state(Onboarding.audience)
    await chat.bot.send_message(
        chat.chat_id, texts.who_are_you(), reply_markup=keyboards.audience_menu()
    )


async def show_welcome(chat: Chat, state: FSMContext, config: OrganisationConfig) -> None:
    """The first words after the language: what this chat is, the help numbers, who are you."""
    await chat.bot.send_message(chat.chat_id, texts.welcome(config.organisation.name))
    await chat.bot.send_message(chat.chat_id, texts.help_numbers(config.help_numbers))
    await show_audience_menu(chat, state)


async def show_audience_step(chat: Chat, state: FSMContext, audience: Audience) -> None:
    await state.set_state(AUDIENCE_STEPS[audience])
    await chat.bot.send_message(chat.chat_id, texts.coming_soon(audience))


async def show_current_step(
    chat: Chat,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
) -> None:
    current = await state.get_state()
    if current == Onboarding.language.state:
        await show_language_picker(chat, state, config, i18n)
        return
    if current == Onboarding.audience.state:
        await show_audience_menu(chat, state)
        return
    for audience, step in AUDIENCE_STEPS.items():
        if current == step.state:
            await show_audience_step(chat, state, audience)
            return
    # No step (new, cancelled, or a state from an older version): start from the beginning.
    if await people.chosen_language(chat.user_id) is None:
        await show_language_picker(chat, state, config, i18n)
    else:
        await show_audience_menu(chat, state)
