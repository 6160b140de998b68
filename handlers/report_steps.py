"""Showing a reporting step or the confirm screen (shared by the flow and by "show it again")."""

from __future__ import annotations

from typing import Final

from aiogram.types import InlineKeyboardMarkup

from bot.audience import Audience
from bot.drafts import ReportDraft, report_step_after
from bot.reporting import Step, find_step
from bot.settings import OrganisationConfig
from handlers import report_texts as say
from handlers.chat import Chat
from handlers.flows import DraftFlow
from handlers.keyboards import Answer, Confirm, buttons
from handlers.states import Reporting


def choice_values(step: Step, config: OrganisationConfig) -> tuple[str, ...]:
    if step.key == "where":
        return (*(a.code for a in config.activities), "elsewhere")
    return step.values


def choice_label(audience: Audience, step: Step, value: str, config: OrganisationConfig) -> str:
    if step.key == "where" and value != "elsewhere":
        activity = config.activity(value)
        return activity.name if activity else value
    return say.option(audience, step.key, value)


def step_markup(
    audience: Audience, step: Step, config: OrganisationConfig
) -> InlineKeyboardMarkup | None:
    if step.kind == "choice":
        return buttons(
            [
                (choice_label(audience, step, v, config), Answer(step=step.key, value=v))
                for v in choice_values(step, config)
            ]
        )
    if step.kind == "telling":
        return buttons([(say.that_is_all(), Answer(step=step.key, value="done"))])
    if step.skippable:
        return buttons([(say.skip(), Answer(step=step.key, value="skip"))])
    return None


async def show_report_step(chat: Chat, draft: ReportDraft, config: OrganisationConfig) -> None:
    step = find_step(draft.audience, draft.step)
    if step is None:
        return
    await chat.bot.send_message(
        chat.chat_id,
        say.question(draft.audience, step.key),
        reply_markup=step_markup(draft.audience, step, config),
    )


async def show_confirm(chat: Chat, draft: ReportDraft, config: OrganisationConfig) -> None:
    await chat.bot.send_message(
        chat.chat_id,
        say.confirm(draft.audience, len(draft.messages), len(draft.voices)),
        reply_markup=buttons(
            [(say.send(), Confirm(choice="send")), (say.delete_draft(), Confirm(choice="delete"))]
        ),
    )


REPORT_FLOW: Final = DraftFlow[ReportDraft](
    key="draft",
    answering=Reporting.answering,
    confirming=Reporting.confirming,
    read=ReportDraft.from_data,
    step_after=lambda draft, _config: report_step_after(draft),
    show_step=show_report_step,
    show_confirm=show_confirm,
)
