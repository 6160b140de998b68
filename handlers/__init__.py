"""aiogram routers: parse an update, call a service, render the reply. Nothing else."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from handlers import (
    casework,
    commands,
    common,
    consent,
    enrolment,
    erase,
    officer,
    onboarding,
    reading,
    reporting,
    status,
)


def build_router() -> Router:
    """A fresh router tree (a router can belong to one dispatcher only, so tests build many)."""
    root = Router(name="safeperson")
    # Reports are personal: the bot talks only in private chats and ignores groups entirely.
    root.message.filter(F.chat.type == ChatType.PRIVATE)
    root.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    root.include_routers(
        # Before the commands: an invitation link is a /start with a staff code.
        enrolment.build_router(),
        # Commands first: /help and /cancel must work at every step, whatever the step expects.
        commands.build_router(),
        erase.build_router(),
        officer.build_router(),
        reading.build_router(),
        casework.build_router(),
        consent.build_router(),
        status.build_router(),
        onboarding.build_router(),
        reporting.build_router(),
        # Last: whatever no flow took gets a kind answer and the current step again.
        common.build_router(),
    )
    return root
