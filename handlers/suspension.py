"""Marking a member named in a concern, stepping away from a case, giving paused access back,
and what a member whose access is paused gets for anything staff-like."""

from __future__ import annotations

import contextlib

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.case_model import CaseSummary
from bot.keyvault import KeyStoreUnreachableError, KeyVault
from bot.staff import Member, StaffDesk
from bot.suspension import StaffSuspensions, may_give_access_back, may_mark_concerned
from handlers import suspension_texts as say
from handlers.casework import TappedCase
from handlers.keyboards import (
    CaseAction,
    ConfirmStepAway,
    ConfirmSuspension,
    KeepAsIs,
    NameConcerned,
    Reinstate,
    buttons,
)
from handlers.taps import answer_tap, settle_menu


async def on_concerned(
    callback: CallbackQuery,
    bot: Bot,
    member: Member,
    case: CaseSummary,
    suspensions: StaffSuspensions,
) -> None:
    """Which member is the concern about: the members this one may name."""
    if not may_mark_concerned(member):
        raise SkipHandler  # never offered to them: answered like any stale button
    await answer_tap(callback)
    named = await suspensions.who_may_be_named(member)
    if not named:
        await bot.send_message(callback.from_user.id, say.nobody_to_name(case.code))
        return
    menu = buttons(
        [(say.member_label(m), NameConcerned(code=case.code, member=m.id)) for m in named]
        + [(say.keep_as_is_label(), KeepAsIs(code=case.code))]
    )
    await bot.send_message(
        callback.from_user.id, say.who_is_concerned(case.code), reply_markup=menu
    )


async def on_name(
    callback: CallbackQuery,
    callback_data: NameConcerned,
    member: Member,
    case: CaseSummary,
    suspensions: StaffSuspensions,
) -> None:
    """Ask once more: pausing someone's access is not undone by a tap."""
    chosen = {m.id: m for m in await suspensions.who_may_be_named(member)}.get(callback_data.member)
    if chosen is None:
        raise SkipHandler
    confirm = buttons(
        [
            (say.pause_label(), ConfirmSuspension(code=case.code, member=chosen.id)),
            (say.keep_as_is_label(), KeepAsIs(code=case.code)),
        ]
    )
    await settle_menu(callback, say.confirm_suspension(chosen.name), keep=confirm)


async def on_confirm_suspension(
    callback: CallbackQuery,
    callback_data: ConfirmSuspension,
    member: Member,
    case: CaseSummary,
    suspensions: StaffSuspensions,
    vault: KeyVault,
) -> None:
    outcome = await suspensions.suspend(member, case, callback_data.member)
    if outcome is None:
        raise SkipHandler
    if not outcome.done:
        await settle_menu(callback, say.already_suspended(outcome.member.name))
        return
    # Their key, if unlocked, is locked on every instance too. If the shared store cannot be
    # reached, the suspension still stands: Read asks for an active member anyway, and the
    # key expires by itself.
    with contextlib.suppress(KeyStoreUnreachableError):
        await vault.lock(outcome.member.id)
    await settle_menu(callback, say.suspended(outcome.member.name, outcome.cases_left_unread))


async def on_keep_as_is(callback: CallbackQuery) -> None:
    await settle_menu(callback, say.nothing_changed())


async def on_step_away(callback: CallbackQuery, bot: Bot, case: CaseSummary) -> None:
    confirm = buttons(
        [
            (say.step_away_label(), ConfirmStepAway(code=case.code)),
            (say.keep_as_is_label(), KeepAsIs(code=case.code)),
        ]
    )
    await answer_tap(callback)
    await bot.send_message(
        callback.from_user.id, say.confirm_step_away(case.code), reply_markup=confirm
    )


async def on_confirm_step_away(
    callback: CallbackQuery,
    member: Member,
    case: CaseSummary,
    suspensions: StaffSuspensions,
) -> None:
    outcome = await suspensions.step_away(member, case)
    if outcome.only_reader:
        await settle_menu(callback, say.only_reader(case.code))
        return
    await settle_menu(
        callback, say.stepped_away(case.code) if outcome.done else say.nothing_changed()
    )


async def on_staff(message: Message, staff: StaffDesk, suspensions: StaffSuspensions) -> None:
    """/staff: the members whose access is paused, each with a button to give it back."""
    if message.from_user is None:
        return
    member = await staff.active_member(message.from_user.id)
    if member is None or not may_give_access_back(member.role):
        raise SkipHandler  # an unknown command for anyone who may not give access back
    paused = await suspensions.paused_members(member)
    menu = buttons([(say.member_label(m), Reinstate(member=m.id)) for m in paused])
    await message.answer(say.paused_list(len(paused)), reply_markup=menu if paused else None)


async def on_reinstate(
    callback: CallbackQuery,
    callback_data: Reinstate,
    staff: StaffDesk,
    suspensions: StaffSuspensions,
) -> None:
    member = await staff.active_member(callback.from_user.id)
    if member is None:
        raise SkipHandler
    back = await suspensions.reinstate(member, callback_data.member)
    await settle_menu(callback, say.reinstated(back.name) if back else say.not_reinstated())


class PausedMember(Filter):
    """The update comes from a member whose access is paused."""

    async def __call__(self, event: Message | CallbackQuery, staff: StaffDesk) -> bool:
        user = event.from_user
        return user is not None and await staff.is_paused(user.id)


async def on_paused_message(message: Message, state: FSMContext) -> None:
    """A staff command (or a step of one) from a paused member, which every staff handler
    passed on: they are told only that their access is paused."""
    await state.clear()
    await message.answer(say.paused_notice())


async def on_paused_tap(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await answer_tap(callback, say.paused_notice(), alert=True)


def build_router() -> Router:
    router = Router(name="suspension")
    tapped = TappedCase()
    router.callback_query.register(on_concerned, CaseAction.filter(F.action == "concerned"), tapped)
    router.callback_query.register(on_step_away, CaseAction.filter(F.action == "step_away"), tapped)
    router.callback_query.register(on_name, NameConcerned.filter(), tapped)
    router.callback_query.register(on_confirm_suspension, ConfirmSuspension.filter(), tapped)
    router.callback_query.register(on_confirm_step_away, ConfirmStepAway.filter(), tapped)
    router.callback_query.register(on_keep_as_is, KeepAsIs.filter(), tapped)
    router.message.register(on_staff, Command("staff"))
    router.callback_query.register(on_reinstate, Reinstate.filter())
    return router


def build_paused_router() -> Router:
    """Placed just before the fallbacks: every staff handler passes a paused member on (they
    are not an active member), and anyone may still use the bot as a reporter."""
    router = Router(name="paused")
    paused = PausedMember()
    router.message.register(on_paused_message, paused)
    router.callback_query.register(on_paused_tap, paused)
    return router
