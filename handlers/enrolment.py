"""Enrolling a staff member from a one-time link: their language, then a passphrase twice, each
deleted at once; then their own command menu."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.languages import ENDONYMS, is_supported
from bot.people import PeopleService
from bot.settings import OrganisationConfig
from bot.staff import INVITE_PREFIX, StaffDesk, passphrase_is_strong
from handlers import commands, common, staff_menu, steps, texts
from handlers import enrolment_texts as say
from handlers.chat import Chat
from handlers.flows import StepScreen, StepViews
from handlers.keyboards import LanguageChoice
from handlers.states import Enrolment
from handlers.taps import settle_menu


async def on_invitation(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    i18n: I18n,
    command: CommandObject,
    staff: StaffDesk,
) -> None:
    code = command.args or ""
    member = await staff.invitation(code)
    if member is None or message.from_user is None:
        # A used, expired or unknown code does nothing: it is an ordinary /start.
        await commands.on_start(message, bot, state, config, i18n, command)
        return
    if await staff.is_enrolled(message.from_user.id):
        await message.answer(say.already_enrolled())
        return
    await state.clear()
    await state.update_data(invitation=code)
    await message.answer(say.welcome(member.name, member.role))
    # The language first, as for a child (their app's language ticked): the passphrase advice,
    # the alerts and the case cards then all come in it, never a mix of two.
    await steps.show_language_picker(
        commands.chat_of(message, bot), state, config, i18n, Enrolment.language
    )


async def on_language_chosen(
    callback: CallbackQuery,
    callback_data: LanguageChoice,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
    step_views: StepViews,
) -> None:
    code = callback_data.code
    chat = Chat.private(bot, callback.from_user.id)
    if not is_supported(code) or code not in config.languages.enabled:
        await steps.after_stale_tap(callback, chat, state, config, people, i18n, step_views)
        return
    # Kept like a reporter's choice: sealed, under the pseudonym the member record also gets,
    # which is how alerts and reminders find it.
    await people.choose_language(callback.from_user.id, code)
    with i18n.use_locale(code):
        await settle_menu(callback, texts.language_chosen(ENDONYMS[code]))
        await state.set_state(Enrolment.passphrase)
        await bot.send_message(chat.chat_id, say.choose_passphrase())


async def on_passphrase(message: Message, state: FSMContext, staff: StaffDesk) -> None:
    await message.delete()  # first after the commit: it must not stay on any screen
    passphrase = message.text or ""
    if not passphrase_is_strong(passphrase):
        await message.answer(say.too_weak())
        return
    await state.update_data(first_entry=await staff.remember_first_entry(passphrase))
    await state.set_state(Enrolment.again)
    await message.answer(say.again())


async def on_passphrase_again(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    i18n: I18n,
    staff: StaffDesk,
) -> None:
    await message.delete()
    data = await state.get_data()
    passphrase = message.text or ""
    if message.from_user is None:
        return
    if not await staff.same_as_first(passphrase, str(data.get("first_entry", ""))):
        await state.set_state(Enrolment.passphrase)
        await state.update_data(first_entry=None)
        await message.answer(say.mismatch())
        await message.answer(say.choose_passphrase())
        return
    member = await staff.enrol(str(data.get("invitation", "")), message.from_user.id, passphrase)
    await state.clear()
    if member is None:
        # The code expired or was revoked while they typed: an ordinary start.
        await commands.on_start(message, bot, state, config, i18n, CommandObject(command="start"))
        return
    await message.answer(say.enrolled())
    await staff_menu.set_staff_menu(bot, message.chat.id, member.role)
    await message.answer(staff_menu.staff_help(member.role))


async def show_language_step(screen: StepScreen) -> bool:
    await steps.show_language_picker(
        screen.chat, screen.state, screen.config, screen.i18n, Enrolment.language
    )
    return True


def build_router(views: StepViews) -> Router:
    views.register(Enrolment.language, show_language_step)
    views.register_text(Enrolment.passphrase, say.choose_passphrase)
    views.register_text(Enrolment.again, say.again)
    router = Router(name="enrolment")
    router.message.register(
        on_invitation, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX))
    )
    typed = F.text & ~F.text.startswith("/")
    router.message.register(on_passphrase, Enrolment.passphrase, typed)
    router.message.register(on_passphrase_again, Enrolment.again, typed)
    router.callback_query.register(on_language_chosen, LanguageChoice.filter(), Enrolment.language)
    router.message.register(
        common.show_the_step_again, StateFilter(Enrolment.passphrase, Enrolment.again), ~F.text
    )
    return router
