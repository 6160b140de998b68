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

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Final, Protocol

from bot.audit import AuditLog
from bot.case_model import CaseKind, CaseStatus, StaffRole, StaffStatus, Urgency, deadline_runs
from bot.clock import Clock
from bot.deadlines import SWEEP_BATCH, latest_reminder, next_look
from bot.outbox import (
    PRIORITY_IMMEDIATE,
    PRIORITY_STANDARD,
    PRIORITY_URGENT,
    DigestLine,
    Outbox,
    StaffMessage,
)
from bot.people import PeopleService
from bot.settings import AcknowledgeTimes
from bot.staff import StaffDesk
from storage.cases import CaseRepository, StaffRepository
from storage.models import ReportCase, StaffMember

PRIORITY_OF_URGENCY: Final[dict[str, int]] = {
    Urgency.IMMEDIATE: PRIORITY_IMMEDIATE,
    Urgency.URGENT: PRIORITY_URGENT,
    Urgency.STANDARD: PRIORITY_STANDARD,
}
# Not yet acknowledged: the ladder climbs for these.
WAITING_STATUSES: Final = (CaseStatus.AWAITING_ALERT, CaseStatus.ALERTED)


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

    def audit_witness(self, fingerprint: str, day: str, language: str) -> str: ...

    def key_locked(
        self, name: str, role: str, member_id: int, failures: int, language: str
    ) -> str: ...


@dataclass(frozen=True)
class Acknowledged:
    case: ReportCase
    by: StaffMember
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


@dataclass
class _SweepLookups:
    """What one batch of a sweep reads once for all its cases, instead of once per case: each
    case's readers (one query) and each member's language. At 1,000 due cases these lookups
    were 6,000 of the sweep's 18,000 statements."""

    readers: dict[int, list[StaffMember]]
    languages: dict[int, str] = field(default_factory=dict)


