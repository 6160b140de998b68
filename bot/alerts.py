"""The escalation ladder: somebody must acknowledge every case, and quickly.

Tier 1 is the officer and the safe person of the case's activity; then the deputies; then the
board. A case about the officer has the board alone, and the officer is alerted at no tier.
A new case alerts tier 1 at once. If nobody acknowledges within the urgency's time (config
`ack.immediate`, `ack.urgent`, `ack.standard`), the next tier is alerted and the earlier tiers
again; after the last tier, the alerts repeat at that interval until someone acknowledges.
The ladder lives in the case's row (tier, round, next alert time), so it survives restarts and,
with several instances, each escalation happens once (rows claimed with SKIP LOCKED).
Alerts carry triage facts only, never content, and go through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from bot.audit import AuditLog
from bot.case_model import (
    CaseKind,
    CaseStatus,
    CaseSummary,
    StaffRole,
    StaffStatus,
    transition,
)
from bot.clock import Clock
from bot.deadlines import SWEEP_BATCH, DeadlineMoment, DeadlineReminders
from bot.notifier import Batch, Notice, StaffNotifier, priority_of, text_only
from bot.outbox import PRIORITY_STANDARD, PRIORITY_URGENT
from bot.settings import AcknowledgeTimes
from bot.staff import Member, StaffDesk
from storage.cases import CaseRepository, StaffRepository
from storage.models import ReportCase, StaffMember

# Not yet acknowledged (those an acknowledgement may be taken from): the ladder climbs for these.
WAITING_STATUSES = tuple(sorted(transition(CaseKind.CONCERN, CaseStatus.ACKNOWLEDGED).allowed_from))


@dataclass(frozen=True)
class AlertFacts:
    """What an alert may say: triage metadata, never what the reporter wrote."""

    code: str
    urgency: str
    audience: str
    about_staff: bool
    activity: str | None
    received_at: datetime
    deadline_at: datetime
    round: int


class AlertRenderer(Protocol):
    """Words and buttons in a reader's language (the handlers layer provides them)."""

    def alert(
        self, facts: AlertFacts, language: str
    ) -> tuple[str, list[list[tuple[str, str]]]]: ...

    def taken(self, code: str, taken_by: str, language: str) -> str: ...

    def reminder(
        self, code: str, time_left: timedelta, deadline: datetime, language: str
    ) -> str: ...

    def breach(self, code: str, deadline: datetime, language: str) -> str: ...

    def audit_witness(self, fingerprint: str, at: datetime, language: str) -> str: ...

    def key_locked(
        self, name: str, role: str, member_id: int, failures: int, language: str
    ) -> str: ...


@dataclass(frozen=True)
class Acknowledged:
    case: CaseSummary
    by: Member
    first: bool  # False when someone else (or they) had already taken it


def ladder_tiers(members: list[StaffMember], case: ReportCase) -> list[list[StaffMember]]:
    """Who is alerted at each tier, for this case; empty tiers are skipped."""
    if case.about_officer:
        tiers = [[m for m in members if m.role == StaffRole.BOARD]]
    else:
        tiers = [
            [
                m
                for m in members
                if m.role == StaffRole.OFFICER
                or (
                    m.role == StaffRole.SAFE_PERSON
                    and case.activity
                    and m.activity == case.activity
                )
            ],
            [m for m in members if m.role == StaffRole.DEPUTY],
            [m for m in members if m.role == StaffRole.BOARD],
        ]
    return [tier for tier in tiers if tier]


