"""Voice prompts: recorded, replaced and deleted per language and message, sealed at rest; the
🔊 button goes only where a message has a recording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n
from sqlalchemy import select

from bot.catalogs import LOCALES_DIR
from bot.clock import SystemRandom
from bot.server_keys import SealedDataError, ServerKeys
from bot.settings import OrganisationConfig
from bot.staff import Member
from bot.voice_prompts import NotAllowedToRecordError, PromptKey, VoicePrompts, prompt_key
from handlers.prompt_buttons import PlayPrompt, with_play_button
from handlers.prompt_texts import PROMPT_TEXTS, prompt_text
from storage.cases import StaffRepository
from storage.db import Database
from storage.models import VoicePrompt
from storage.vocabulary import StaffRole, StaffStatus
from storage.voice_prompts import VoicePromptRepository

TAKE_ONE = b"OggS first take"
TAKE_TWO = b"OggS second take"


class SteppingClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


async def member(database: Database, role: StaffRole) -> Member:
    row = await StaffRepository(database).add(
        name=f"Maria {role}",
        role=role,
        activity=None,
        status=StaffStatus.ACTIVE,
        public_key=None,
        pseudonym=None,
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )
    return Member.of(row)


def service(database: Database, secret: bytes) -> VoicePrompts:
    keys = ServerKeys(secret, SystemRandom())
    return VoicePrompts(VoicePromptRepository(database), keys, SteppingClock())


async def test_a_recording_is_kept_per_language_replaced_and_deleted(
    database_url: str, secret: bytes
) -> None:
    database = Database(database_url)
    try:
        prompts = service(database, secret)
        officer = await member(database, StaffRole.OFFICER)
        deputy = await member(database, StaffRole.DEPUTY)

        assert await prompts.record(officer, "rom", PromptKey.SAFE_NOW, TAKE_ONE) is False
        assert await prompts.recorded_keys("rom") == {PromptKey.SAFE_NOW}
        assert await prompts.recorded_keys("en") == frozenset()
        assert await prompts.play("rom", PromptKey.SAFE_NOW) == TAKE_ONE
        assert await prompts.play("en", PromptKey.SAFE_NOW) is None
        assert await prompts.play("rom", PromptKey.WELCOME) is None

        # A deputy's better take replaces the officer's: one row, the new bytes, the new author.
        assert await prompts.record(deputy, "rom", PromptKey.SAFE_NOW, TAKE_TWO) is True
        assert await prompts.play("rom", PromptKey.SAFE_NOW) == TAKE_TWO
        async with database.transaction() as session:
            rows = (await session.scalars(select(VoicePrompt))).all()
            assert [(r.language, r.prompt_key, r.recorded_by) for r in rows] == [
                ("rom", "safe_now", deputy.id)
            ]
            # Sealed at rest: the recording's bytes are not in the row.
            assert TAKE_TWO not in rows[0].sealed

        await prompts.record(officer, "ro", PromptKey.SAFE_NOW, TAKE_ONE)
        assert await prompts.delete(officer, "rom", PromptKey.SAFE_NOW) is True
        assert await prompts.delete(officer, "rom", PromptKey.SAFE_NOW) is False
        assert await prompts.recorded_keys("rom") == frozenset()
        assert await prompts.play("rom", PromptKey.SAFE_NOW) is None
        # Another language's recording of the same message is untouched.
        assert await prompts.play("ro", PromptKey.SAFE_NOW) == TAKE_ONE
    finally:
        await database.dispose()


async def test_only_the_officer_and_deputies_record_or_delete(
    sqlite_url: str, secret: bytes
) -> None:
    database = Database(sqlite_url)
    try:
        prompts = service(database, secret)
        for role in (StaffRole.BOARD, StaffRole.DPO, StaffRole.SAFE_PERSON):
            someone = await member(database, role)
            with pytest.raises(NotAllowedToRecordError):
                await prompts.record(someone, "rom", PromptKey.WELCOME, TAKE_ONE)
            with pytest.raises(NotAllowedToRecordError):
                await prompts.delete(someone, "rom", PromptKey.WELCOME)
        assert await prompts.recorded_keys("rom") == frozenset()
    finally:
        await database.dispose()


async def test_a_recording_does_not_open_as_another_message_or_language(
    sqlite_url: str, secret: bytes
) -> None:
    database = Database(sqlite_url)
    try:
        prompts = service(database, secret)
        officer = await member(database, StaffRole.OFFICER)
        await prompts.record(officer, "rom", PromptKey.WELCOME, TAKE_ONE)
        repository = VoicePromptRepository(database)
        sealed = await repository.sealed("rom", PromptKey.WELCOME)
        assert sealed is not None
        # Moved onto another message's row, it no longer opens.
        await repository.put("rom", PromptKey.STORY, sealed, SteppingClock().now(), officer.id)
        with pytest.raises(SealedDataError):
            await prompts.play("rom", PromptKey.STORY)
    finally:
        await database.dispose()


def test_every_prompt_key_has_its_text_and_a_known_value() -> None:
    assert set(PROMPT_TEXTS) == set(PromptKey)
    assert prompt_key("safe_now") is PromptKey.SAFE_NOW
    assert prompt_key("no longer a prompt") is None


def test_the_text_shown_to_staff_is_the_childs_own_in_that_language() -> None:
    config = OrganisationConfig.model_validate(
        {"organisation": {"name": "Împreună", "country": "RO"}}
    )
    i18n = I18n(path=LOCALES_DIR, default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale("rom"):
        assert prompt_text(PromptKey.SAFE_NOW, config) == "San ando arakhipe akana?"
        assert "116 111" in prompt_text(PromptKey.HELP_NUMBERS, config)
    with i18n.context(), i18n.use_locale("en"):
        assert prompt_text(PromptKey.WHO_ARE_YOU, config) == "Who are you?"


def test_the_play_button_comes_first_and_only_once() -> None:
    answer = InlineKeyboardButton(text="Yes", callback_data="ans:safe_now:yes")
    markup = with_play_button(
        InlineKeyboardMarkup(inline_keyboard=[[answer]]), "rom", PromptKey.SAFE_NOW
    )
    assert markup is not None
    play = markup.inline_keyboard[0][0]
    assert play.text == "🔊"
    assert play.callback_data == PlayPrompt(lang="rom", key="safe_now").pack()
    assert markup.inline_keyboard[1] == [answer]
    # Sent again (the outbox resending what was collected): no second button.
    assert with_play_button(markup, "rom", PromptKey.SAFE_NOW) is None
    # A message with no keyboard gets one; a reply keyboard cannot take an inline button.
    alone = with_play_button(None, "rom", PromptKey.WELCOME)
    assert alone is not None
    assert [[b.text for b in row] for row in alone.inline_keyboard] == [["🔊"]]
    assert with_play_button(ReplyKeyboardRemove(), "rom", PromptKey.WELCOME) is None
