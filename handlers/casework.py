"""Acting on a case from the chat: the case card, /cases, reply, note, and the status steps.

Two filters guard every handler here: a tap or a typed answer reaches it only from an enrolled,
unrevoked member the case is sealed for, and the filter hands the handler that `member` and
`case`. Anything else goes on to the common answers (a stale button, an unknown command), so
someone who is not staff learns nothing from trying.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.case_model import (
    CaseStatus,
    CaseSummary,
    CloseReason,
    accepts_replies,
    is_open,
    next_steps,
)
from bot.casework import (
    MAX_NOTE_CHARACTERS,
    MAX_REPLY_CHARACTERS,
    CaseCard,
    CaseWork,
    close_reason,
    parse_referral_time,
    referral_time_example,
)
from bot.consent import ConsentDesk
from bot.retention import LegalHolds, may_hold
from bot.settings import OrganisationConfig
from bot.staff import Member, StaffDesk
from bot.suspension import may_mark_concerned
from handlers import alert_texts, consent_texts, suspension_texts
from handlers import casework_texts as say
from handlers.keyboards import (
    AckAlert,
    CaseAction,
    CloseWith,
    ReadCase,
    ReferredNow,
    ReferTo,
    buttons,
)
from handlers.states import CaseHandling
from handlers.steps import authority_menu, when_menu
from handlers.taps import answer_tap

# A /cases list shows at most this many buttons (the rest are in the text).
LIST_BUTTONS = 30
# Consent requests are listed one message each (with their buttons): at most this many.
LIST_REQUESTS = 10
MAX_AUTHORITY_CHARACTERS = 100


async def _member_and_case(
    user_id: int, code: str, staff: StaffDesk, casework: CaseWork
) -> dict[str, Any] | bool:
    member = await staff.active_member(user_id)
    if member is None:
        return False
    case = await casework.case_for(member, code)
    return {"member": member, "case": case} if case is not None else False


class TappedCase(Filter):
    """A button on a case, tapped by one of its readers."""

    async def __call__(
        self,
        callback: CallbackQuery,
        callback_data: CallbackData,
        staff: StaffDesk,
        casework: CaseWork,
    ) -> dict[str, Any] | bool:
        code = getattr(callback_data, "code", None)
        if not isinstance(code, str):
            return False
        return await _member_and_case(callback.from_user.id, code, staff, casework)


class CaseInHand(Filter):
    """Something typed for the case the member's current step is about."""

    async def __call__(
        self, message: Message, state: FSMContext, staff: StaffDesk, casework: CaseWork
    ) -> dict[str, Any] | bool:
        if message.from_user is None:
            return False
        code = str((await state.get_data()).get("case", ""))
        found = await _member_and_case(message.from_user.id, code, staff, casework)
        if not found:
            await state.clear()  # revoked meanwhile, or a case they no longer read
        return found


def card_markup(card: CaseCard, holder: bool = False, namer: bool = False) -> InlineKeyboardMarkup:
    """The card's buttons; `holder`: the member may put the case on legal hold (or release
    it), so the card offers that too; `namer`: they may mark a staff member as concerned."""
    rows: list[tuple[str, CallbackData]] = []
    if card.acknowledged_by is None:
        rows.append((alert_texts.acknowledge_label(), AckAlert(code=card.code)))
    rows.append((alert_texts.read_label(), ReadCase(code=card.code)))
    if accepts_replies(card.status):
        rows.append((say.reply_label(), CaseAction(action="reply", code=card.code)))
        rows.append((say.note_label(), CaseAction(action="note", code=card.code)))
    rows += [(say.step_label(s), CaseAction(action=s, code=card.code)) for s in card.next_steps]
    if holder and card.legal_hold_at is None:
        rows.append((say.hold_label(), CaseAction(action="hold", code=card.code)))
    elif holder:
        rows.append((say.release_label(), CaseAction(action="release", code=card.code)))
    if is_open(card.status):
        # A conflict or a concern about a member matters while the case is handled.
        if namer:
            rows.append(
                (
                    suspension_texts.concerned_label(),
                    CaseAction(action="concerned", code=card.code),
                )
            )
        rows.append(
            (suspension_texts.step_away_label(), CaseAction(action="step_away", code=card.code))
        )
    return buttons(rows)


