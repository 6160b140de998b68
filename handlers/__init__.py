"""aiogram routers: parse an update, call a service, render the reply. Nothing else."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.clock import Clock
from handlers import (
    casework,
    casework_steps,
    commands,
    common,
    consent,
    enrolment,
    erase,
    officer,
    onboarding,
    prompts,
    reading,
    reporting,
    stats,
    status,
    steps,
    suspension,
)
from handlers.flows import StepViews, StepViewsMiddleware


def build_router(clock: Clock) -> Router:
    """A fresh router tree (a router can belong to one dispatcher only, so tests build many).

    `clock`: for the steps whose question depends on the time (the referral's example).
    """
    root = Router(name="safeperson")
    # Each router registers how its own steps are shown again; any handler may need that.
    views = StepViews()
    steps.register_step_views(views)
    casework_steps.register_step_views(views, clock)
    root.message.outer_middleware(StepViewsMiddleware(views))
    root.callback_query.outer_middleware(StepViewsMiddleware(views))
    # Reports are personal: the bot talks only in private chats and ignores groups entirely.
    root.message.filter(F.chat.type == ChatType.PRIVATE)
    root.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    root.include_routers(
        # Before the commands: an invitation link is a /start with a staff code.
        enrolment.build_router(views),
        # Commands first: /help and /cancel must work at every step, whatever the step expects.
        commands.build_router(),
        erase.build_router(),
        officer.build_router(),
        reading.build_router(views),
        casework.build_router(),
        suspension.build_router(),
        prompts.build_router(views),
        stats.build_router(),
        consent.build_router(views),
        status.build_router(views),
        onboarding.build_router(),
        reporting.build_router(views),
        # A staff command or button that no flow took, from a member whose access is paused:
        # that is all they are told. Here, not first: only what is left pays for the lookup.
        suspension.build_paused_router(),
        # Last: whatever no flow took gets a kind answer and the current step again.
        common.build_router(),
    )
    return root
