"""The case desk: reports are sealed for the right readers only, and receipts guard them."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.case_desk import CaseDesk
from bot.clock import SystemRandom
from bot.contexts import report_context, reporter_key_context
from bot.crypto import (
    RECEIPT_COST,
    Argon2Cost,
    ReaderKeyPair,
    SecretHasher,
    generate_reader_keys,
    lock_private_key,
    open_entry,
)
from bot.intake import NoReadersError, Report
from bot.receipts import CASE_GUESSES, CASE_WINDOW, PERSON_GUESSES, PERSON_WINDOW, receipt_token
from bot.reporter_view import CaseView, TooManyGuesses
from bot.server_keys import ServerKeys
from storage import migrate
from storage.cases import CaseRepository, GuessCounters, StaffRepository
from storage.db import Database
from storage.vocabulary import StaffRole, StaffStatus

CANARY = "canary-he-hits-me-4e7b1d"
VOICE = b"OggS" + b"canary-voice-9f2c" * 50
CHAT_ID = 987654321012


class MovableClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


@dataclass
class Desk:
    desk: CaseDesk
    cases: CaseRepository
    staff: StaffRepository
    clock: MovableClock
    database: Database
    keys: dict[str, tuple[int, ReaderKeyPair]]


@pytest.fixture
async def desk(database_url: str, secret: bytes) -> AsyncIterator[Desk]:
    database = Database(database_url)
    await migrate.upgrade(database)
    clock = MovableClock()
    random = SystemRandom()
    cases, staff = CaseRepository(database), StaffRepository(database)
    keys: dict[str, tuple[int, ReaderKeyPair]] = {}
    for name, role, activity in [
        ("officer", "officer", None),
        ("deputy", "deputy", None),
        ("board", "board", None),
        ("camp", "safe_person", "summer_camp"),
        ("club", "safe_person", "football"),
    ]:
        pair = generate_reader_keys()
        member = await staff.add(
            name=name,
            role=StaffRole(role),
            activity=activity,
            status=StaffStatus.ACTIVE,
            public_key=pair.public_key,
            pseudonym=None,
            now=clock.now(),
        )
        keys[name] = (member.id, pair)
    service = CaseDesk(
        cases,
        staff,
        GuessCounters(database),
        ServerKeys(secret, random),
        SecretHasher(random),
        clock,
        random,
        timedelta(hours=24),
    )
    yield Desk(service, cases, staff, clock, database, keys)
    await database.dispose()


def child_report(**overrides: object) -> Report:
    fields: dict[str, object] = {
        "audience": "child",
        "urgency": "urgent",
        "about_officer": False,
        "wants_reply": True,
        "activity": "summer_camp",
        "category": None,
        "answers": {"safe_now": "yes", "first_name": "Ana"},
        "messages": [CANARY],
        "voice_notes": [VOICE],
        "reply_chat_id": CHAT_ID,
        "draft_id": os.urandom(8).hex(),
    }
    fields.update(overrides)
    return Report(**fields)  # type: ignore[arg-type]


async def read_as(desk: Desk, who: str, code: str) -> list[bytes]:
    reader_id, pair = desk.keys[who]
    case = await desk.cases.by_code(code)
    assert case is not None
    opened = []
    for stored in await desk.cases.entries(case.id):
        entry = stored.entry
        opened.append(
            open_entry(
                suite=entry.suite,
                version=entry.format_version,
                nonce=entry.nonce,
                ciphertext=entry.ciphertext,
                wrapped_key=stored.wrapped_keys[reader_id],
                private_key=pair.private_key,
                context=report_context(code, entry.token),
            )
        )
    return opened


async def test_a_reader_opens_the_exact_report(desk: Desk) -> None:
    receipt = await desk.desk.submit(child_report())
    assert receipt is not None
    report, voice = await read_as(desk, "officer", receipt.code)
    assert json.loads(report) == {
        "answers": {"safe_now": "yes", "first_name": "Ana"},
        "messages": [CANARY],
    }
    assert voice == VOICE
    assert receipt.deadline_at - receipt.received_at == timedelta(hours=24)


async def test_readers_are_the_ladder_and_the_activitys_safe_person(desk: Desk) -> None:
    receipt = await desk.desk.submit(child_report())
    assert receipt is not None
    case = await desk.cases.by_code(receipt.code)
    assert case is not None
    readers = await desk.cases.readers_of(case.id)
    expected = {desk.keys[n][0] for n in ("officer", "deputy", "board", "camp")}
    assert readers == expected  # not the football club's safe person
    with pytest.raises(KeyError):
        await read_as(desk, "club", receipt.code)


async def test_a_case_about_the_officer_is_never_sealed_for_the_officer(desk: Desk) -> None:
    receipt = await desk.desk.submit(child_report(about_officer=True))
    assert receipt is not None
    case = await desk.cases.by_code(receipt.code)
    assert case is not None
    assert desk.keys["officer"][0] not in await desk.cases.readers_of(case.id)
    assert (await read_as(desk, "board", receipt.code))[1] == VOICE


async def test_the_same_draft_submitted_twice_makes_one_case(desk: Desk) -> None:
    report = child_report()
    first = await desk.desk.submit(report)
    assert first is not None
    assert await desk.desk.submit(report) is None


async def test_with_nobody_enrolled_a_report_is_refused_not_lost(
    database_url: str, secret: bytes
) -> None:
    database = Database(database_url)
    await migrate.upgrade(database)
    random = SystemRandom()
    service = CaseDesk(
        CaseRepository(database),
        StaffRepository(database),
        GuessCounters(database),
        ServerKeys(secret, random),
        SecretHasher(random),
        MovableClock(),
        random,
        timedelta(hours=24),
    )
    try:
        with pytest.raises(NoReadersError):
            await service.submit(child_report())
    finally:
        await database.dispose()


async def test_the_receipt_opens_the_case_and_wrong_ones_do_not(desk: Desk) -> None:
    receipt = await desk.desk.submit(child_report())
    assert receipt is not None
    view = await desk.desk.open_for_reporter("person-a", receipt.code.lower(), receipt.secret)
    assert isinstance(view, CaseView)
    assert view.code == receipt.code
    assert await desk.desk.open_for_reporter("person-a", receipt.code, "AAAA-AAAA") is None
    # An unknown case answers exactly the same.
    assert await desk.desk.open_for_reporter("person-a", "ZZZZZZ", receipt.secret) is None


async def test_wrong_receipts_are_limited_per_person_and_slowed_per_case(desk: Desk) -> None:
    receipt = await desk.desk.submit(child_report())
    assert receipt is not None
    for _ in range(PERSON_GUESSES):
        assert await desk.desk.open_for_reporter("guesser", receipt.code, "WRONG000") is None
    blocked = await desk.desk.open_for_reporter("guesser", receipt.code, receipt.secret)
    assert isinstance(blocked, TooManyGuesses)
    assert blocked.retry_after == PERSON_WINDOW
    # Ten wrong guesses from two accounts no longer keep the rightful reporter out.
    for n in range(5):
        await desk.desk.open_for_reporter("other", receipt.code, f"WRONG00{n}")
    assert isinstance(
        await desk.desk.open_for_reporter("owner", receipt.code, receipt.secret), CaseView
    )


async def test_many_accounts_only_slow_a_case_down_and_never_lock_its_reporter_out(
    desk: Desk,
) -> None:
    receipt = await desk.desk.submit(child_report())
    assert receipt is not None
    checked = 0
    # Every account guesses as often as it may; the case's minute fills up.
    for account in range(2 * CASE_GUESSES):
        for _ in range(PERSON_GUESSES):
            answer = await desk.desk.open_for_reporter(f"bot-{account}", receipt.code, "WRONG000")
            if answer is None:
                checked += 1
            else:
                assert isinstance(answer, TooManyGuesses)
                assert answer.retry_after <= CASE_WINDOW
    # No more checks than the case allows in its window, however many accounts.
    assert checked == CASE_GUESSES
    busy = await desk.desk.open_for_reporter("owner", receipt.code, receipt.secret)
    assert isinstance(busy, TooManyGuesses)
    assert busy.retry_after <= CASE_WINDOW
    # A short wait (at most the window), and the reporter is in.
    desk.clock.moment += busy.retry_after
    assert isinstance(
        await desk.desk.open_for_reporter("owner", receipt.code, receipt.secret), CaseView
    )


async def test_nothing_readable_in_the_database_file(sqlite_url: str, secret: bytes) -> None:
    database = Database(sqlite_url)
    await migrate.upgrade(database)
    random = SystemRandom()
    staff = StaffRepository(database)
    await staff.add(
        name="Maria",
        role=StaffRole.OFFICER,
        activity=None,
        status=StaffStatus.ACTIVE,
        public_key=generate_reader_keys().public_key,
        pseudonym=None,
        now=MovableClock().now(),
    )
    service = CaseDesk(
        CaseRepository(database),
        staff,
        GuessCounters(database),
        ServerKeys(secret, random),
        SecretHasher(random),
        MovableClock(),
        random,
        timedelta(hours=24),
    )
    receipt = await service.submit(child_report())
    assert receipt is not None
    await database.dispose()
    folder = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///")).parent
    stored = b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    for secret_thing in (
        CANARY.encode(),
        b"canary-voice",
        b"Ana",
        receipt.secret.encode(),
        receipt.secret.replace("-", "").encode(),
        str(CHAT_ID).encode(),
    ):
        assert secret_thing not in stored


class CountingHasher(SecretHasher):
    """Counts the Argon2id hashes asked of it (each costs about 20 ms of a core)."""

    def __init__(self) -> None:
        super().__init__(SystemRandom())
        self.hashes = 0

    async def hash(self, secret: str) -> str:
        self.hashes += 1
        return await super().hash(secret)

    async def verify(self, secret: str, encoded: str) -> bool:
        self.hashes += 1
        return await super().verify(secret, encoded)

    async def derive_key(
        self, secret: str, salt: bytes, length: int = 32, cost: Argon2Cost = RECEIPT_COST
    ) -> bytes:
        self.hashes += 1
        return await super().derive_key(secret, salt, length, cost)


async def test_a_report_and_a_receipt_check_cost_one_argon2id_hash_each(
    desk: Desk, secret: bytes
) -> None:
    random = SystemRandom()
    hasher = CountingHasher()
    counted = CaseDesk(
        desk.cases,
        desk.staff,
        GuessCounters(desk.database),
        ServerKeys(secret, random),
        hasher,
        desk.clock,
        random,
        timedelta(hours=24),
    )
    receipt = await counted.submit(child_report())
    assert receipt is not None
    assert hasher.hashes == 1
    assert isinstance(await counted.open_for_reporter("a", receipt.code, receipt.secret), CaseView)
    assert await counted.open_for_reporter("a", receipt.code, "WRONG000") is None
    # No such case: the same one hash, so the answer takes as long.
    assert await counted.open_for_reporter("a", "ZZZZZZ", receipt.secret) is None
    assert hasher.hashes == 4


async def test_a_case_filed_with_the_older_receipt_check_still_opens(desk: Desk) -> None:
    receipt = await desk.desk.submit(child_report())
    assert receipt is not None
    # Cases filed before this release hold an Argon2id PHC string of the receipt secret, and
    # the reporter's key locked under a second hash of it.
    random, plain = SystemRandom(), receipt.secret.replace("-", "")
    older = SecretHasher(random)
    reporter = generate_reader_keys()
    async with desk.database.transaction():
        case = await desk.cases.by_code(receipt.code)
        assert case is not None
        assert case.reporter_key_salt is not None
        case.receipt_hash = await older.hash(plain)
        case.reporter_public_key = reporter.public_key
        case.reporter_locked_key = lock_private_key(
            reporter.private_key,
            await older.derive_key(plain, case.reporter_key_salt),
            reporter_key_context(receipt.code),
            random,
        )
    view = await desk.desk.open_for_reporter("owner", receipt.code, receipt.secret)
    assert isinstance(view, CaseView)
    assert await desk.desk.open_for_reporter("owner", receipt.code, "WRONG000") is None


class ScriptedBytes(SystemRandom):
    def __init__(self, script: list[int]) -> None:
        self._script = list(script)

    def token_bytes(self, n: int) -> bytes:
        taken, self._script = self._script[:n], self._script[n:]
        return bytes(taken)


def test_receipt_letters_are_drawn_without_bias() -> None:
    # 31 letters: a byte of 248 or more would make the first eight letters likelier
    # (byte % 31); such bytes are drawn again instead.
    letters = receipt_token(ScriptedBytes([248, 255, 0, 30, 250, 31, 1, 2]), 4)
    assert letters == receipt_token(ScriptedBytes([0, 30, 31, 1]), 4)
    counts = Counter(receipt_token(ScriptedBytes(list(range(248))), 248))
    assert set(counts.values()) == {8}


async def test_the_ladder_reads_many_cases_readers_in_one_query_as_one_by_one(desk: Desk) -> None:
    camp = await desk.desk.submit(child_report(activity="summer_camp"))
    club = await desk.desk.submit(child_report(activity="football"))
    assert camp is not None
    assert club is not None
    ids = []
    for receipt in (camp, club):
        case = await desk.cases.by_code(receipt.code)
        assert case is not None
        ids.append(case.id)
    together = await desk.cases.active_readers_of_cases(ids)
    one_by_one = {case_id: await desk.cases.active_readers_of(case_id) for case_id in ids}
    assert {k: [m.id for m in v] for k, v in together.items()} == {
        k: [m.id for m in v] for k, v in one_by_one.items()
    }
    # Each activity's safe person reads only their own activity's case.
    assert desk.keys["camp"][0] in {m.id for m in together[ids[0]]}
    assert desk.keys["camp"][0] not in {m.id for m in together[ids[1]]}
    assert desk.keys["club"][0] in {m.id for m in together[ids[1]]}
