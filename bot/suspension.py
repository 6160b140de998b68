"""A member named in a concern is suspended; a member may step away from one case.

Împreună's policy: when a concern is about a member of personnel, "the person in cause is
suspended from any activity which involve children or their data". On a case's card, the officer
(or a deputy; or the board, the only ones who may name the officer) marks the member concerned:

- their status becomes suspended, so every rule that asks for an active member leaves them out:
  no alert, reminder or answer reaches them, nothing new is sealed for them, and no case opens
  for them (Read, the card and /cases all ask for an active member);
- the data keys wrapped for them in every open case are deleted, so their private key opens
  nothing there even if someone later unlocks it, and what still waited in the outbox for them
  is dropped;
- a case they had taken goes back to the ladder, so that someone else takes it;
- they are told only that their access is paused (not why, not which case);
- the step is in the audit log, with who took it and on which case.

Reinstating (the officer or the board; the board alone for the officer) makes them active again:
new cases are sealed for them, but the keys deleted are not given back, so the cases that were
open during the pause stay closed to them, the one they were named in above all.

Stepping away from one case (a conflict of interest) deletes the member's keys in that case
only and gives it back to the ladder if they had taken it; it is refused when nobody else could
read the case any more, since nobody could ever open it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from bot.audit import AuditLog
from bot.case_model import CLOSED_STATUSES, CaseStatus, CaseSummary, is_open
from bot.clock import Clock
from bot.notifier import Notice, StaffNotifier, text_only
from bot.outbox import PRIORITY_URGENT
from bot.staff import Member
from storage.cases import CaseRepository, StaffRepository
from storage.models import StaffMember
from storage.outbox import OutboxRepository
from storage.vocabulary import StaffRole, StaffStatus

# Who may mark a member as concerned on a case they read. A safe person is not: they work with
# the children, and the policy gives this step to those who manage the concern.
_MAY_MARK: Final = frozenset({StaffRole.OFFICER, StaffRole.DEPUTY, StaffRole.BOARD})
# Who may reinstate: the officer, or the board (the board alone when it is the officer).
_MAY_REINSTATE: Final = frozenset({StaffRole.OFFICER, StaffRole.BOARD})
# A case its taker leaves goes back to the ladder from these (a referred case's deadline has
# stopped and any of its readers may still close it).
_RETURNABLE: Final = (CaseStatus.ACKNOWLEDGED, CaseStatus.ASSESSING)


class SuspensionWords(Protocol):
    """What the member is told, in their language (the handlers layer renders)."""

    def access_paused(self, language: str) -> str: ...

    def access_back(self, language: str) -> str: ...


@dataclass(frozen=True)
class Suspended:
    member: Member
    # False when they were already suspended (a second tap): nothing was changed.
    done: bool
    # Open cases whose keys for them were deleted, and those of them nobody else can read now.
    cases_withdrawn: int = 0
    cases_left_unread: int = 0


@dataclass(frozen=True)
class SteppedAway:
    done: bool
    # Refused: they are the case's only active reader.
    only_reader: bool = False


def may_mark_concerned(member: Member) -> bool:
    return member.role in _MAY_MARK


def may_give_access_back(role: StaffRole) -> bool:
    """Whether the role may see who is paused and give access back (to whom: see
    `may_reinstate`)."""
    return role in _MAY_REINSTATE


def may_reinstate(actor: Member, member: Member | StaffMember) -> bool:
    if actor.id == member.id or actor.role not in _MAY_REINSTATE:
        return False
    return member.role != StaffRole.OFFICER or actor.role == StaffRole.BOARD


def may_name(actor: Member, member: StaffMember) -> bool:
    """Whether `actor` may mark `member` as concerned: never themselves, and the officer only
    by the board (a concern about the officer goes to the board)."""
    if actor.id == member.id or member.status != StaffStatus.ACTIVE:
        return False
    return member.role != StaffRole.OFFICER or actor.role == StaffRole.BOARD


class StaffSuspensions:
    def __init__(
        self,
        cases: CaseRepository,
        staff: StaffRepository,
        outbox: OutboxRepository,
        notifier: StaffNotifier,
        words: SuspensionWords,
        clock: Clock,
        audit: AuditLog,
    ) -> None:
        self._cases = cases
        self._staff = staff
        self._outbox = outbox
        self._notifier = notifier
        self._words = words
        self._clock = clock
        self._audit = audit

    async def who_may_be_named(self, actor: Member) -> list[Member]:
        """The members `actor` may mark as concerned, in the order of the staff list."""
        if not may_mark_concerned(actor):
            return []
        return [Member.of(m) for m in await self._staff.all_members() if may_name(actor, m)]

    async def suspend(self, actor: Member, case: CaseSummary, member_id: int) -> Suspended | None:
        """Mark `member_id` as concerned by `case` (which `actor` reads); None if `actor` may
        not name them (or they do not exist)."""
        row = await self._staff.get(member_id)
        if row is None or not may_mark_concerned(actor) or not is_open(case.status):
            return None
        if row.status == StaffStatus.SUSPENDED:
            return Suspended(Member.of(row), done=False)
        if not may_name(actor, row):
            return None
        now = self._clock.now()
        if not await self._staff.suspend(member_id, now):
            return Suspended(Member.of(row), done=False)  # someone else, a moment ago
        open_cases = await self._cases.open_cases_of_reader(member_id, tuple(CLOSED_STATUSES))
        ids = [c.id for c in open_cases]
        await self._cases.withdraw_reader(member_id, ids)
        for taken in (c for c in open_cases if c.acknowledged_by == member_id):
            await self._cases.return_to_ladder(taken.id, member_id, _RETURNABLE, now)
        await self._outbox.drop_waiting_for(member_id)
        readers = await self._cases.active_readers_of_cases(ids)
        left_unread = sum(1 for case_id in ids if not readers.get(case_id))
        await self._audit.record(f"staff:{actor.id}", f"suspended staff:{member_id}", case.code)
        await self._tell(row, f"paused|{member_id}|{now.isoformat()}", self._words.access_paused)
        return Suspended(
            Member.of(row), done=True, cases_withdrawn=len(ids), cases_left_unread=left_unread
        )

    async def paused_members(self, actor: Member) -> list[Member]:
        """Whose access is paused, if `actor` may see that list (the officer and the board)."""
        if not may_give_access_back(actor.role):
            return []
        return [Member.of(m) for m in await self._staff.suspended_members()]

    async def reinstate(self, actor: Member, member_id: int) -> Member | None:
        """Active again, for new cases; None if `actor` may not, or they are not suspended."""
        row = await self._staff.get(member_id)
        if row is None or row.status != StaffStatus.SUSPENDED or not may_reinstate(actor, row):
            return None
        if not await self._staff.reinstate(member_id):
            return None  # reinstated by someone else a moment ago
        await self._audit.record(f"staff:{actor.id}", f"reinstated staff:{member_id}")
        now = self._clock.now()
        await self._tell(row, f"resumed|{member_id}|{now.isoformat()}", self._words.access_back)
        return Member.of(row)

    async def step_away(self, member: Member, case: CaseSummary) -> SteppedAway:
        """`member` leaves this case for a conflict of interest: their keys in it go, and the
        case goes back to the ladder if they had taken it."""
        if not is_open(case.status):
            return SteppedAway(done=False)  # a closed case: nothing left to be part of
        others = [m for m in await self._cases.active_readers_of(case.id) if m.id != member.id]
        if not others:
            return SteppedAway(done=False, only_reader=True)
        if not await self._cases.withdraw_reader(member.id, [case.id]):
            return SteppedAway(done=False)  # a second tap: nothing of theirs is left there
        if case.acknowledged_by == member.id:
            await self._cases.return_to_ladder(case.id, member.id, _RETURNABLE, self._clock.now())
        await self._audit.record(
            f"staff:{member.id}", "stepped away (conflict of interest)", case.code
        )
        return SteppedAway(done=True)

    async def _tell(self, member: StaffMember, purpose: str, render: Callable[[str], str]) -> None:
        await self._notifier.tell(
            Notice(member, purpose, text_only(render), priority=PRIORITY_URGENT)
        )
