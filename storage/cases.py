"""Cases, their sealed entries, the readers they are sealed for, and wrong-guess counters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select
from sqlalchemy import update as sql_update

from storage.db import Database
from storage.models import CaseEntry, EntryKey, GuessCounter, ReportCase, StaffMember
from storage.vocabulary import CaseKind, CaseStatus, CloseReason, EntryKind, StaffRole, StaffStatus

# Who a new concern may be sealed for. The data-protection contact (DPO) reads consent
# requests instead (bot.consent).
READER_ROLES: tuple[StaffRole, ...] = (
    StaffRole.OFFICER,
    StaffRole.DEPUTY,
    StaffRole.BOARD,
    StaffRole.SAFE_PERSON,
)


@dataclass(frozen=True)
class NewEntry:
    token: str
    kind: EntryKind
    author: str
    suite: str
    format_version: int
    nonce: bytes
    ciphertext: bytes
    wrapped_keys: dict[int, bytes]
    created_at: datetime
    reporter_key: bytes | None = None


@dataclass(frozen=True)
class StatusChange:
    """One step of a case, as the transition table in bot.case_model allows it: the new status,
    the statuses it may be taken from, and the facts that go with it."""

    to: CaseStatus
    allowed_from: frozenset[CaseStatus]
    referred_to: str | None = None
    referred_at: datetime | None = None
    closed_reason: CloseReason | None = None
    closed_at: datetime | None = None
    # A case that takes no more replies need not keep the reporter's chat, not even sealed.
    forget_reply_route: bool = False

    def values(self, now: datetime) -> dict[str, object]:
        changed: dict[str, object] = {"status": self.to, "updated_at": now}
        for name in ("referred_to", "referred_at", "closed_reason", "closed_at"):
            if getattr(self, name) is not None:
                changed[name] = getattr(self, name)
        if self.forget_reply_route:
            changed["reply_route"] = None
        return changed


@dataclass(frozen=True)
class Enrolled:
    """What enrolment gives a member: their account, key and the chat their alerts go to."""

    pseudonym: str
    public_key: bytes
    locked_private_key: bytes
    key_salt: bytes
    alert_route: bytes


@dataclass(frozen=True)
class StoredEntry:
    entry: CaseEntry
    wrapped_keys: dict[int, bytes]


class StaffRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self,
        *,
        name: str,
        role: StaffRole,
        activity: str | None,
        status: StaffStatus,
        public_key: bytes | None,
        pseudonym: str | None,
        now: datetime,
    ) -> StaffMember:
        async with self._db.transaction() as session:
            member = StaffMember(
                name=name,
                role=role,
                activity=activity,
                status=status,
                public_key=public_key,
                pseudonym=pseudonym,
                created_at=now,
            )
            session.add(member)
            await session.flush()
            return member

    async def get(self, member_id: int) -> StaffMember | None:
        async with self._db.transaction() as session:
            return await session.get(StaffMember, member_id)

    async def by_invite(self, invite_hash: str) -> StaffMember | None:
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(StaffMember).where(StaffMember.invite_hash == invite_hash)
            )
            return rows.scalar_one_or_none()

    async def by_pseudonym(self, pseudonym: str) -> StaffMember | None:
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(StaffMember).where(StaffMember.pseudonym == pseudonym)
            )
            return rows.scalar_one_or_none()

    async def all_members(self) -> list[StaffMember]:
        async with self._db.transaction() as session:
            return list(
                (await session.execute(select(StaffMember).order_by(StaffMember.id))).scalars()
            )

    async def set_invitation(
        self, member_id: int, invite_hash: str | None, expires_at: datetime | None
    ) -> StaffMember | None:
        async with self._db.transaction() as session:
            member = await session.get(StaffMember, member_id)
            if member is not None:
                member.invite_hash = invite_hash
                member.invite_expires_at = expires_at
            return member

    async def revoke(self, member_id: int, now: datetime) -> StaffMember | None:
        """Revoked: sent nothing more, so the chat their alerts went to goes now, and an unused
        invitation stops working."""
        async with self._db.transaction() as session:
            member = await session.get(StaffMember, member_id)
            if member is not None:
                member.status = StaffStatus.REVOKED
                member.revoked_at = now
                member.alert_route = None
                member.invite_hash = None
                member.invite_expires_at = None
            return member

    async def activate(self, member_id: int, enrolled: Enrolled) -> StaffMember | None:
        async with self._db.transaction() as session:
            member = await session.get(StaffMember, member_id)
            if member is not None:
                member.status = StaffStatus.ACTIVE
                member.pseudonym = enrolled.pseudonym
                member.public_key = enrolled.public_key
                member.locked_private_key = enrolled.locked_private_key
                member.key_salt = enrolled.key_salt
                member.alert_route = enrolled.alert_route
                member.invite_hash = None
                member.invite_expires_at = None
            return member

    async def release_pseudonym(self, pseudonym: str) -> None:
        """A Telegram account held by a record no longer in use (revoked) is set free. A
        suspended member keeps theirs: they are told on it that their access is paused."""
        async with self._db.transaction() as session:
            await session.execute(
                sql_update(StaffMember)
                .where(StaffMember.pseudonym == pseudonym)
                .where(StaffMember.status == StaffStatus.REVOKED)
                .values(pseudonym=None)
            )

    async def suspend(self, member_id: int, now: datetime) -> bool:
        """Active → suspended, checked in the UPDATE itself (two officers tapping at once
        suspend once); True if this call did it."""
        return await self._change_status(
            member_id, StaffStatus.ACTIVE, StaffStatus.SUSPENDED, suspended_at=now
        )

    async def reinstate(self, member_id: int) -> bool:
        """Suspended → active; True if this call did it."""
        return await self._change_status(
            member_id, StaffStatus.SUSPENDED, StaffStatus.ACTIVE, suspended_at=None
        )

    async def _change_status(
        self,
        member_id: int,
        was: StaffStatus,
        becomes: StaffStatus,
        *,
        suspended_at: datetime | None,
    ) -> bool:
        async with self._db.transaction() as session:
            result = await session.execute(
                sql_update(StaffMember)
                .where(StaffMember.id == member_id)
                .where(StaffMember.status == was)
                .values(status=becomes, suspended_at=suspended_at)
                .execution_options(synchronize_session="fetch")
            )
            return int(getattr(result, "rowcount", 0) or 0) == 1

    async def suspended_members(self) -> list[StaffMember]:
        """Whose access is paused, the longest paused first."""
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(StaffMember)
                .where(StaffMember.status == StaffStatus.SUSPENDED)
                .order_by(StaffMember.suspended_at, StaffMember.id)
            )
            return list(rows.scalars())

    async def active_readers(
        self, roles: tuple[StaffRole, ...] = READER_ROLES
    ) -> list[StaffMember]:
        """Enrolled, not revoked, with a key, in one of `roles`: whom a new case can be sealed
        for."""
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(StaffMember)
                .where(StaffMember.status == StaffStatus.ACTIVE)
                .where(StaffMember.public_key.is_not(None))
                .where(StaffMember.role.in_(roles))
                .order_by(StaffMember.id)
            )
            return list(rows.scalars())


class CaseRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, case: ReportCase, entries: list[NewEntry]) -> ReportCase:
        async with self._db.transaction() as session:
            session.add(case)
            await session.flush()
            for new in entries:
                await self._add_entry(case.id, new)
            return case

    async def add_entry(self, case_id: int, new: NewEntry) -> None:
        await self._add_entry(case_id, new)

    async def _add_entry(self, case_id: int, new: NewEntry) -> None:
        async with self._db.transaction() as session:
            entry = CaseEntry(
                case_id=case_id,
                token=new.token,
                kind=new.kind,
                author=new.author,
                suite=new.suite,
                format_version=new.format_version,
                nonce=new.nonce,
                ciphertext=new.ciphertext,
                created_at=new.created_at,
                reporter_key=new.reporter_key,
            )
            session.add(entry)
            await session.flush()
            for reader_id, wrapped in new.wrapped_keys.items():
                session.add(EntryKey(entry_id=entry.id, reader_id=reader_id, wrapped_key=wrapped))

    async def get(self, case_id: int) -> ReportCase | None:
        async with self._db.transaction() as session:
            return await session.get(ReportCase, case_id)

    async def by_code(self, code: str) -> ReportCase | None:
        async with self._db.transaction() as session:
            rows = await session.execute(select(ReportCase).where(ReportCase.code == code))
            return rows.scalar_one_or_none()

    async def by_submission(self, submission_key: str) -> ReportCase | None:
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(ReportCase).where(ReportCase.submission_key == submission_key)
            )
            return rows.scalar_one_or_none()

    async def update_ladder(
        self,
        case_id: int,
        *,
        tier: int,
        alert_round: int,
        next_alert_at: datetime,
        status: CaseStatus,
        now: datetime,
    ) -> None:
        async with self._db.transaction() as session:
            case = await session.get(ReportCase, case_id)
            if case is not None:
                case.tier = tier
                case.alert_round = alert_round
                case.next_alert_at = next_alert_at
                case.status = status
                case.updated_at = now

    async def due_for_escalation(
        self, now: datetime, statuses: tuple[CaseStatus, ...], limit: int
    ) -> list[ReportCase]:
        """Unacknowledged cases whose alert time is up; on PostgreSQL each is claimed by one
        instance only (rows another instance holds are skipped until it commits)."""
        async with self._db.transaction() as session:
            query = (
                select(ReportCase)
                .where(ReportCase.acknowledged_by.is_(None))
                .where(ReportCase.status.in_(statuses))
                .where(ReportCase.next_alert_at <= now)
                .order_by(ReportCase.next_alert_at)
                .limit(limit)
            )
            if not self._db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            return list((await session.execute(query)).scalars())

    async def due_for_reminder(self, now: datetime, kind: CaseKind, limit: int) -> list[ReportCase]:
        """Cases of `kind` whose next reminder moment has come (closed ones too, so that the
        sweep lets go of them), soonest first; on PostgreSQL each goes to one instance."""
        async with self._db.transaction() as session:
            query = (
                select(ReportCase)
                .where(ReportCase.next_reminder_at <= now)
                .where(ReportCase.kind == kind)
                .order_by(ReportCase.next_reminder_at)
                .limit(limit)
            )
            if not self._db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            return list((await session.execute(query)).scalars())

    async def set_next_reminders(self, cases: Sequence[tuple[ReportCase, datetime | None]]) -> None:
        """The next reminder moment of cases read in this unit of work: written together when
        it commits, not one UPDATE each."""
        async with self._db.transaction() as session:
            for case, when in cases:
                session.add(case)
                case.next_reminder_at = when

    async def set_next_reminder(self, case_id: int, when: datetime | None) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                sql_update(ReportCase)
                .where(ReportCase.id == case_id)
                .values(next_reminder_at=when)
                .execution_options(synchronize_session=False)
            )

    async def acknowledge(
        self, case_id: int, member_id: int, change: StatusChange, now: datetime
    ) -> bool:
        """Take the case for this member unless someone already has (checked in the UPDATE
        itself: two members tapping at once cannot both take it); True if they took it."""
        async with self._db.transaction() as session:
            result = await session.execute(
                sql_update(ReportCase)
                .where(ReportCase.id == case_id)
                .where(ReportCase.acknowledged_by.is_(None))
                .where(ReportCase.status.in_(change.allowed_from))
                .values(
                    acknowledged_by=member_id,
                    acknowledged_at=now,
                    next_alert_at=None,
                    **change.values(now),
                )
                .execution_options(synchronize_session="fetch")
            )
            return int(getattr(result, "rowcount", 0) or 0) == 1

    async def taker_of(self, case_id: int) -> int | None:
        """Who acknowledged the case, as committed (not as this unit of work last saw it)."""
        async with self._db.transaction() as session:
            query = select(ReportCase.acknowledged_by).where(ReportCase.id == case_id)
            return (await session.execute(query)).scalar_one_or_none()

    async def move(self, case_id: int, change: StatusChange, now: datetime) -> bool:
        """Take the step only if the case's status is still one it may be taken from (checked
        in the UPDATE itself, so two members acting at once cannot both win); True if taken."""
        async with self._db.transaction() as session:
            result = await session.execute(
                sql_update(ReportCase)
                .where(ReportCase.id == case_id)
                .where(ReportCase.status.in_(change.allowed_from))
                .values(change.values(now))
            )
            return int(getattr(result, "rowcount", 0) or 0) == 1

    async def forget_reply_routes(self, statuses: Sequence[CaseStatus]) -> int:
        """Wipe the reply route of every case in one of `statuses` that still keeps one; the
        number of cases changed."""
        async with self._db.transaction() as session:
            result = await session.execute(
                sql_update(ReportCase)
                .where(ReportCase.status.in_(statuses))
                .where(ReportCase.reply_route.is_not(None))
                .values(reply_route=None)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def open_cases_sealed_for(
        self, reader_id: int, closed: CaseStatus, kind: CaseKind = CaseKind.CONCERN
    ) -> list[ReportCase]:
        """Cases of `kind` not closed whose report is sealed for this reader, soonest deadline
        first."""
        async with self._db.transaction() as session:
            sealed_for_reader = (
                select(CaseEntry.case_id)
                .join(EntryKey, EntryKey.entry_id == CaseEntry.id)
                .where(CaseEntry.kind == EntryKind.REPORT)
                .where(EntryKey.reader_id == reader_id)
            )
            rows = await session.execute(
                select(ReportCase)
                .where(ReportCase.kind == kind)
                .where(ReportCase.status != closed)
                .where(ReportCase.id.in_(sealed_for_reader))
                .order_by(ReportCase.deadline_at)
            )
            return list(rows.scalars())

    async def open_cases_of_reader(
        self, reader_id: int, closed: Sequence[CaseStatus]
    ) -> list[ReportCase]:
        """Cases of every kind not in `closed` that hold anything sealed for this reader."""
        async with self._db.transaction() as session:
            sealed_for_reader = (
                select(CaseEntry.case_id)
                .join(EntryKey, EntryKey.entry_id == CaseEntry.id)
                .where(EntryKey.reader_id == reader_id)
            )
            rows = await session.execute(
                select(ReportCase)
                .where(ReportCase.status.not_in(closed))
                .where(ReportCase.id.in_(sealed_for_reader))
                .order_by(ReportCase.id)
            )
            return list(rows.scalars())

    async def withdraw_reader(self, reader_id: int, case_ids: Sequence[int]) -> int:
        """Delete the data keys wrapped for this reader in these cases: without them the
        reader's private key opens nothing there, now or later. The number of keys deleted."""
        if not case_ids:
            return 0
        async with self._db.transaction() as session:
            entries = select(CaseEntry.id).where(CaseEntry.case_id.in_(case_ids))
            result = await session.execute(
                delete(EntryKey)
                .where(EntryKey.reader_id == reader_id)
                .where(EntryKey.entry_id.in_(entries))
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def return_to_ladder(
        self, case_id: int, taken_by: int, from_statuses: Sequence[CaseStatus], now: datetime
    ) -> bool:
        """The case that `taken_by` had acknowledged waits for someone else to take it: the
        ladder alerts again at its next sweep (the same tier and on, a new round). Checked in
        the UPDATE: a case taken by someone else or moved on meanwhile is left alone."""
        async with self._db.transaction() as session:
            result = await session.execute(
                sql_update(ReportCase)
                .where(ReportCase.id == case_id)
                .where(ReportCase.acknowledged_by == taken_by)
                .where(ReportCase.status.in_(from_statuses))
                .values(
                    status=CaseStatus.ALERTED,
                    acknowledged_by=None,
                    acknowledged_at=None,
                    next_alert_at=now,
                    updated_at=now,
                )
                .execution_options(synchronize_session="fetch")
            )
            return int(getattr(result, "rowcount", 0) or 0) == 1

    async def code_exists(self, code: str) -> bool:
        return await self.by_code(code) is not None

    async def entries(self, case_id: int) -> list[StoredEntry]:
        async with self._db.transaction() as session:
            entries = (
                await session.execute(
                    select(CaseEntry).where(CaseEntry.case_id == case_id).order_by(CaseEntry.id)
                )
            ).scalars()
            stored = []
            for entry in entries:
                keys = await session.execute(
                    select(EntryKey.reader_id, EntryKey.wrapped_key).where(
                        EntryKey.entry_id == entry.id
                    )
                )
                stored.append(StoredEntry(entry, {r: w for r, w in keys}))
            return stored

    async def consent_requests_for(self, activity: str) -> list[ReportCase]:
        """Consent requests about this activity, or about every activity, oldest first."""
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(ReportCase)
                .where(ReportCase.kind == CaseKind.CONSENT)
                .where((ReportCase.activity == activity) | ReportCase.activity.is_(None))
                .order_by(ReportCase.received_at, ReportCase.id)
            )
            return list(rows.scalars())

    async def active_readers_of(self, case_id: int) -> list[StaffMember]:
        """The case's readers less anyone revoked since: they alone get anything new."""
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(StaffMember)
                .where(StaffMember.status == StaffStatus.ACTIVE)
                .where(StaffMember.public_key.is_not(None))
                .where(StaffMember.id.in_(_readers_of_report(case_id)))
                .order_by(StaffMember.id)
            )
            return list(rows.scalars())

    async def active_readers_of_cases(
        self, case_ids: Sequence[int]
    ) -> dict[int, list[StaffMember]]:
        """`active_readers_of` for many cases in one query (the ladder's sweeps)."""
        if not case_ids:
            return {}
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(CaseEntry.case_id, StaffMember)
                .join(EntryKey, EntryKey.reader_id == StaffMember.id)
                .join(CaseEntry, EntryKey.entry_id == CaseEntry.id)
                .where(CaseEntry.case_id.in_(case_ids))
                .where(CaseEntry.kind == EntryKind.REPORT)
                .where(StaffMember.status == StaffStatus.ACTIVE)
                .where(StaffMember.public_key.is_not(None))
                .distinct()
                .order_by(CaseEntry.case_id, StaffMember.id)
            )
            readers: dict[int, list[StaffMember]] = {}
            for case_id, member in rows:
                readers.setdefault(case_id, []).append(member)
            return readers

    async def readers_of(self, case_id: int) -> set[int]:
        """The readers the case's report was sealed for (later entries use the same)."""
        async with self._db.transaction() as session:
            return set((await session.execute(_readers_of_report(case_id))).scalars())


