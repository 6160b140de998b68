"""Retention and legal hold with the clock moved by hand: what is deleted, when, and what the
audit log keeps (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Select, func, select

from bot.audit import AuditLog
from bot.case_model import CaseSummary, CloseReason, Urgency
from bot.clock import SystemRandom
from bot.consent import ConsentRequest
from bot.contexts import Label
from bot.intake import Report
from bot.retention import DELETED, HELD, RELEASED, RETENTION_ACTOR
from bot.server_keys import ServerKeys
from bot.services import Services, ServiceTexts, build_services, translations
from bot.settings import OrganisationConfig
from bot.staff import Member
from storage import migrate
from storage.audit import AuditRepository
from storage.cases import CaseRepository
from storage.db import Database
from storage.models import (
    CaseEntry,
    EntryKey,
    GuessCounter,
    OutboxMessage,
    ReportCase,
    StaffMember,
)

PASSPHRASE = "river lantern quiet seven"
CLOSED_CASES = timedelta(days=1095)
CONSENT_REQUESTS = timedelta(days=365)
START = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


class MovableClock:
    def __init__(self) -> None:
        self.moment = START

    def now(self) -> datetime:
        return self.moment


@dataclass(frozen=True)
class Leftovers:
    """What the database still holds of one case."""

    case_rows: int
    entries: int
    wrapped_keys: int
    outbox_rows: int
    # Wrong receipts tried against the case, counted under a keyed hash of its code.
    guess_counters: int

    @property
    def nothing(self) -> bool:
        return self == Leftovers(0, 0, 0, 0, 0)


@dataclass
class World:
    services: Services
    clock: MovableClock
    database: Database
    config: OrganisationConfig
    secret: bytes

    async def enrol(
        self, name: str, role: str, chat_id: int, activity: str | None = None
    ) -> Member:
        async with self.database.transaction():
            invitation = await self.services.staff.invite(name, role, activity)
            member = await self.services.staff.enrol(invitation.code, chat_id, PASSPHRASE)
        assert member is not None
        return Member.of(member)

    async def report(self, *, about_officer: bool = False) -> str:
        report = Report(
            audience="child",
            urgency=Urgency.URGENT,
            about_officer=about_officer,
            wants_reply=True,
            activity="summer_camp",
            category=None,
            answers={"safe_now": "yes", "first_name": "Ana"},
            messages=["canary-retention-5d1e"],
            voice_notes=[],
            reply_chat_id=987654321012,
            draft_id=os.urandom(8).hex(),
        )
        async with self.database.transaction():
            receipt = await self.services.desk.submit(report)
        assert receipt is not None
        return receipt.code

    async def consent_request(self) -> str:
        request = ConsentRequest(
            requester="parent",
            scopes=("photos",),
            first_name="Ana",
            activity=None,
            erase=True,
            take_down=True,
            reply_chat_id=555000111,
            draft_id=os.urandom(8).hex(),
        )
        async with self.database.transaction():
            receipt = await self.services.consent.submit(request)
        assert receipt is not None
        return receipt.code

    async def summary(self, code: str) -> CaseSummary:
        row = await CaseRepository(self.database).by_code(code)
        assert row is not None
        return CaseSummary.of(row)

    async def close(self, code: str, member: Member) -> None:
        async with self.database.transaction():
            assert await self.services.ladder.acknowledge(code, member) is not None
        async with self.database.transaction():
            closed = await self.services.casework.close(
                member, await self.summary(code), CloseReason.NO_CONCERN, None
            )
        assert closed.done

    async def finish_consent(self, code: str, member: Member) -> None:
        async with self.database.transaction():
            assert await self.services.consent.done(member, await self.summary(code))

    async def sweep_after(self, elapsed: timedelta) -> int:
        self.clock.moment = START + elapsed
        return await self.services.retention.sweep()

    async def case_id(self, code: str) -> int:
        return (await self.summary(code)).id

    async def leftovers(self, case_id: int, code: str = "") -> Leftovers:
        subject = self.services.keys.key_id(Label.GUESSES_CASE, code)
        async with self.database.transaction() as session:

            async def count(query: Select[int]) -> int:
                return int((await session.execute(query)).scalar_one())

            entries = select(CaseEntry.id).where(CaseEntry.case_id == case_id)
            return Leftovers(
                case_rows=await count(
                    select(func.count()).select_from(ReportCase).where(ReportCase.id == case_id)
                ),
                entries=await count(
                    select(func.count()).select_from(CaseEntry).where(CaseEntry.case_id == case_id)
                ),
                wrapped_keys=await count(
                    select(func.count()).select_from(EntryKey).where(EntryKey.entry_id.in_(entries))
                ),
                outbox_rows=await count(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.case_id == case_id)
                ),
                guess_counters=await count(
                    select(func.count())
                    .select_from(GuessCounter)
                    .where(GuessCounter.subject == subject)
                ),
            )

    async def audit_of(self, code: str) -> list[tuple[str, str]]:
        events = await AuditRepository(self.database).all_events()
        return [(e.actor, e.action) for e in events if e.case_code == code]

    async def audit_intact(self) -> bool:
        log = AuditLog(
            AuditRepository(self.database), ServerKeys(self.secret, SystemRandom()), self.clock
        )
        return (await log.verify()).intact


def build_world(database: Database, secret: bytes, clock: MovableClock) -> World:
    random = SystemRandom()
    config = OrganisationConfig.model_validate(
        {
            "organisation": {"name": "Test", "country": "RO"},
            "activities": [{"code": "summer_camp", "name": "Summer camp"}],
            "retention": {"closed_cases": "1095d", "consent_requests": "365d"},
        }
    )
    texts = ServiceTexts.from_i18n(translations(config), config)
    services = build_services(database, config, ServerKeys(secret, random), clock, random, texts)
    return World(services, clock, database, config, secret)


@pytest.fixture
async def world(database_url: str, secret: bytes) -> AsyncIterator[World]:
    database = Database(database_url)
    await migrate.upgrade(database)
    yield build_world(database, secret, MovableClock())
    await database.dispose()


async def test_a_closed_case_is_kept_until_retention_passes_then_nothing_of_it_is_left(
    world: World,
) -> None:
    officer = await world.enrol("Maria", "officer", 101)
    code = await world.report()
    case_id = await world.case_id(code)
    await world.close(code, officer)
    async with world.database.transaction():
        assert await world.services.desk.open_for_reporter("someone", code, "WRONG-WORD") is None
    kept = await world.leftovers(case_id, code)
    # Its report, sealed for the officer, the alerts about it and the wrong guess are there.
    assert kept.case_rows == 1
    assert kept.entries >= 1
    assert kept.wrapped_keys >= 1
    assert kept.outbox_rows >= 1
    assert kept.guess_counters == 1

    # A day short of three years after closing: kept.
    assert await world.sweep_after(CLOSED_CASES - timedelta(days=1)) == 0
    assert await world.leftovers(case_id, code) == kept

    assert await world.sweep_after(CLOSED_CASES + timedelta(minutes=1)) == 1
    assert (await world.leftovers(case_id, code)).nothing
    # The audit log keeps that the case existed and when it was deleted, and still checks out.
    events = await world.audit_of(code)
    assert events[0] == ("reporter", "case submitted")
    assert events[-1] == (RETENTION_ACTOR, DELETED)
    assert await world.audit_intact()
    # A second sweep finds nothing more to do.
    assert await world.sweep_after(CLOSED_CASES + timedelta(days=1)) == 0
    assert (await world.audit_of(code)).count((RETENTION_ACTOR, DELETED)) == 1


async def test_an_open_case_is_never_deleted_however_old(world: World) -> None:
    officer = await world.enrol("Maria", "officer", 101)
    waiting = await world.report()
    acknowledged = await world.report()
    async with world.database.transaction():
        assert await world.services.ladder.acknowledge(acknowledged, officer) is not None
    assert await world.sweep_after(timedelta(days=20 * 365)) == 0
    for code in (waiting, acknowledged):
        assert (await world.leftovers(await world.case_id(code))).case_rows == 1
        assert (RETENTION_ACTOR, DELETED) not in await world.audit_of(code)


async def test_a_case_on_legal_hold_survives_and_goes_on_the_next_sweep_after_release(
    world: World,
) -> None:
    officer = await world.enrol("Maria", "officer", 101)
    board = await world.enrol("Elena", "board", 102)
    code = await world.report()
    other = await world.report()
    case_id = await world.case_id(code)
    await world.close(code, officer)
    await world.close(other, officer)
    assert await world.services.holds.hold(officer, await world.summary(code))
    # Held already: a second hold changes nothing, and is not audited twice.
    assert not await world.services.holds.hold(board, await world.summary(code))
    assert (await world.summary(code)).legal_hold_at == START

    assert await world.sweep_after(CLOSED_CASES * 3) == 1  # the other case only
    assert (await world.leftovers(case_id)).case_rows == 1
    assert (await world.leftovers(await world.case_id(code))).entries >= 1

    assert await world.services.holds.release(board, await world.summary(code))
    assert not await world.services.holds.release(board, await world.summary(code))
    assert await world.sweep_after(CLOSED_CASES * 3 + timedelta(minutes=10)) == 1
    assert (await world.leftovers(case_id)).nothing
    events = await world.audit_of(code)
    assert events[-3:] == [
        (f"staff:{officer.id}", HELD),
        (f"staff:{board.id}", RELEASED),
        (RETENTION_ACTOR, DELETED),
    ]
    assert await world.audit_intact()


async def test_a_safe_person_reads_the_case_but_cannot_hold_it(world: World) -> None:
    officer = await world.enrol("Maria", "officer", 101)
    listener = await world.enrol("Ioana", "safe_person", 103, activity="summer_camp")
    code = await world.report()
    assert listener.id in await CaseRepository(world.database).readers_of(await world.case_id(code))
    await world.close(code, officer)
    assert not await world.services.holds.hold(listener, await world.summary(code))
    assert (await world.summary(code)).legal_hold_at is None
    assert (f"staff:{listener.id}", HELD) not in await world.audit_of(code)
    assert await world.sweep_after(CLOSED_CASES + timedelta(days=1)) == 1


async def test_a_case_about_the_officer_is_held_by_the_board_not_the_officer(
    world: World,
) -> None:
    officer = await world.enrol("Maria", "officer", 101)
    deputy = await world.enrol("Andrei", "deputy", 105)
    board = await world.enrol("Elena", "board", 102)
    code = await world.report(about_officer=True)
    assert not await world.services.holds.hold(officer, await world.summary(code))
    assert await world.services.holds.hold(board, await world.summary(code))
    assert not await world.services.holds.release(officer, await world.summary(code))
    assert await world.services.holds.release(deputy, await world.summary(code))
    assert [event for event in await world.audit_of(code) if "hold" in event[1]] == [
        (f"staff:{board.id}", HELD),
        (f"staff:{deputy.id}", RELEASED),
    ]


async def test_a_done_consent_request_goes_after_its_own_retention_an_open_one_never(
    world: World,
) -> None:
    dpo = await world.enrol("Irina", "dpo", 104)
    done = await world.consent_request()
    waiting = await world.consent_request()
    done_id = await world.case_id(done)
    await world.finish_consent(done, dpo)
    assert (await world.leftovers(done_id)).outbox_rows >= 2  # the alert and the "done" reply

    assert await world.sweep_after(CONSENT_REQUESTS - timedelta(hours=1)) == 0
    assert (await world.leftovers(done_id)).case_rows == 1
    assert await world.sweep_after(CONSENT_REQUESTS + timedelta(hours=1)) == 1
    assert (await world.leftovers(done_id)).nothing
    assert (await world.audit_of(done))[-1] == (RETENTION_ACTOR, DELETED)
    assert await world.sweep_after(CONSENT_REQUESTS * 20) == 0
    assert (await world.leftovers(await world.case_id(waiting))).case_rows == 1


async def test_two_instances_sweeping_at_once_delete_each_case_once(
    world: World, database_url: str, secret: bytes
) -> None:
    officer = await world.enrol("Maria", "officer", 101)
    codes = [await world.report() for _ in range(6)]
    for code in codes:
        await world.close(code, officer)
    second_database = Database(database_url)
    try:
        second = build_world(second_database, secret, world.clock)
        world.clock.moment = START + CLOSED_CASES * 2
        deleted = await asyncio.gather(
            world.services.retention.sweep(), second.services.retention.sweep()
        )
    finally:
        await second_database.dispose()
    assert sum(deleted) == len(codes)
    for code in codes:
        assert (await world.audit_of(code)).count((RETENTION_ACTOR, DELETED)) == 1
    assert await world.audit_intact()


def test_by_default_closed_cases_are_kept_three_years_and_consent_requests_one() -> None:
    default = OrganisationConfig.model_validate({"organisation": {"name": "T", "country": "AL"}})
    assert default.retention.closed_cases == CLOSED_CASES
    assert default.retention.consent_requests == CONSENT_REQUESTS


async def test_staff_members_stay_when_their_cases_go(world: World) -> None:
    officer = await world.enrol("Maria", "officer", 101)
    code = await world.report()
    await world.close(code, officer)
    assert await world.sweep_after(CLOSED_CASES * 2) == 1
    async with world.database.transaction() as session:
        assert await session.get(StaffMember, officer.id) is not None