class EscalationLadder:
    def __init__(
        self,
        cases: CaseRepository,
        staff: StaffRepository,
        staff_desk: StaffDesk,
        notifier: StaffNotifier,
        render: AlertRenderer,
        ack_times: AcknowledgeTimes,
        reminders: tuple[timedelta, ...],
        clock: Clock,
        audit: AuditLog,
    ) -> None:
        self._audit = audit
        self._cases = cases
        self._staff = staff
        self._staff_desk = staff_desk
        self._notifier = notifier
        self._render = render
        self._ack_times = ack_times
        self._clock = clock
        self._deadlines = DeadlineReminders(
            CaseKind.CONCERN, cases, notifier, clock, reminders, policy=self
        )

    def _ack_time(self, urgency: str) -> timedelta:
        ack_time: timedelta = getattr(self._ack_times, urgency, self._ack_times.standard)
        return ack_time

    def _alerts(self, case: ReportCase, members: list[StaffMember], round_: int) -> list[Notice]:
        facts = AlertFacts(
            code=case.code,
            urgency=case.urgency,
            audience=case.audience,
            about_staff=case.category == "about_staff",
            activity=case.activity,
            received_at=case.received_at,
            deadline_at=case.deadline_at,
            round=round_,
        )
        return [
            Notice(
                member,
                f"alert|{case.code}|{member.id}|{round_}",
                partial(self._render.alert, facts),
                priority=priority_of(case.urgency),
                # Under a burst, this chat's waiting alerts go out together, as one list.
                digest_of=(case.code, case.urgency),
                case_id=case.id,
            )
            for member in members
        ]

    async def alert_new_case(self, case: ReportCase) -> int:
        """Alert tier 1 (in the current unit of work) and start the acknowledgement timer.
        Who may be alerted: the case's readers (it was sealed for them when it came in), less
        anyone revoked since. Someone enrolled later could not open it."""
        tiers = ladder_tiers(await self._cases.active_readers_of(case.id), case)
        queued = await self._notifier.tell_all(self._alerts(case, tiers[0], 1)) if tiers else 0
        await self._audit.record("system", f"tier 1 alerted ({queued})", case.code)
        now = self._clock.now()
        await self._cases.update_ladder(
            case.id,
            tier=0,
            alert_round=1,
            next_alert_at=now + self._ack_time(case.urgency),
            # With nobody reachable the case stays waiting; the next round tries the next tier.
            status=CaseStatus.ALERTED if queued else case.status,
            now=now,
        )
        return queued

    async def escalate_due(self, limit: int = SWEEP_BATCH) -> int:
        """Climb the ladder for at most `limit` unacknowledged cases whose time is up (the
        most overdue first); return how many.

        Set-based: the batch's readers and languages are read once, its alerts queued in one
        statement, its audit events chained in one append, and its cases' new ladder state
        written together at the commit (one by one, 1,000 due cases took 14 s)."""
        now = self._clock.now()
        due = await self._cases.due_for_escalation(now, WAITING_STATUSES, limit)
        readers = await self._cases.active_readers_of_cases([c.id for c in due])
        batch = Batch()
        climbs: list[tuple[ReportCase, int, int, int]] = []
        for case in due:
            tiers = ladder_tiers(readers.get(case.id, []), case)
            tier = min(case.tier + 1, len(tiers) - 1) if tiers else 0
            round_ = case.alert_round + 1
            alerts = self._alerts(case, [m for t in tiers[: tier + 1] for m in t], round_)
            climbs.append((case, tier, round_, len(alerts)))
            for notice in alerts:
                batch.add(notice)
        queued = iter(await self._notifier.send_batch(batch))
        records: list[tuple[str, str, str | None]] = []
        for case, tier, round_, count in climbs:
            added = sum(next(queued) for _ in range(count))
            records.append(("system", f"tier {tier + 1} alerted ({added})", case.code))
            await self._cases.update_ladder(
                case.id,
                tier=tier,
                alert_round=round_,
                next_alert_at=now + self._ack_time(case.urgency),
                status=CaseStatus.ALERTED if added else case.status,
                now=now,
            )
        await self._audit.record_many(records)
        return len(climbs)

    async def acknowledge(self, code: str, member: Member) -> Acknowledged | None:
        """The member takes the case: the ladder stops, and everyone alerted is told who."""
        case = await self._cases.by_code(code)
        if case is None or case.kind != CaseKind.CONCERN:
            return None
        tiers = ladder_tiers(await self._cases.active_readers_of(case.id), case)
        alerted = [m for t in tiers[: case.tier + 1] for m in t]
        if member.id not in {m.id for m in alerted}:
            return None  # not someone this case was put before
        if case.acknowledged_by is not None:
            return Acknowledged(
                CaseSummary.of(case), await self._member(case.acknowledged_by, member), first=False
            )
        now = self._clock.now()
        taking = transition(CaseKind.CONCERN, CaseStatus.ACKNOWLEDGED)
        if not await self._cases.acknowledge(case.id, member.id, taking, now):
            # Someone else took it a moment ago.
            taker_id = await self._cases.taker_of(case.id)
            return Acknowledged(
                CaseSummary.of(case), await self._member(taker_id, member), first=False
            )
        await self._audit.record(f"staff:{member.id}", "acknowledged", case.code)
        await self._notifier.tell_all(
            [
                Notice(
                    other,
                    f"taken|{case.code}|{other.id}",
                    text_only(partial(self._render.taken, case.code, member.name)),
                    priority=priority_of(case.urgency),
                    case_id=case.id,
                )
                for other in alerted
                # They know: their own alert turns into "you acknowledged".
                if other.id != member.id
            ]
        )
        return Acknowledged(CaseSummary.of(case), member, first=True)

    async def _member(self, member_id: int | None, otherwise: Member) -> Member:
        row = await self._staff.get(member_id) if member_id is not None else None
        return Member.of(row) if row is not None else otherwise

    async def remind_deadlines(self, limit: int = SWEEP_BATCH) -> int:
        """Reminders before the report deadline, and a breach alert to the board at it, for
        at most `limit` cases whose moment has come; return how many cases were looked at.

        Only the latest reminder that applies is sent (a bot that was down does not send three
        at once); each goes once to each person, however often this runs.
        """
        return await self._deadlines.sweep(limit)

    async def notices(
        self, case: ReportCase, moment: DeadlineMoment, readers: list[StaffMember]
    ) -> list[Notice]:
        """At the deadline the board is alerted; before it, whoever took the case is reminded,
        or everyone alerted so far while nobody has."""
        if moment.breached:
            return [
                Notice(
                    member,
                    f"breach|{case.code}|{member.id}",
                    text_only(partial(self._render.breach, case.code, case.deadline_at)),
                    priority=priority_of(case.urgency),
                    case_id=case.id,
                )
                for member in readers
                if member.role == StaffRole.BOARD
            ]
        if case.acknowledged_by is not None:
            remind = [m for m in readers if m.id == case.acknowledged_by]
        else:
            remind = [m for t in ladder_tiers(readers, case)[: case.tier + 1] for m in t]
        seconds = int(moment.left.total_seconds())
        return [
            Notice(
                member,
                f"reminder|{case.code}|{member.id}|{seconds}",
                text_only(partial(self._render.reminder, case.code, moment.left, case.deadline_at)),
                priority=priority_of(case.urgency),
                case_id=case.id,
            )
            for member in remind
        ]

    async def tell_board_key_locked(self, member: Member, failures: int) -> int:
        """A member's key was locked after wrong passphrases: their phone or Telegram account
        may be in someone else's hands, so the board hears of it (the officer and deputies
        when no board member is enrolled), never the member's own chat. How many were told."""
        others = [
            m for m in await self._staff.active_readers((StaffRole.BOARD,)) if m.id != member.id
        ]
        if not others:
            deputies = await self._staff.active_readers((StaffRole.OFFICER, StaffRole.DEPUTY))
            others = [m for m in deputies if m.id != member.id]
        moment = int(self._clock.now().timestamp())
        return await self._notifier.tell_all(
            [
                Notice(
                    other,
                    f"key locked|{member.id}|{moment}|{other.id}",
                    text_only(
                        partial(
                            self._render.key_locked, member.name, member.role, member.id, failures
                        )
                    ),
                    priority=PRIORITY_URGENT,
                )
                for other in others
            ]
        )

    async def send_audit_witness(self) -> int:
        """Once a day, each board member gets the audit log's head fingerprint in Telegram: an
        outside witness of the log. Someone who later removes events and rewrites the anchor
        (which takes the server secret too) cannot make `safeperson audit verify --expect` accept
        a fingerprint the board already holds. Returns how many were queued."""
        fingerprint = await self._audit.head_fingerprint()
        if fingerprint is None:
            return 0
        now = self._clock.now()
        day = now.date().isoformat()  # the day of the key, not of the words: UTC is fine
        return await self._notifier.tell_all(
            [
                Notice(
                    member,
                    # Once a day for each member, however often housekeeping runs.
                    f"audit-witness|{day}|{member.id}",
                    text_only(partial(self._render.audit_witness, fingerprint, now)),
                    priority=PRIORITY_STANDARD,
                )
                for member in await self._staff_desk.members()
                if member.role == StaffRole.BOARD and member.status == StaffStatus.ACTIVE
            ]
        )

    async def member_for(self, telegram_user_id: int) -> Member | None:
        return await self._staff_desk.active_member(telegram_user_id)