async def send_card(
    bot: Bot,
    chat_id: int,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
    config: OrganisationConfig,
) -> None:
    card = await casework.card(case)
    await bot.send_message(
        chat_id,
        say.card(card, config),
        reply_markup=card_markup(card, may_hold(member), may_mark_concerned(member)),
    )


async def on_cases(
    message: Message,
    staff: StaffDesk,
    casework: CaseWork,
    consent: ConsentDesk,
    config: OrganisationConfig,
) -> None:
    if message.from_user is None:
        return
    member = await staff.active_member(message.from_user.id)
    if member is None:
        raise SkipHandler  # an unknown command for anyone who is not staff
    cards = [await casework.card(case) for case in await casework.open_cases(member)]
    # One message: the soonest deadlines, and how many more there are (Telegram's 4096).
    lines = [say.open_cases(len(cards)), *(say.list_line(card) for card in cards[:LIST_BUTTONS])]
    if len(cards) > LIST_BUTTONS:
        lines.append(say.more_cases(len(cards) - LIST_BUTTONS))
    markup = buttons(
        [(card.code, CaseAction(action="card", code=card.code)) for card in cards[:LIST_BUTTONS]]
    )
    await message.answer("\n".join(lines), reply_markup=markup if cards else None)
    # The data-protection contact's consent requests, each with its own buttons (Read, Done,
    # Ask), so an alert scrolled away is never the only way back to one.
    requests = await consent.open_requests(member)
    if requests:
        await message.answer(consent_texts.open_requests(len(requests)))
    for request in requests[:LIST_REQUESTS]:
        await message.answer(
            consent_texts.open_request(request.code, request.deadline_at, config.zone),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
                    for row in consent_texts.staff_buttons(request.code)
                ]
            ),
        )
    if len(requests) > LIST_REQUESTS:
        await message.answer(say.more_cases(len(requests) - LIST_REQUESTS))


async def on_card(
    callback: CallbackQuery,
    bot: Bot,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
    config: OrganisationConfig,
) -> None:
    await answer_tap(callback)
    await send_card(bot, callback.from_user.id, member, case, casework, config)


async def on_legal_hold(
    callback: CallbackQuery,
    callback_data: CaseAction,
    bot: Bot,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
    holds: LegalHolds,
    config: OrganisationConfig,
) -> None:
    """Put the case on legal hold, or release it; then the card again, as it now is."""
    if not may_hold(member):
        raise SkipHandler  # never offered to them: answered like any stale button
    holding = callback_data.action == "hold"
    done = await (holds.hold if holding else holds.release)(member, case)
    if not done:
        await answer_tap(callback, say.hold_unchanged(case.code))
        return
    await answer_tap(callback, say.held(case.code) if holding else say.released(case.code))
    now = await casework.case_for(member, case.code)
    if now is not None:
        await send_card(bot, callback.from_user.id, member, now, casework, config)


async def on_write(
    callback: CallbackQuery,
    callback_data: CaseAction,
    bot: Bot,
    state: FSMContext,
    case: CaseSummary,
) -> None:
    """Reply or Note: the next text the member sends is it."""
    if not accepts_replies(case.status):
        await answer_tap(callback, say.not_now(case.code, case.status))
        return
    await answer_tap(callback)
    replying = callback_data.action == "reply"
    await state.set_state(CaseHandling.reply if replying else CaseHandling.note)
    await state.set_data({"case": case.code})
    await bot.send_message(callback.from_user.id, say.ask_reply() if replying else say.ask_note())


async def on_cancel_step(
    message: Message,
    bot: Bot,
    state: FSMContext,
    staff: StaffDesk,
    casework: CaseWork,
    config: OrganisationConfig,
) -> None:
    """/cancel while writing a reply or a note, or in a status step: nothing is sent or saved,
    and the member is back on the case card they started from."""
    code = str((await state.get_data()).get("case", ""))
    await state.clear()
    found = None
    if message.from_user is not None:
        found = await _member_and_case(message.from_user.id, code, staff, casework)
    await message.answer(say.step_cancelled())
    if isinstance(found, dict):
        await send_card(bot, message.chat.id, found["member"], found["case"], casework, config)


async def _typed_within(message: Message, limit: int) -> str | None:
    """What the member typed, if it fits; if not, they are told the limit (and stay on the
    step, to send a shorter one)."""
    if len(message.text or "") > limit:
        await message.answer(say.too_long(limit))
        return None
    return message.text or ""


