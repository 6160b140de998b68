"""Consent requests without Telegram: who they are sealed for, one per submit, reminders and the
breach alert, the export, and wrong references (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.case_desk import CaseDesk
from bot.case_model import CaseSummary
from bot.clock import SystemRandom
from bot.consent import (
    ConsentDesk,
    ConsentRequest,
    consent_step_after,
    first_name_from,
    scopes_from,
)
from bot.intake import NoReadersError
from bot.reporter_view import TooManyGuesses
from bot.server_keys import ServerKeys
from bot.services import ServiceTexts, build_services, translations
from bot.settings import OrganisationConfig
from bot.staff import Member, StaffDesk
from storage import migrate
from storage.cases import CaseRepository
from storage.db import Database
from storage.models import OutboxMessage, StaffMember

PASSPHRASE = "river lantern quiet seven"
PARENT_CHAT = 555000111


class MovableClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


class PlainWords:
    """Renders each message as its kind and code, so a test can tell them apart."""

    def new_request(
        self, code: str, requester: str, activity: str | None, deadline: datetime, language: str
    ) -> tuple[str, list[list[tuple[str, str]]]]:
        return f"new|{code}|{deadline:%Y-%m-%d}", []

    def reminder(
        self, code: str, deadline: datetime, language: str
    ) -> tuple[str, list[list[tuple[str, str]]]]:
        return f"reminder|{code}", []

    def breach(self, code: str, deadline: datetime, language: str) -> str:
        return f"breach|{code}"

    def question(
        self, code: str, text: str, language: str
    ) -> tuple[str, list[list[tuple[str, str]]]]:
        return f"question|{code}|{text}", []

    def done(self, code: str, language: str) -> str:
        return f"done|{code}"

    def answered(self, code: str, language: str) -> tuple[str, list[list[tuple[str, str]]]]:
        return f"answered|{code}", []


@dataclass
class World:
    consent: ConsentDesk
    cases: CaseDesk
    staff: StaffDesk
    clock: MovableClock
    database: Database
    keys: ServerKeys

    async def enrol(self, name: str, role: str, chat_id: int) -> StaffMember:
        async with self.database.transaction():
            invitation = await self.staff.invite(name, role, None)
            member = await self.staff.enrol(invitation.code, chat_id, PASSPHRASE)
        assert member is not None
        return member

    async def messages(self) -> list[tuple[int, str]]:
        """What the outbox holds for sending, opened as the sender opens it."""
        async with self.database.transaction() as session:
            query = OutboxMessage.__table__.select().order_by(OutboxMessage.id)
            rows = (await session.execute(query)).all()
        opened = []
        for row in rows:
            context = f"outbox|{row.dedupe_key}".encode()
            chat_id = int(self.keys.open(row.route, context + b"|route"))
            opened.append(
                (chat_id, json.loads(self.keys.open(row.payload, context + b"|payload"))["text"])
            )
        return opened

    async def submit(self, request: ConsentRequest) -> str:
        async with self.database.transaction():
            receipt = await self.consent.submit(request)
        assert receipt is not None
        return receipt.code


@pytest.fixture
async def world(database_url: str, secret: bytes) -> AsyncIterator[World]:
    database = Database(database_url)
    await migrate.upgrade(database)
    clock = MovableClock()
    random = SystemRandom()
    keys = ServerKeys(secret, random)
    config = OrganisationConfig.model_validate(
        {
            "organisation": {"name": "Test", "country": "RO"},
            "activities": [
                {"code": "summer_camp", "name": "Summer camp"},
                {"code": "football", "name": "Football"},
            ],
        }
    )
    # The consent desk's words as plain tags, so a test can tell its messages apart.
    texts = replace(ServiceTexts.from_i18n(translations(config), config), consent=PlainWords())
    services = build_services(database, config, keys, clock, random, texts)
    yield World(services.consent, services.desk, services.staff, clock, database, services.keys)
    await database.dispose()


def withdrawal(**overrides: object) -> ConsentRequest:
    values: dict[str, object] = {
        "requester": "parent",
        "scopes": ("photos", "videos"),
        "first_name": "Ana",
        "activity": "summer_camp",
        "erase": True,
        "take_down": True,
        "reply_chat_id": PARENT_CHAT,
        "draft_id": "draft-1",
    }
    values.update(overrides)
    return ConsentRequest(**values)  # type: ignore[arg-type]


async def test_a_request_is_sealed_for_the_data_protection_contact_and_alerts_only_them(
    world: World,
) -> None:
    dpo = await world.enrol("Irina", "dpo", 101)
    officer = await world.enrol("Maria", "officer", 102)
    code = await world.submit(withdrawal())
    readers = await CaseRepository(world.database).readers_of(
        (await CaseRepository(world.database).by_code(code)).id  # type: ignore[union-attr]
    )
    assert readers == {dpo.id}
    assert officer.id not in readers
    assert await world.messages() == [(101, f"new|{code}|2026-12-21")]


async def test_without_a_data_protection_contact_the_officer_gets_it(world: World) -> None:
    officer = await world.enrol("Maria", "officer", 102)
    await world.enrol("Elena", "board", 103)
    code = await world.submit(withdrawal())
    case = await CaseRepository(world.database).by_code(code)
    assert case is not None
    assert await CaseRepository(world.database).readers_of(case.id) == {officer.id}


async def test_with_nobody_enrolled_a_request_cannot_be_sealed(world: World) -> None:
    with pytest.raises(NoReadersError):
        await world.submit(withdrawal())


async def test_a_double_submit_makes_one_request(world: World) -> None:
    await world.enrol("Irina", "dpo", 101)
    await world.submit(withdrawal(draft_id="same"))
    async with world.database.transaction():
        assert await world.consent.submit(withdrawal(draft_id="same")) is None
    assert len(await world.messages()) == 1


async def test_reminders_before_the_deadline_and_the_board_at_it_until_done(
    world: World,
) -> None:
    dpo = await world.enrol("Irina", "dpo", 101)
    await world.enrol("Elena", "board", 103)
    code = await world.submit(withdrawal())
    start = world.clock.moment

    async def sweep(after: timedelta) -> list[tuple[int, str]]:
        world.clock.moment = start + after
        before = await world.messages()
        async with world.database.transaction():
            await world.consent.remind_deadlines()
        return (await world.messages())[len(before) :]

    assert await sweep(timedelta(days=20)) == []
    assert await sweep(timedelta(days=23, hours=1)) == [(101, f"reminder|{code}")]
    assert await sweep(timedelta(days=23, hours=2)) == []  # once per person and reminder
    # A bot that was down for the first reminder sends only the latest one.
    assert await sweep(timedelta(days=29, hours=1)) == [(101, f"reminder|{code}")]
    breach = await sweep(timedelta(days=30, minutes=1))
    assert sorted(breach) == [(101, f"breach|{code}"), (103, f"breach|{code}")]

    row = await CaseRepository(world.database).by_code(code)
    assert row is not None
    case = CaseSummary.of(row)
    async with world.database.transaction():
        assert await world.consent.done(Member.of(dpo), case)
        assert not await world.consent.done(Member.of(dpo), case)  # a second tap changes nothing
    assert (PARENT_CHAT, f"done|{code}") in await world.messages()
    assert await sweep(timedelta(days=31)) == []


async def test_the_export_lists_the_activity_and_every_activity_opened_with_a_key(
    world: World,
) -> None:
    dpo = await world.enrol("Irina", "dpo", 101)
    camp = await world.submit(withdrawal(first_name="Ana", draft_id="a"))
    everywhere = await world.submit(
        withdrawal(first_name="Bogdan", activity=None, scopes=("data",), draft_id="b")
    )
    await world.submit(withdrawal(first_name="Cezar", activity="football", draft_id="c"))
    key = await world.staff.unlock(dpo, PASSPHRASE)
    async with world.database.transaction():
        export = await world.consent.export("summer_camp", Member.of(dpo), key)
    assert [(w.code, w.first_name, w.scopes) for w in export.withdrawals] == [
        (camp, "Ana", ("photos", "videos")),
        (everywhere, "Bogdan", ("data",)),
    ]
    assert export.withdrawals[0].take_down
    assert export.not_for_this_reader == 0

    # A data-protection contact enrolled later cannot open the earlier requests.
    later = await world.enrol("Radu", "dpo", 104)
    later_key = await world.staff.unlock(later, PASSPHRASE)
    async with world.database.transaction():
        export = await world.consent.export("summer_camp", Member.of(later), later_key)
    assert export.withdrawals == ()
    assert export.not_for_this_reader == 2


async def test_wrong_references_are_rate_limited_like_receipts(world: World) -> None:
    await world.enrol("Irina", "dpo", 101)
    code = await world.submit(withdrawal())
    for _ in range(5):
        async with world.database.transaction():
            assert await world.cases.open_for_reporter("parent", code, "WRONG-WORD") is None
    async with world.database.transaction():
        assert isinstance(
            await world.cases.open_for_reporter("parent", code, "WRONG-WORD"), TooManyGuesses
        )


def test_the_questions_come_one_at_a_time_and_only_when_they_apply() -> None:
    order = []
    step = None
    while (step := consent_step_after(step, ("data",), has_activities=False)) is not None:
        order.append(step)
    assert order == ["who", "scopes", "first_name", "erase"]  # no activity list, no photos
    assert consent_step_after("erase", ("photos",), has_activities=True) == "take_down"
    assert consent_step_after("first_name", ("photos",), has_activities=True) == "activity"


def test_a_first_name_is_a_name_and_the_scopes_are_known_ones() -> None:
    assert first_name_from("  Ana   Maria ") == "Ana Maria"
    assert first_name_from("") is None
    assert first_name_from("x" * 41) is None
    assert first_name_from("https://example.org/a") is None
    assert scopes_from(["videos", "photos", "everything"]) == ("photos", "videos")
    assert scopes_from("photos") == ()
