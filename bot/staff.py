"""Staff: invitations, enrolment with a passphrase-locked key, revocation.

An invitation is a one-time code (72 hours) printed by `safeperson staff invite`; only its keyed
hash is stored. Opening t.me/<bot>?start=<code> enrols that Telegram account: the member chooses
a passphrase (typed twice; each message deleted at once), a new HPKE key pair is generated, and
the private key is stored only encrypted under Argon2id(passphrase). The server never holds the
passphrase, so it cannot open the reports sealed for that member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from bot.audit import AuditLog
from bot.clock import Clock, RandomSource
from bot.contexts import Label, staff_route_context
from bot.crypto import (
    STAFF_COST,
    SealedEntryError,
    SecretHasher,
    generate_reader_keys,
    lock_private_key,
    locked_key_cost,
    unlock_private_key,
)
from bot.server_keys import ServerKeys
from bot.settings import OrganisationConfig
from bot.strength import estimate_bits
from storage.cases import Enrolled, GuessCounters, StaffRepository
from storage.models import StaffMember
from storage.vocabulary import StaffRole, StaffStatus

ROLES: Final[tuple[StaffRole, ...]] = tuple(StaffRole)
INVITE_PREFIX: Final = "st_"
INVITE_LIFETIME: Final = timedelta(hours=72)
MIN_PASSPHRASE_LENGTH: Final = 12
# 2^40 guesses: with the staff Argon2id cost, years of a GPU rig for a stolen database.
MIN_PASSPHRASE_BITS: Final = 40.0
MAX_NAME_LENGTH: Final = 100  # the column's size

# Wrong passphrases per member, wherever a key is unlocked (Read, and the CLI). Argon2id alone
# allows some 32,000 guesses an hour; a few typos cost nothing, then each try waits twice as
# long as the one before (8 s after the 3rd, up to 10 minutes), and the 10th wrong one in a day
# locks the key until the day is over and tells the board: someone may have the member's phone.
PASSPHRASE_FREE_TRIES: Final = 3
PASSPHRASE_LOCK_AFTER: Final = 10
PASSPHRASE_WINDOW: Final = timedelta(hours=24)
PASSPHRASE_MAX_DELAY: Final = timedelta(minutes=10)


class StaffError(ValueError):
    """Something an operator asked for that cannot be done, said in one line."""


@dataclass(frozen=True)
class Member:
    """A staff member as the handlers and the services pass them around: who they are and what
    they may do, never their keys or the chat their alerts go to (read again when needed)."""

    id: int
    name: str
    role: StaffRole
    activity: str | None
    status: StaffStatus

    @classmethod
    def of(cls, row: StaffMember) -> Member:
        return cls(row.id, row.name, row.role, row.activity, row.status)


@dataclass(frozen=True)
class Revocation:
    member: StaffMember
    # Revoked before: nothing was changed, and nothing written to the audit log.
    already_revoked: bool


@dataclass(frozen=True)
class Invitation:
    member_id: int
    name: str
    role: str
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class PassphraseRefused:
    """Not checked: too soon after a wrong passphrase, or locked for the rest of the window."""

    retry_after: timedelta
    locked_out: bool
    # This very try locked the key (its passphrase was checked and wrong): tell the board once.
    just_locked: bool = False


def passphrase_delay(failures: int) -> timedelta:
    """How long after the last wrong passphrase the next may be checked."""
    if failures < PASSPHRASE_FREE_TRIES:
        return timedelta(0)
    return min(timedelta(seconds=2**failures), PASSPHRASE_MAX_DELAY)


def passphrase_is_strong(passphrase: str) -> bool:
    """At least 12 characters, and an estimated 2^40 guesses: four unrelated words pass;
    "password1234", "aaaaaaaaaaaa" and "qwertyuiopas" do not (see bot/strength.py)."""
    return (
        len(passphrase) >= MIN_PASSPHRASE_LENGTH
        and estimate_bits(passphrase) >= MIN_PASSPHRASE_BITS
    )


class StaffDesk:
    def __init__(
        self,
        staff: StaffRepository,
        keys: ServerKeys,
        hasher: SecretHasher,
        clock: Clock,
        random: RandomSource,
        config: OrganisationConfig,
        audit: AuditLog,
        guesses: GuessCounters,
    ) -> None:
        self._guesses = guesses
        self._audit = audit
        self._staff = staff
        self._keys = keys
        self._hasher = hasher
        self._clock = clock
        self._random = random
        self._config = config

    def _invite_hash(self, code: str) -> str:
        return self._keys.key_id(Label.INVITATION, code)

    async def invite(self, name: str, role: str, activity: str | None) -> Invitation:
        name = name.strip()
        if not name:
            raise StaffError("give the member's name with --name: it cannot be empty")
        if len(name) > MAX_NAME_LENGTH:
            raise StaffError(f"--name is too long: at most {MAX_NAME_LENGTH} characters")
        if role not in ROLES:
            raise StaffError(f"role must be one of {', '.join(ROLES)}")
        if activity is not None and self._config.activity(activity) is None:
            known = ", ".join(a.code for a in self._config.activities) or "none in the config"
            raise StaffError(f'no activity "{activity}" in the config (known: {known})')
        if role == StaffRole.SAFE_PERSON and activity is None:
            raise StaffError("a safe person belongs to an activity: add --activity CODE")
        code = INVITE_PREFIX + self._random.token_bytes(16).hex()
        now = self._clock.now()
        member = await self._staff.add(
            name=name,
            role=StaffRole(role),
            activity=activity,
            status=StaffStatus.INVITED,
            public_key=None,
            pseudonym=None,
            now=now,
        )
        await self._staff.set_invitation(member.id, self._invite_hash(code), now + INVITE_LIFETIME)
        await self._audit.record("operator", f"invited staff:{member.id}")
        return Invitation(member.id, member.name, role, code, now + INVITE_LIFETIME)

    async def members(self) -> list[StaffMember]:
        return await self._staff.all_members()

    async def revoke(self, member_id: int) -> Revocation:
        member = await self._staff.get(member_id)
        if member is None:
            raise StaffError(f"no staff member {member_id}: see `safeperson staff list`")
        if member.status == StaffStatus.REVOKED:
            # Once is what happened: a second audit event would say it happened twice.
            return Revocation(member, already_revoked=True)
        revoked = await self._staff.revoke(member_id, self._clock.now())
        if revoked is None:  # removed since it was read
            raise StaffError(f"no staff member {member_id}: see `safeperson staff list`")
        await self._audit.record("operator", f"revoked staff:{member_id}")
        return Revocation(revoked, already_revoked=False)

    async def is_last_enrolled_officer(self, member_id: int) -> bool:
        """Whether revoking this member would leave no officer enrolled."""
        officers = await self._staff.active_readers((StaffRole.OFFICER,))
        return [m.id for m in officers] == [member_id]

    async def invitation(self, code: str) -> Member | None:
        """The member an unused, unexpired code enrols; None for anything else."""
        member = await self._invited(code)
        return Member.of(member) if member is not None else None

    async def _invited(self, code: str) -> StaffMember | None:
        if not code.startswith(INVITE_PREFIX):
            return None
        member = await self._staff.by_invite(self._invite_hash(code))
        if (
            member is None
            or member.status != StaffStatus.INVITED
            or member.invite_expires_at is None
        ):
            return None
        return member if self._clock.now() < member.invite_expires_at else None

    async def remember_first_entry(self, passphrase: str) -> str:
        """What to keep between the two entries: a hash, never the passphrase."""
        return await self._hasher.hash(passphrase)

    async def same_as_first(self, passphrase: str, first: str) -> bool:
        return await self._hasher.verify(passphrase, first)

    async def active_member(self, telegram_user_id: int) -> Member | None:
        """The enrolled, unrevoked member behind this Telegram account, if any."""
        member = await self._staff.by_pseudonym(self._keys.pseudonym(telegram_user_id))
        if member is None or member.status != StaffStatus.ACTIVE:
            return None
        return Member.of(member)

    async def is_paused(self, telegram_user_id: int) -> bool:
        """Whether this Telegram account is a member whose access is paused (bot.suspension)."""
        member = await self._staff.by_pseudonym(self._keys.pseudonym(telegram_user_id))
        return member is not None and member.status == StaffStatus.SUSPENDED

    async def is_enrolled(self, telegram_user_id: int) -> bool:
        return await self.active_member(telegram_user_id) is not None

    async def enrol(self, code: str, telegram_user_id: int, passphrase: str) -> StaffMember | None:
        """Give the invited member a key pair; None if the code no longer works."""
        member = await self._invited(code)
        if member is None:
            return None
        if not passphrase_is_strong(passphrase):
            raise StaffError("weak passphrase")
        pair = generate_reader_keys()
        salt = self._random.token_bytes(16)
        locking_key = await self._hasher.derive_key(passphrase, salt, cost=STAFF_COST)
        pseudonym = self._keys.pseudonym(telegram_user_id)
        # Someone revoked and invited again enrols the same Telegram account: the revoked
        # record lets go of it (it keeps its history, not the account).
        await self._staff.release_pseudonym(pseudonym)
        await self._audit.record(f"staff:{member.id}", "enrolled")
        return await self._staff.activate(
            member.id,
            Enrolled(
                pseudonym=pseudonym,
                public_key=pair.public_key,
                locked_private_key=lock_private_key(
                    pair.private_key, locking_key, member.id, self._random, STAFF_COST
                ),
                key_salt=salt,
                alert_route=self._keys.seal(
                    str(telegram_user_id).encode(), staff_route_context(member.id)
                ),
            ),
        )

    def alert_chat(self, member: StaffMember) -> int | None:
        """Where the member's alerts go (their private chat with the bot)."""
        if member.alert_route is None:
            return None
        return int(self._keys.open(member.alert_route, staff_route_context(member.id)))

    async def unlock_limited(
        self, member: Member | StaffMember, passphrase: str
    ) -> bytes | PassphraseRefused | None:
        """The member's private key; None for a wrong passphrase; PassphraseRefused, without
        checking, while the member must wait or is locked out."""
        subject = self._keys.key_id(Label.GUESSES_STAFF, str(member.id))
        now = self._clock.now()
        state = await self._guesses.state(subject, now, PASSPHRASE_WINDOW)
        if state.failures >= PASSPHRASE_LOCK_AFTER:
            return PassphraseRefused(state.window_ends - now, locked_out=True)
        if state.last_failure_at is not None:
            ready = state.last_failure_at + passphrase_delay(state.failures)
            if now < ready:
                return PassphraseRefused(ready - now, locked_out=False)
        try:
            key = await self.unlock(member, passphrase)
        except SealedEntryError:
            failures = await self._guesses.record_failure(subject, now, PASSPHRASE_WINDOW)
            if failures < PASSPHRASE_LOCK_AFTER:
                return None
            await self._audit.record(f"staff:{member.id}", "key locked (wrong passphrases)")
            ends = await self._guesses.window_ends(subject, now, PASSPHRASE_WINDOW)
            return PassphraseRefused(ends - now, locked_out=True, just_locked=True)
        if state.failures:
            await self._guesses.forget(subject)
        return key

    async def unlock(self, member: Member | StaffMember, passphrase: str) -> bytes:
        """The member's private key (raises SealedEntryError on a wrong passphrase). Without
        any limit on guessing: what people type goes through unlock_limited."""
        if isinstance(member, Member):
            row = await self._staff.get(member.id)
            if row is None:
                raise StaffError("no such member")
            member = row
        if member.locked_private_key is None or member.key_salt is None:
            raise StaffError("this member has no key yet")
        # Members enrolled before STAFF_COST keep their key: its format byte names its cost.
        cost = locked_key_cost(member.locked_private_key)
        locking_key = await self._hasher.derive_key(passphrase, member.key_salt, cost=cost)
        return unlock_private_key(member.locked_private_key, locking_key, member.id)