async def _refused(message: Message, state: FSMContext, case: CaseSummary) -> None:
    """The case was closed while this was being typed: the service kept nothing."""
    await state.clear()
    await message.answer(say.not_now(case.code, CaseStatus.CLOSED))


async def on_reply_text(
    message: Message,
    state: FSMContext,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
) -> None:
    text = await _typed_within(message, MAX_REPLY_CHARACTERS)
    if text is None:
        return
    outcome = await casework.reply(member, case, text)
    if outcome.refused:
        await _refused(message, state, case)
        return
    await state.clear()
    await message.answer(
        say.reply_sent(case.code) if outcome.relayed else say.reply_kept(case.code)
    )


async def on_note_text(
    message: Message,
    state: FSMContext,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
) -> None:
    text = await _typed_within(message, MAX_NOTE_CHARACTERS)
    if text is None:
        return
    if not await casework.add_note(member, case, text):
        await _refused(message, state, case)
        return
    await state.clear()
    await message.answer(say.note_saved(case.code))


async def _may_take(callback: CallbackQuery, case: CaseSummary, step: CaseStatus) -> bool:
    """Whether the step can be taken now; if not, the tap is answered with why."""
    if case.acknowledged_by is None:
        await answer_tap(callback, say.acknowledge_first(case.code))
        return False
    if step not in next_steps(case.status):
        await answer_tap(callback, say.not_now(case.code, case.status))
        return False
    return True


async def on_assessing(
    callback: CallbackQuery,
    bot: Bot,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
    config: OrganisationConfig,
) -> None:
    if not await _may_take(callback, case, CaseStatus.ASSESSING):
        return
    moved = await casework.start_assessing(member, case)
    if not moved.done:
        await answer_tap(callback, say.not_now(case.code, case.status))
        return
    await answer_tap(callback, say.moved(case.code, moved.case.status))
    await send_card(bot, callback.from_user.id, member, moved.case, casework, config)


async def on_refer(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    case: CaseSummary,
    config: OrganisationConfig,
) -> None:
    if not await _may_take(callback, case, CaseStatus.REFERRED):
        return
    await answer_tap(callback)
    await state.set_state(CaseHandling.authority)
    await state.set_data({"case": case.code})
    await bot.send_message(
        callback.from_user.id, say.ask_authority(), reply_markup=authority_menu(case.code, config)
    )


async def _is_the_case_in_hand(state: FSMContext, case: CaseSummary) -> bool:
    return (await state.get_data()).get("case") == case.code


async def _ask_when(
    chat_id: int, bot: Bot, state: FSMContext, code: str, authority: str, example: str
) -> None:
    await state.set_state(CaseHandling.referred_when)
    await state.set_data({"case": code, "authority": authority})
    await bot.send_message(chat_id, say.ask_referred_when(example), reply_markup=when_menu(code))


async def on_authority_tap(
    callback: CallbackQuery,
    callback_data: ReferTo,
    bot: Bot,
    state: FSMContext,
    case: CaseSummary,
    casework: CaseWork,
    config: OrganisationConfig,
) -> None:
    known = config.referral_authorities
    if not await _is_the_case_in_hand(state, case) or not 0 <= callback_data.choice < len(known):
        raise SkipHandler  # a menu of another case, or the config changed since it was shown
    await answer_tap(callback)
    example = referral_time_example(casework.now(), config.zone)
    await _ask_when(
        callback.from_user.id, bot, state, case.code, known[callback_data.choice], example
    )


async def on_authority_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    case: CaseSummary,
    casework: CaseWork,
    config: OrganisationConfig,
) -> None:
    authority = " ".join((message.text or "").split())
    if len(authority) > MAX_AUTHORITY_CHARACTERS:
        await message.answer(say.too_long(MAX_AUTHORITY_CHARACTERS))
        return
    example = referral_time_example(casework.now(), config.zone)
    await _ask_when(message.chat.id, bot, state, case.code, authority, example)


async def on_referred_now(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
    config: OrganisationConfig,
) -> None:
    if not await _is_the_case_in_hand(state, case):
        raise SkipHandler  # a «Now» left over from another case's referral
    await answer_tap(callback)
    await _refer(callback.from_user.id, bot, state, member, case, casework, config, None)