class EscalationLadder:
    def __init__(
        self,
        cases: CaseRepository,
        staff: StaffRepository,
        staff_desk: StaffDesk,
        people: PeopleService,
        outbox: Outbox,
        render: AlertRenderer,
        ack_times: AcknowledgeTimes,
        reminders: tuple[timedelta, ...],
        default_language: str,
        clock: Clock,
        audit: AuditLog,
    ) -> None:
        self._audit = audit
        self._reminders = tuple(sorted(reminders))
        self._cases = cases
        self._staff = staff
        self._staff_desk = staff_desk
        self._people = people
        self._outbox = outbox
        self._render = render
        self._ack_times = ack_times
        self._default_language = default_language
        self._clock = clock

    async def _members_for(
        self, case: ReportCase, lookups: _SweepLookups | None = None
    ) -> list[StaffMember]:
        """Who may be alerted about this case: its readers (it was sealed for them when it came
        in), less anyone revoked since. Someone enrolled later could not open it."""
        if lookups is not None:
            return lookups.readers.get(case.id, [])
        return await self._cases.active_readers_of(case.id)

    async def _lookups(self, cases: list[ReportCase]) -> _SweepLookups:
        return _SweepLookups(await self._cases.active_readers_of_cases([c.id for c in cases]))

    def _ack_time(self, urgency: str) -> timedelta:
        ack_time: timedelta = getattr(self._ack_times, urgency, self._ack_times.standard)
        return ack_time

    async def _language(self, member: StaffMember, lookups: _SweepLookups | None = None) -> str:
        if lookups is not None and member.id in lookups.languages:
            return lookups.languages[member.id]
        language = (
            await self._people.language_of_pseudonym(member.pseudonym) or self._default_language
        )
        if lookups is not None:
            lookups.languages[member.id] = language
        return language

    async def _alert_messages(
        self,
        case: ReportCase,
        members: list[StaffMember],
        round_: int,
        lookups: _SweepLookups | None = None,
    ) -> list[StaffMessage]:
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
        messages = []
        for member in members:
            chat_id = self._staff_desk.alert_chat(member)
            if chat_id is None:
                continue
            language = await self._language(member, lookups)
            text, buttons = self._render.alert(facts, language)
            messages.append(
                StaffMessage(
                    chat_id,
                    text,
                    priority=PRIORITY_OF_URGENCY.get(case.urgency, PRIORITY_STANDARD),
                    purpose=f"alert|{case.code}|{member.id}|{round_}",
                    buttons=buttons,
                    # Under a burst, this chat's waiting alerts go out together, as one list.
                    digest=DigestLine(case.code, case.urgency, language),
                )
            )
        return messages

    async def _alert(self, case: ReportCase, members: list[StaffMember], round_: int) -> int:
        return sum(
            await self._outbox.enqueue_many(await self._alert_messages(case, members, round_))
        )

    async def alert_new_case(self, case: ReportCase) -> int:
        """Alert tier 1 (in the current unit of work) and start the acknowledgement timer."""
        tiers = ladder_tiers(await self._members_for(case), case)
        queued = await self._alert(case, tiers[0], 1) if tiers else 0
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
        lookups = await self._lookups(due)
        climbs: list[tuple[ReportCase, int, int, int]] = []
        messages: list[StaffMessage] = []
        for case in due:
            tiers = ladder_tiers(await self._members_for(case, lookups), case)
            tier = min(case.tier + 1, len(tiers) - 1) if tiers else 0
            round_ = case.alert_round + 1
            alerted = [m for t in tiers[: tier + 1] for m in t]
            alerts = await self._alert_messages(case, alerted, round_, lookups)
            climbs.append((case, tier, round_, len(alerts)))
            messages += alerts
        queued = iter(await self._outbox.enqueue_many(messages))
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

    async def acknowledge(self, code: str, member: StaffMember) -> Acknowledged | None:
        """The member takes the case: the ladder stops, and everyone alerted is told who."""
        case = await self._cases.by_code(code)
        if case is None or case.kind != CaseKind.CONCERN:
            return None
        tiers = ladder_tiers(await self._members_for(case), case)
        alerted = [m for t in tiers[: case.tier + 1] for m in t]
        if member.id not in {m.id for m in alerted}:
            return None  # not someone this case was put before
        if case.acknowledged_by is not None:
            taker = await self._staff.get(case.acknowledged_by)
            return Acknowledged(case, taker or member, first=False)
        now = self._clock.now()
        if not await self._cases.acknowledge(case.id, member.id, now):
            # Someone else took it a moment ago.
            taker_id = await self._cases.taker_of(case.id)
            taker = await self._staff.get(taker_id) if taker_id is not None else None
            return Acknowledged(case, taker or member, first=False)
        await self._audit.record(f"staff:{member.id}", "acknowledged", case.code)
        for other in alerted:
            if other.id == member.id:
                continue  # they know: their own alert turns into "you acknowledged"
            chat_id = self._staff_desk.alert_chat(other)
            if chat_id is None:
                continue
            await self._outbox.enqueue(
                chat_id,
                self._render.taken(case.code, member.name, await self._language(other)),
                priority=PRIORITY_OF_URGENCY.get(case.urgency, PRIORITY_STANDARD),
                purpose=f"taken|{case.code}|{other.id}",
            )
        return Acknowledged(case, member, first=True)

    async def remind_deadlines(self, limit: int = SWEEP_BATCH) -> int:
        """Reminders before the report deadline, and a breach alert to the board at it, for
        at most `limit` cases whose moment has come; return how many cases were looked at.

        Only the latest reminder that applies is sent (a bot that was down does not send three
        at once); each goes once to each person, however often this runs. Set-based as
        `escalate_due` is.
        """
        now = self._clock.now()
        due = await self._cases.due_for_reminder(now, CaseKind.CONCERN, limit)
        lookups = await self._lookups([c for c in due if deadline_runs(c.status)])
        messages: list[StaffMessage] = []
        next_looks: list[tuple[ReportCase, datetime | None]] = []
        for case in due:
            if not deadline_runs(case.status):
                next_looks.append((case, None))
                continue
            messages += await self._reminders_for(case, now, lookups)
            next_looks.append((case, next_look(case.deadline_at, self._reminders, now)))
        await self._outbox.enqueue_many(messages)
        await self._cases.set_next_reminders(next_looks)
        return len(due)

    async def _reminders_for(
        self, case: ReportCase, now: datetime, lookups: _SweepLookups
    ) -> list[StaffMessage]:
        members = await self._members_for(case, lookups)
        if now >= case.deadline_at:
            return [
                told
                for member in members
                if member.role == StaffRole.BOARD
                and (
                    told := await self._told(
                        member,
                        case,
                        f"breach|{case.code}|{member.id}",
                        partial(self._render.breach, case.code, case.deadline_at),
                        lookups,
                    )
                )
                is not None
            ]
        left = latest_reminder(case.deadline_at, self._reminders, now)
        if left is None:
            return []
        if case.acknowledged_by is not None:
            remind = [m for m in members if m.id == case.acknowledged_by]
        else:
            remind = [m for t in ladder_tiers(members, case)[: case.tier + 1] for m in t]
        messages = []
        for member in remind:
            told = await self._told(
                member,
                case,
                f"reminder|{case.code}|{member.id}|{int(left.total_seconds())}",
                partial(self._render.reminder, case.code, left, case.deadline_at),
                lookups,
            )
            if told is not None:
                messages.append(told)
        return messages

    async def _told(
        self,
        member: StaffMember,
        case: ReportCase,
        purpose: str,
        text: Callable[[str], str],
        lookups: _SweepLookups,
    ) -> StaffMessage | None:
        chat_id = self._staff_desk.alert_chat(member)
        if chat_id is None:
            return None
        return StaffMessage(
            chat_id,
            text(await self._language(member, lookups)),
            priority=PRIORITY_OF_URGENCY.get(case.urgency, PRIORITY_STANDARD),
            purpose=purpose,
        )

    async def tell_board_key_locked(self, member: StaffMember, failures: int) -> int:
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
        told = 0
        for other in others:
            chat_id = self._staff_desk.alert_chat(other)
            if chat_id is None:
                continue
            text = self._render.key_locked(
                member.name, member.role, member.id, failures, await self._language(other)
            )
            told += await self._outbox.enqueue(
                chat_id,
                text,
                priority=PRIORITY_URGENT,
                purpose=f"key locked|{member.id}|{moment}|{other.id}",
            )
        return told

    async def send_audit_witness(self) -> int:
        """Once a day, each board member gets the audit log's head fingerprint in Telegram: an
        outside witness of the log. Someone who later removes events and rewrites the anchor
        (which takes the server secret too) cannot make `safeperson audit verify --expect` accept
        a fingerprint the board already holds. Returns how many were queued."""
        fingerprint = await self._audit.head_fingerprint()
        if fingerprint is None:
            return 0
        day = self._clock.now().date().isoformat()
        messages = []
        for member in await self._staff_desk.members():
            if member.role != StaffRole.BOARD or member.status != StaffStatus.ACTIVE:
                continue
            chat_id = self._staff_desk.alert_chat(member)
            if chat_id is None:
                continue
            messages.append(
                StaffMessage(
                    chat_id,
                    self._render.audit_witness(fingerprint, day, await self._language(member)),
                    priority=PRIORITY_STANDARD,
                    # Once a day for each member, however often housekeeping runs.
                    purpose=f"audit-witness|{day}|{member.id}",
                )
            )
        return sum(await self._outbox.enqueue_many(messages))

    async def member_for(self, telegram_user_id: int) -> StaffMember | None:
        return await self._staff_desk.active_member(telegram_user_id)
