"""Conversation steps. Their names are stored (sealed), so renaming one needs a migration."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Onboarding(StatesGroup):
    language = State()
    audience = State()


class ChildReport(StatesGroup):
    intro = State()


class ParentReport(StatesGroup):
    intro = State()


class StaffReport(StatesGroup):
    intro = State()


class OtherReport(StatesGroup):
    intro = State()
