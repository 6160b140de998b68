"""Showing a consent step or its confirm screen (shared by the flow and by "show it again")."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.consent import SCOPES, scopes_from
from bot.settings import OrganisationConfig
from handlers import consent_texts as say
from handlers.chat import Chat
from handlers.keyboards import ConsentPick, ConsentSend, buttons

ConsentDraft = dict[str, Any]


def scopes_markup(draft: ConsentDraft) -> InlineKeyboardMarkup:
    chosen = scopes_from(draft.get("scopes"))
    rows = [
        (
            ("✓ " if scope in chosen else "") + say.scope_label(scope),
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
    step = draft["step"]
    if step == "who":
        return say.ask_who(), buttons(
            [(say.who_label(w), ConsentPick(step="who", value=w)) for w in ("parent", "child")]
        )
    if step == "scopes":
        return say.ask_scopes(), scopes_markup(draft)
    if step == "first_name":
        return say.ask_first_name(str(draft.get("requester"))), None
    if step == "activity":
        rows = [(a.name, ConsentPick(step="activity", value=a.code)) for a in config.activities]
        rows.append((say.all_activities(), ConsentPick(step="activity", value="any")))
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
    take_down = draft.get("take_down")
    await chat.bot.send_message(
        chat.chat_id,
        say.confirm(
            scopes_from(draft.get("scopes")),
            str(draft.get("first_name", "")),
            draft.get("activity"),
            bool(draft.get("erase")),
            take_down if isinstance(take_down, bool) else None,
            config,
        ),
        reply_markup=buttons(
            [
                (say.send(), ConsentSend(choice="send")),
                (say.delete_request(), ConsentSend(choice="delete")),
            ]
        ),
    )
