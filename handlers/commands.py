"""The commands every user sees: /start, /help, /report, /language, /cancel (staff get their own
help, and /cancel in a case step goes back to the case card)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.links import ACTIVITY_LINK_PREFIX
from bot.people import PeopleService
from bot.settings import OrganisationConfig
from bot.staff import StaffDesk
from handlers import casework, staff_menu, steps, texts
from handlers.flows import StepViews
from handlers.states import CaseHandling, Onboarding
from handlers.steps import Chat


def chat_of(message: Message, bot: Bot) -> Chat:
    if message.from_user is None:  # a channel post; the private-chat filter keeps them out
        raise ValueError("a message without a sender")
    return Chat(bot=bot, chat_id=message.chat.id, user_id=message.from_user.id)


async def on_start(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    i18n: I18n,
    command: CommandObject,
) -> None:
    # A fresh start forgets any step in progress; the language stays remembered.
    await state.clear()
    # The reporter came from that activity's poster or link (bot.links).
    payload = command.args or ""
    if payload.startswith(ACTIVITY_LINK_PREFIX):
        activity = config.activity(payload.removeprefix(ACTIVITY_LINK_PREFIX))
        if activity is not None:
            await state.update_data(activity=activity.code)
    await steps.show_language_picker(chat_of(message, bot), state, config, i18n)


async def on_language(
    message: Message, bot: Bot, state: FSMContext, config: OrganisationConfig, i18n: I18n
) -> None:
    resume = await state.get_state()
    if resume is not None and resume != Onboarding.language.state:
        await state.update_data(resume_step=resume)
    await steps.show_language_picker(chat_of(message, bot), state, config, i18n)


async def on_report(message: Message, bot: Bot, state: FSMContext) -> None:
    await state.clear()
    await steps.show_audience_menu(chat_of(message, bot), state)


async def on_help(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
    staff: StaffDesk,
) -> None:
    member = await staff.active_member(message.from_user.id) if message.from_user else None
    if member is not None:
        # Staff get their side explained; the reporter's menu is not for them. A step in hand
        # (a reply being written, say) is shown again; no step means nothing more to show.
        await message.answer(staff_menu.staff_help(member.role))
        if await state.get_state() is not None:
            await steps.show_current_step(
                chat_of(message, bot), state, config, people, i18n, step_views
            )
        return
    await message.answer(texts.help_text())
    await message.answer(texts.help_numbers(config.help_numbers))
    await steps.show_current_step(chat_of(message, bot), state, config, people, i18n, step_views)


async def on_cancel(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
    staff: StaffDesk,
) -> None:
    await state.clear()
    await message.answer(texts.cancelled())
    if message.from_user is not None and await staff.is_enrolled(message.from_user.id):
        return  # staff have no reporter's step to go back to ("Who are you?" is not for them)
    await steps.show_current_step(chat_of(message, bot), state, config, people, i18n, step_views)


def build_router() -> Router:
    router = Router(name="commands")
    router.message.register(on_start, CommandStart())
    router.message.register(on_language, Command("language"))
    router.message.register(on_report, Command("report"))
    router.message.register(on_help, Command("help"))
    # During Reply, Note or a status step, /cancel goes back to the case card.
    router.message.register(casework.on_cancel_step, Command("cancel"), StateFilter(CaseHandling))
    router.message.register(on_cancel, Command("cancel"))
    return router