def _readers_of_report(case_id: int) -> Select[int]:
    return (
        select(EntryKey.reader_id)
        .join(CaseEntry, EntryKey.entry_id == CaseEntry.id)
        .where(CaseEntry.case_id == case_id)
        .where(CaseEntry.kind == EntryKind.REPORT)
    )


@dataclass(frozen=True)
class GuessState:
    failures: int
    window_ends: datetime
    last_failure_at: datetime | None


class GuessCounters:
    """Wrong guesses per subject within a sliding-start window (for receipts, references and
    staff passphrases)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def state(self, subject: str, now: datetime, window: timedelta) -> GuessState:
        """The subject's wrong guesses in its current window, when that ends and the last one."""
        async with self._db.transaction() as session:
            counter = await session.get(GuessCounter, subject)
            if counter is None or counter.window_start + window <= now:
                return GuessState(0, now, None)
            return GuessState(
                counter.failures, counter.window_start + window, counter.last_failure_at
            )

    async def failures(self, subject: str, now: datetime, window: timedelta) -> int:
        return (await self.state(subject, now, window)).failures

    async def window_ends(self, subject: str, now: datetime, window: timedelta) -> datetime:
        """When the subject's current window ends (`now` if it has none)."""
        return (await self.state(subject, now, window)).window_ends

    async def record_failure(self, subject: str, now: datetime, window: timedelta) -> int:
        """Count a wrong guess; the failures in the window, this one included."""
        async with self._db.transaction() as session:
            counter = await session.get(GuessCounter, subject)
            if counter is None:
                counter = GuessCounter(subject=subject, window_start=now, failures=1)
                session.add(counter)
            elif counter.window_start + window <= now:
                counter.window_start = now
                counter.failures = 1
            else:
                counter.failures += 1
            counter.last_failure_at = now
            return counter.failures

    async def forget(self, subject: str) -> None:
        """A right guess: the count starts again from nothing."""
        async with self._db.transaction() as session:
            counter = await session.get(GuessCounter, subject)
            if counter is not None:
                await session.delete(counter)
