"""Staff: invitations work once and expire; keys open only with the member's passphrase."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import SystemRandom
from bot.crypto import (
    RECEIPT_COST,
    STAFF_COST,
    SealedEntryError,
    SecretHasher,
    lock_private_key,
    locked_key_cost,
    open_entry,
    seal_entry,
)
from bot.server_keys import ServerKeys
from bot.services import ServiceTexts, build_services, translations
from bot.settings import OrganisationConfig
from bot.setup_files import EXAMPLE_CONFIG
from bot.staff import (
    MIN_PASSPHRASE_BITS,
    PASSPHRASE_FREE_TRIES,
    PASSPHRASE_LOCK_AFTER,
    PASSPHRASE_MAX_DELAY,
    PASSPHRASE_WINDOW,
    PassphraseRefused,
    StaffDesk,
    StaffError,
    passphrase_delay,
    passphrase_is_strong,
)
from bot.strength import estimate_bits
from storage import migrate
from storage.cases import StaffRepository
from storage.db import Database
from storage.models import StaffMember

PASSPHRASE = "river lantern quiet seven"


class MovableClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


@dataclass
class Desk:
    desk: StaffDesk
    staff: StaffRepository
    clock: MovableClock
    database: Database


@pytest.fixture
async def desk(database_url: str, secret: bytes) -> AsyncIterator[Desk]:
    database = Database(database_url)
    await migrate.upgrade(database)
    clock = MovableClock()
    random = SystemRandom()
    staff = StaffRepository(database)
    keys = ServerKeys(secret, random)
    config = OrganisationConfig.model_validate(tomllib.loads(EXAMPLE_CONFIG))
    texts = ServiceTexts.from_i18n(translations(config), config)
    services = build_services(database, config, keys, clock, random, texts)
    yield Desk(services.staff, staff, clock, database)
    await database.dispose()


@pytest.mark.parametrize(
    ("role", "activity", "problem"),
    [
        ("janitor", None, "role must be one of"),
        ("officer", "chess_club", 'no activity "chess_club"'),
        ("safe_person", None, "add --activity"),
    ],
)
async def test_bad_invitations_are_refused_in_one_line(
    desk: Desk, role: str, activity: str | None, problem: str
) -> None:
    with pytest.raises(StaffError, match=problem):
        await desk.desk.invite("Maria", role, activity)


async def test_an_invitation_enrols_once_with_a_passphrase_locked_key(desk: Desk) -> None:
    invitation = await desk.desk.invite("Maria", "officer", None)
    assert invitation.code.startswith("st_")
    assert await desk.desk.invitation(invitation.code) is not None
    member = await desk.desk.enrol(invitation.code, 987654321012, PASSPHRASE)
    assert member is not None
    assert member.status == "active"
    assert member.public_key is not None
    # The code is used up; a second enrolment with it does nothing.
    assert await desk.desk.invitation(invitation.code) is None
    assert await desk.desk.enrol(invitation.code, 5, PASSPHRASE) is None
    assert await desk.desk.is_enrolled(987654321012)
    assert desk.desk.alert_chat(member) == 987654321012
    assert member.alert_route is not None
    assert b"987654321012" not in member.alert_route
    assert not await desk.desk.is_enrolled(5)
    # What is sealed for the member opens with the key their passphrase unlocks, and only then.
    private_key = await desk.desk.unlock(member, PASSPHRASE)
    sealed = seal_entry(b"report", {member.id: member.public_key}, b"ctx", SystemRandom())
    opened = open_entry(
        suite=sealed.suite,
        version=sealed.version,
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
        wrapped_key=sealed.wrapped_keys[member.id],
        private_key=private_key,
        context=b"ctx",
    )
    assert opened == b"report"
    with pytest.raises(SealedEntryError):
        await desk.desk.unlock(member, "river lantern quiet seven!")
    assert member.locked_private_key is not None
    assert private_key not in member.locked_private_key


async def test_staff_keys_take_the_higher_cost_and_older_keys_still_open(desk: Desk) -> None:
    invitation = await desk.desk.invite("Maria", "officer", None)
    member = await desk.desk.enrol(invitation.code, 42, PASSPHRASE)
    assert member is not None
    assert member.locked_private_key is not None
    assert locked_key_cost(member.locked_private_key) == STAFF_COST
    private_key = await desk.desk.unlock(member, PASSPHRASE)
    # A member enrolled before: the key locked under the receipts' cost, format byte 1.
    assert member.key_salt is not None
    random = SystemRandom()
    older_lock = await SecretHasher(random).derive_key(PASSPHRASE, member.key_salt)
    async with desk.database.transaction() as session:
        row = await session.get(StaffMember, member.id)
        assert row is not None
        row.locked_private_key = lock_private_key(private_key, older_lock, member.id, random)
    older = await desk.staff.get(member.id)
    assert older is not None
    assert older.locked_private_key is not None
    assert locked_key_cost(older.locked_private_key) == RECEIPT_COST
    assert await desk.desk.unlock(older, PASSPHRASE) == private_key
    with pytest.raises(SealedEntryError):
        await desk.desk.unlock(older, "river lantern quiet seven!")


async def test_wrong_passphrases_wait_longer_and_longer_then_lock_the_key(desk: Desk) -> None:
    invitation = await desk.desk.invite("Maria", "officer", None)
    member = await desk.desk.enrol(invitation.code, 42, PASSPHRASE)
    assert member is not None
    wrong = "river lantern quiet seven!"
    # A few typos cost nothing.
    for _ in range(PASSPHRASE_FREE_TRIES):
        assert await desk.desk.unlock_limited(member, wrong) is None
    # Then each try waits twice as long as the one before, and is not even checked before.
    for failures in range(PASSPHRASE_FREE_TRIES, PASSPHRASE_LOCK_AFTER):
        too_soon = await desk.desk.unlock_limited(member, PASSPHRASE)
        assert isinstance(too_soon, PassphraseRefused)
        assert not too_soon.locked_out
        assert too_soon.retry_after == passphrase_delay(failures)
        assert too_soon.retry_after == min(timedelta(seconds=2**failures), timedelta(minutes=10))
        desk.clock.moment += too_soon.retry_after
        answer = await desk.desk.unlock_limited(member, wrong)
        if failures + 1 < PASSPHRASE_LOCK_AFTER:
            assert answer is None
    # The tenth wrong one locks the key for the rest of the day, and says it just did.
    assert isinstance(answer, PassphraseRefused)
    assert answer.locked_out
    assert answer.just_locked
    assert timedelta(hours=23) < answer.retry_after <= PASSPHRASE_WINDOW
    desk.clock.moment += PASSPHRASE_MAX_DELAY
    locked = await desk.desk.unlock_limited(member, PASSPHRASE)
    assert isinstance(locked, PassphraseRefused)
    assert locked.locked_out
    assert not locked.just_locked
    # Once the window is over, the right passphrase opens the key again.
    desk.clock.moment += locked.retry_after
    assert isinstance(await desk.desk.unlock_limited(member, PASSPHRASE), bytes)


async def test_the_right_passphrase_clears_earlier_wrong_ones(desk: Desk) -> None:
    invitation = await desk.desk.invite("Ion", "deputy", None)
    member = await desk.desk.enrol(invitation.code, 43, PASSPHRASE)
    assert member is not None
    for _ in range(PASSPHRASE_FREE_TRIES):
        assert await desk.desk.unlock_limited(member, "wrong") is None
    desk.clock.moment += passphrase_delay(PASSPHRASE_FREE_TRIES)
    assert isinstance(await desk.desk.unlock_limited(member, PASSPHRASE), bytes)
    # Counted from nothing again: three more typos without any wait.
    for _ in range(PASSPHRASE_FREE_TRIES):
        assert await desk.desk.unlock_limited(member, "wrong") is None
    # Each member has their own count.
    other = await desk.desk.invite("Elena", "board", None)
    elena = await desk.desk.enrol(other.code, 44, PASSPHRASE)
    assert elena is not None
    assert isinstance(await desk.desk.unlock_limited(elena, PASSPHRASE), bytes)


async def test_an_invitation_expires_after_72_hours(desk: Desk) -> None:
    invitation = await desk.desk.invite("Ion", "deputy", None)
    desk.clock.moment += timedelta(hours=71, minutes=59)
    assert await desk.desk.invitation(invitation.code) is not None
    desk.clock.moment += timedelta(minutes=2)
    assert await desk.desk.invitation(invitation.code) is None
    assert await desk.desk.enrol(invitation.code, 7, PASSPHRASE) is None


async def test_a_weak_passphrase_is_refused(desk: Desk) -> None:
    invitation = await desk.desk.invite("Elena", "board", None)
    for weak in ("short", "aaaaaaaaaaaaaaaa", "121212121212"):
        with pytest.raises(StaffError, match="weak"):
            await desk.desk.enrol(invitation.code, 7, weak)


@pytest.mark.parametrize(
    "weak",
    [
        "password1234",  # a famous password and a sequence
        "P@ssw0rd2024!",  # the same in l33t, with a year
        "aaaaaaaaaaaa",  # one letter repeated
        "121212121212",  # one chunk repeated
        "qwertyuiopas",  # a keyboard row
        "abcdefghijkl",  # the alphabet
        "zxcvbnm,./12",  # the bottom row
        "Summer2024!!",  # a word, a year, two symbols
        "Maria1985Maria",  # a name and a year
        "kalimera tractor",  # two words are not enough
    ],
)
def test_guessable_passphrases_are_weak(weak: str) -> None:
    assert not passphrase_is_strong(weak), estimate_bits(weak)


@pytest.mark.parametrize(
    "strong",
    [
        PASSPHRASE,
        "cobalt meadow tractor violin",
        "lamp-orbit-cherry-pebble",
        "Xk9#mP2$vL7@qR4!",  # random characters
    ],
)
def test_unrelated_words_or_random_characters_are_strong(strong: str) -> None:
    assert passphrase_is_strong(strong), estimate_bits(strong)
    assert estimate_bits(strong) >= MIN_PASSPHRASE_BITS


async def test_a_revoked_member_is_no_reader_and_their_invitation_dies(desk: Desk) -> None:
    enrolled = await desk.desk.invite("Dan", "safe_person", "summer_camp")
    member = await desk.desk.enrol(enrolled.code, 11, PASSPHRASE)
    assert member is not None
    pending = await desk.desk.invite("Ana", "deputy", None)
    assert {m.id for m in await desk.staff.active_readers()} == {member.id}
    assert member.alert_route is not None
    revoked = (await desk.desk.revoke(member.id)).member
    await desk.desk.revoke(pending.member_id)
    assert await desk.staff.active_readers() == []
    # Nothing goes to a revoked member any more: the chat their alerts went to is not kept.
    assert revoked.alert_route is None
    stored = await desk.staff.get(member.id)
    assert stored is not None
    assert stored.alert_route is None
    assert desk.desk.alert_chat(stored) is None
    assert await desk.desk.invitation(pending.code) is None
    with pytest.raises(StaffError, match="no staff member 999"):
        await desk.desk.revoke(999)