async def on_referred_when_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
    config: OrganisationConfig,
) -> None:
    now = casework.now()
    moment = parse_referral_time(message.text or "", now, case.received_at, config.zone)
    if moment is None:
        example = referral_time_example(now, config.zone)
        await message.answer(say.when_not_understood(example), reply_markup=when_menu(case.code))
        return
    await _refer(message.chat.id, bot, state, member, case, casework, config, moment)


async def _refer(
    chat_id: int,
    bot: Bot,
    state: FSMContext,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
    config: OrganisationConfig,
    moment: datetime | None,
) -> None:
    authority = str((await state.get_data()).get("authority", ""))
    await state.clear()
    moved = await casework.refer(member, case, authority, moment or casework.now())
    if not moved.done:
        await bot.send_message(chat_id, say.not_now(case.code, case.status))
        return
    await send_card(bot, chat_id, member, moved.case, casework, config)


async def on_close(callback: CallbackQuery, bot: Bot, case: CaseSummary) -> None:
    if not await _may_take(callback, case, CaseStatus.CLOSED):
        return
    await answer_tap(callback)
    menu = buttons(
        [
            (say.close_reason_label(reason), CloseWith(code=case.code, reason=reason))
            for reason in CloseReason
        ]
    )
    await bot.send_message(callback.from_user.id, say.ask_close_reason(), reply_markup=menu)


async def on_close_reason(
    callback: CallbackQuery,
    callback_data: CloseWith,
    bot: Bot,
    state: FSMContext,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
    config: OrganisationConfig,
) -> None:
    reason = close_reason(callback_data.reason)
    if reason is None:
        raise SkipHandler
    if not await _may_take(callback, case, CaseStatus.CLOSED):
        return
    await answer_tap(callback)
    if reason == "other":
        await state.set_state(CaseHandling.close_note)
        await state.set_data({"case": case.code})
        await bot.send_message(callback.from_user.id, say.ask_close_note())
        return
    moved = await casework.close(member, case, reason, None)
    if not moved.done:
        await bot.send_message(callback.from_user.id, say.not_now(case.code, moved.case.status))
        return
    await send_card(bot, callback.from_user.id, member, moved.case, casework, config)


async def on_close_note_text(
    message: Message,
    state: FSMContext,
    bot: Bot,
    member: Member,
    case: CaseSummary,
    casework: CaseWork,
    config: OrganisationConfig,
) -> None:
    reason = await _typed_within(message, MAX_NOTE_CHARACTERS)
    if reason is None:
        return
    await state.clear()
    moved = await casework.close(member, case, CloseReason.OTHER, reason)
    if not moved.done:
        await message.answer(say.not_now(case.code, case.status))
        return
    await send_card(bot, message.chat.id, member, moved.case, casework, config)


async def on_not_text(message: Message) -> None:
    """A voice note, sticker or photo where staff must type: it is not taken, and they are told."""
    await message.answer(say.text_only())


def build_router() -> Router:
    router = Router(name="casework")
    typed = F.text & ~F.text.startswith("/")
    tapped, in_hand = TappedCase(), CaseInHand()
    router.message.register(on_cases, Command("cases"))
    for action, handler in (
        ("card", on_card),
        ("reply", on_write),
        ("note", on_write),
        ("assessing", on_assessing),
        ("referred", on_refer),
        ("closed", on_close),
        ("hold", on_legal_hold),
        ("release", on_legal_hold),
    ):
        router.callback_query.register(handler, CaseAction.filter(F.action == action), tapped)
    router.callback_query.register(
        on_authority_tap, ReferTo.filter(), CaseHandling.authority, tapped
    )
    router.callback_query.register(
        on_referred_now, ReferredNow.filter(), CaseHandling.referred_when, tapped
    )
    router.callback_query.register(on_close_reason, CloseWith.filter(), tapped)
    for state, on_text in (
        (CaseHandling.reply, on_reply_text),
        (CaseHandling.note, on_note_text),
        (CaseHandling.authority, on_authority_text),
        (CaseHandling.referred_when, on_referred_when_text),
        (CaseHandling.close_note, on_close_note_text),
    ):
        router.message.register(on_text, state, typed, in_hand)
    router.message.register(on_not_text, StateFilter(CaseHandling), ~F.text)
    return router
