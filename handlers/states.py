"""Conversation steps. Their names are stored (sealed), so renaming one needs a migration."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Onboarding(StatesGroup):
    language = State()
    audience = State()


class Reporting(StatesGroup):
    answering = State()
    confirming = State()


class Enrolment(StatesGroup):
    language = State()
    passphrase = State()
    again = State()


class Unlocking(StatesGroup):
    passphrase = State()


class StatusCheck(StatesGroup):
    code = State()
    secret = State()
    viewing = State()
    adding = State()


class CaseHandling(StatesGroup):
    reply = State()
    note = State()
    authority = State()
    referred_when = State()
    close_note = State()


class ConsentFlow(StatesGroup):
    answering = State()
    confirming = State()


class ConsentHandling(StatesGroup):
    question = State()


class VoicePromptSteps(StatesGroup):
    # Waiting for the voice note of one message in one language (both in the state's data).
    recording = State()
