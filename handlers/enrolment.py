"""Enrolling a staff member from a one-time link: passphrase twice, each deleted at once."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.settings import OrganisationConfig
from bot.staff import INVITE_PREFIX, StaffDesk, passphrase_is_strong
from handlers import commands, common
from handlers import enrolment_texts as say
from handlers.states import Enrolment


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
    await state.set_state(Enrolment.passphrase)
    await state.update_data(invitation=code)
    await message.answer(say.welcome(member.name, member.role))
    await message.answer(say.choose_passphrase())


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


def build_router() -> Router:
    router = Router(name="enrolment")
    router.message.register(
        on_invitation, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX))
    )
    typed = F.text & ~F.text.startswith("/")
    router.message.register(on_passphrase, Enrolment.passphrase, typed)
    router.message.register(on_passphrase_again, Enrolment.again, typed)
    router.message.register(
        common.show_the_step_again, StateFilter(Enrolment.passphrase, Enrolment.again), ~F.text
    )
    return router
