"""Whatever no step took: a kind answer in the person's language, then the current step again."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.people import PeopleService
from bot.settings import OrganisationConfig
from handlers import steps, texts
from handlers.commands import chat_of
from handlers.flows import StepViews
from handlers.steps import Chat


async def on_unknown_command(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
) -> None:
    await message.answer(texts.unknown_command())
    await steps.show_current_step(chat_of(message, bot), state, config, people, i18n, step_views)


async def on_text_or_voice(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
) -> None:
    # Someone writing before any step (a first "hello") just gets the first step; someone
    # writing where a button is expected is told, gently, to tap one.
    if await state.get_state() is not None:
        await message.answer(texts.tap_a_button())
    await steps.show_current_step(chat_of(message, bot), state, config, people, i18n, step_views)


async def on_other_content(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
) -> None:
    await message.answer(texts.only_text_or_voice())
    await steps.show_current_step(chat_of(message, bot), state, config, people, i18n, step_views)


async def show_the_step_again(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
) -> None:
    """Where something must be typed (a code, a secret word, a passphrase) and a voice note or a
    sticker came instead: ask again."""
    await steps.show_current_step(chat_of(message, bot), state, config, people, i18n, step_views)


async def on_stale_button(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
) -> None:
    chat = Chat.private(bot, callback.from_user.id)
    await steps.after_stale_tap(callback, chat, state, config, people, i18n, step_views)


def build_router() -> Router:
    router = Router(name="fallbacks")
    router.message.register(on_unknown_command, F.text.startswith("/"))
    router.message.register(on_text_or_voice, F.text | F.voice)
    router.message.register(on_other_content)
    router.callback_query.register(on_stale_button)
    return router
