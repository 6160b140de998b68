"""Showing a consent step or its confirm screen (shared by the flow and by "show it again")."""

from __future__ import annotations

from typing import Final

from aiogram.types import InlineKeyboardMarkup

from bot.consent import SCOPES
from bot.drafts import ANY_ACTIVITY, REQUESTERS, ConsentDraft, consent_step_following
from bot.settings import OrganisationConfig
from handlers import consent_texts as say
from handlers.chat import Chat
from handlers.flows import DraftFlow
from handlers.keyboards import ConsentPick, ConsentSend, buttons
from handlers.states import ConsentFlow


def scopes_markup(draft: ConsentDraft) -> InlineKeyboardMarkup:
    rows = [
        (
            ("✓ " if scope in draft.scopes else "") + say.scope_label(scope),
            ConsentPick(step="scopes", value=scope),
        )
        for scope in SCOPES
    ]
    rows.append((say.all_of_them(), ConsentPick(step="scopes", value="all")))
    rows.append((say.next_label() + " ➡", ConsentPick(step="scopes", value="next")))
    return buttons(rows)


def step_screen(
    draft: ConsentDraft, config: OrganisationConfig
) -> tuple[str, InlineKeyboardMarkup | None]:
    step = draft.step
    if step == "who":
        return say.ask_who(), buttons(
            [(say.who_label(w), ConsentPick(step="who", value=w)) for w in REQUESTERS]
        )
    if step == "scopes":
        return say.ask_scopes(), scopes_markup(draft)
    if step == "first_name":
        return say.ask_first_name(str(draft.requester)), None
    if step == "activity":
        rows = [(a.name, ConsentPick(step="activity", value=a.code)) for a in config.activities]
        rows.append((say.all_activities(), ConsentPick(step="activity", value=ANY_ACTIVITY)))
        return say.ask_activity(), buttons(rows)
    question = say.ask_erase() if step == "erase" else say.ask_take_down()
    return question, buttons(
        [
            (say.yes(), ConsentPick(step=step, value="yes")),
            (say.no(), ConsentPick(step=step, value="no")),
        ]
    )


async def show_consent_step(chat: Chat, draft: ConsentDraft, config: OrganisationConfig) -> None:
    text, markup = step_screen(draft, config)
    await chat.bot.send_message(chat.chat_id, text, reply_markup=markup)


async def show_consent_confirm(chat: Chat, draft: ConsentDraft, config: OrganisationConfig) -> None:
    await chat.bot.send_message(
        chat.chat_id,
        say.confirm(
            draft.scopes,
            draft.first_name,
            draft.activity,
            draft.erase,
            draft.take_down,
            config,
        ),
        reply_markup=buttons(
            [
                (say.send(), ConsentSend(choice="send")),
                (say.delete_request(), ConsentSend(choice="delete")),
            ]
        ),
    )


CONSENT_FLOW: Final = DraftFlow[ConsentDraft](
    key="consent",
    answering=ConsentFlow.answering,
    confirming=ConsentFlow.confirming,
    read=ConsentDraft.from_data,
    step_after=lambda draft, config: consent_step_following(draft, bool(config.activities)),
    show_step=show_consent_step,
    show_confirm=show_consent_confirm,
)
