"""Acting on a case: replying to the reporter, sealed notes, and moving the case along.

Only a case's readers act on it (the case is sealed for them when it is submitted), and only
while they are enrolled and not revoked. The steps are

    acknowledged → assessing → referred (to which authority, when) → closed (with a reason)

where a case may be referred or closed without being assessed first, and closed without being
referred (for example when there is no safeguarding concern). Referring or closing stops the
report deadline. Every step, reply and note is written to the audit log (never its content).

A reply is sealed like every other entry, for the case's readers and also for the reporter's own
key, so the reporter reads it back with /status. If the reporter asked to be written back to, it is
also relayed to their chat through the outbox, signed "the safe person": the reporter never sees
who wrote it, and the writer never sees who the reporter is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from bot.audit import AuditLog
from bot.case_model import (
    CaseKind,
    CaseStatus,
    CaseSummary,
    CloseReason,
    EntryKind,
    StaffStatus,
    accepts_replies,
    deadline_runs,
    next_steps,
    transition,
)
from bot.clock import Clock, RandomSource
from bot.local_time import from_the_wall, on_the_wall
from bot.notifier import Notice, StaffNotifier, answer_window, priority_of
from bot.sealing import reply_chat, seal_case_entry, sealing_keys
from bot.server_keys import ServerKeys
from bot.staff import Member
from storage.cases import CaseRepository, StaffRepository, StatusChange
from storage.models import ReportCase

# A reply must fit in one Telegram message with the words around it.
MAX_REPLY_CHARACTERS: Final = 3000
MAX_NOTE_CHARACTERS: Final = 3500


def close_reason(value: str) -> CloseReason | None:
    """The reason a button carries, if it is one (callback data comes from outside)."""
    try:
        return CloseReason(value)
    except ValueError:
        return None


def is_reader(member: Member, readers: set[int]) -> bool:
    return member.status == StaffStatus.ACTIVE and member.id in readers


class ReporterWords(Protocol):
    """Words for the reporter and staff, in their language (the handlers layer provides them)."""

    def reply_to_reporter(
        self, code: str, text: str, language: str
    ) -> tuple[str, list[list[tuple[str, str]]]]: ...

    def reporter_answered(
        self, code: str, language: str
    ) -> tuple[str, list[list[tuple[str, str]]]]: ...


@dataclass(frozen=True)
class ReplyOutcome:
    # False when the reporter asked not to be written to: the reply waits for /status.
    relayed: bool
    # True when the case no longer takes replies (closed meanwhile): nothing was kept.
    refused: bool = False


@dataclass(frozen=True)
class Moved:
    case: CaseSummary
    # False when the case was no longer in a status this step can be taken from (a second tap).
    done: bool


class CaseWork:
    def __init__(
        self,
        cases: CaseRepository,
        staff: StaffRepository,
        notifier: StaffNotifier,
        words: ReporterWords,
        keys: ServerKeys,
        clock: Clock,
        random: RandomSource,
        audit: AuditLog,
    ) -> None:
        self._cases = cases
        self._staff = staff
        self._notifier = notifier
        self._words = words
        self._keys = keys
        self._clock = clock
        self._random = random
        self._audit = audit

    def now(self) -> datetime:
        return self._clock.now()

    async def card(self, case: CaseSummary) -> CaseCard:
        runs = deadline_runs(case.status)
        return CaseCard(
            code=case.code,
            urgency=case.urgency,
            audience=case.audience,
            activity=case.activity,
            status=case.status,
            acknowledged_by=await self.name_of(case.acknowledged_by),
            referred_to=case.referred_to,
            referred_at=case.referred_at,
            closed_reason=case.closed_reason,
            deadline_at=case.deadline_at,
            time_left=case.deadline_at - self._clock.now() if runs else None,
            next_steps=next_steps(case.status) if case.acknowledged_by is not None else (),
            legal_hold_at=case.legal_hold_at,
        )

    async def case_for(self, member: Member, code: str) -> CaseSummary | None:
        """The case, if it is sealed for this (active) member; None for anyone else."""
        case = await self._cases.by_code(code)
        if case is None or case.kind != CaseKind.CONCERN:
            return None  # a consent request has its own steps (bot.consent)
        if not is_reader(member, await self._cases.readers_of(case.id)):
            return None
        return CaseSummary.of(case)

    async def open_cases(self, member: Member) -> list[CaseSummary]:
        """The cases not yet closed that this member may read, soonest deadline first."""
        rows = await self._cases.open_cases_sealed_for(member.id, CaseStatus.CLOSED)
        return [CaseSummary.of(row) for row in rows]

    async def name_of(self, member_id: int | None) -> str | None:
        if member_id is None:
            return None
        member = await self._staff.get(member_id)
        return member.name if member is not None else None

    async def _seal_for_readers(
        self,
        case: ReportCase,
        kind: EntryKind,
        author: Member,
        content: str,
        for_reporter: bool,
    ) -> str:
        """Seal and store an entry; return its token (unique, so it names the entry)."""
        # The case's readers, less anyone revoked since: they get nothing new.
        entry = seal_case_entry(
            case.code,
            kind,
            f"staff:{author.id}",
            content.encode(),
            await sealing_keys(self._cases, case),
            case.reporter_public_key if for_reporter else None,
            self._clock,
            self._random,
        )
        await self._cases.add_entry(case.id, entry)
        return entry.token

    async def _writable(self, case: CaseSummary) -> ReportCase | None:
        """The case's row as committed, if it still takes replies and notes: a closed case
        takes no more (the rule is here, not only in the buttons a handler shows)."""
        row = await self._cases.get(case.id)
        return row if row is not None and accepts_replies(row.status) else None

    async def reply(self, member: Member, case: CaseSummary, text: str) -> ReplyOutcome:
        """Write to the reporter as "the safe person"; sealed into the case either way. Refused
        (nothing kept) once the case is closed."""
        row = await self._writable(case)
        if row is None:
            return ReplyOutcome(relayed=False, refused=True)
        token = await self._seal_for_readers(row, EntryKind.REPLY, member, text, for_reporter=True)
        await self._audit.record(f"staff:{member.id}", "replied to the reporter", case.code)
        chat_id = reply_chat(self._keys, row)
        if chat_id is None:
            return ReplyOutcome(relayed=False)
        await self._notifier.tell_reporter(
            chat_id,
            f"reply|{case.code}|{token}",
            partial(self._words.reply_to_reporter, case.code, text),
            case_id=case.id,
        )
        return ReplyOutcome(relayed=True)

    async def add_note(self, member: Member, case: CaseSummary, text: str) -> bool:
        """Seal a note into the case; False (nothing kept) once the case is closed."""
        row = await self._writable(case)
        if row is None:
            return False
        await self._note(member, row, text)
        return True

    async def _note(self, member: Member, case: ReportCase, text: str) -> None:
        await self._seal_for_readers(case, EntryKind.NOTE, member, text, for_reporter=False)
        await self._audit.record(f"staff:{member.id}", "note added", case.code)

    async def start_assessing(self, member: Member, case: CaseSummary) -> Moved:
        return await self._move(member, case, CaseStatus.ASSESSING)

    async def refer(
        self, member: Member, case: CaseSummary, authority: str, when: datetime
    ) -> Moved:
        return await self._move(
            member,
            case,
            transition(
                CaseKind.CONCERN,
                CaseStatus.REFERRED,
                referred_to=authority.strip()[:100],
                referred_at=when,
            ),
        )

    async def close(
        self, member: Member, case: CaseSummary, reason: CloseReason, note: str | None
    ) -> Moved:
        # The step first: a note is kept only if the case really closes now, and the case row
        # is locked before the audit log, in the same order as every other step.
        # The reply route goes in the same UPDATE (the transition says so): a closed case takes
        # no more replies, so the reporter's chat id need not be kept (not even sealed).
        moved = await self._move(
            member,
            case,
            transition(
                CaseKind.CONCERN,
                CaseStatus.CLOSED,
                closed_reason=reason,
                closed_at=self._clock.now(),
            ),
        )
        row = await self._cases.get(case.id) if moved.done and note else None
        if row is not None and note:
            # The reason, as the member wrote it, is kept although the case is now closed.
            await self._note(member, row, note)
        return moved

    async def _move(
        self, member: Member, case: CaseSummary, step: CaseStatus | StatusChange
    ) -> Moved:
        change = step if isinstance(step, StatusChange) else transition(case.kind, step)
        if case.status not in change.allowed_from:
            return Moved(case, done=False)
        if not await self._cases.move(case.id, change, self._clock.now()):
            return Moved(case, done=False)  # someone else moved it first
        await self._audit.record(f"staff:{member.id}", f"status: {change.to}", case.code)
        moved = await self._cases.get(case.id)
        return Moved(CaseSummary.of(moved) if moved is not None else case, done=True)

    async def reporter_added(self, case: ReportCase) -> None:
        """The reporter wrote more: alert whoever acknowledged the case (if still active)."""
        await self._audit.record("reporter", "reporter added to the case", case.code)
        if case.acknowledged_by is None:
            return  # nobody has taken it yet: the ladder is still alerting
        active = await self._cases.active_readers_of(case.id)
        taker = [m for m in active if m.id == case.acknowledged_by]
        # If the one who took it was revoked since, the answer must still reach someone: every
        # other reader of the case is told. A burst of messages makes one alert.
        window = answer_window(self._clock.now())
        await self._notifier.tell_all(
            [
                Notice(
                    member,
                    f"answered|{case.code}|{member.id}|{window}",
                    partial(self._words.reporter_answered, case.code),
                    priority=priority_of(case.urgency),
                    case_id=case.id,
                )
                for member in taker or active
            ]
        )


@dataclass(frozen=True)
class CaseCard:
    """What a reader sees about a case before opening it: facts, never content."""

    code: str
    urgency: str
    audience: str
    activity: str | None
    status: CaseStatus
    acknowledged_by: str | None
    referred_to: str | None
    referred_at: datetime | None
    closed_reason: CloseReason | None
    deadline_at: datetime
    # Until the deadline, while it still runs; None once referred or closed (it is met).
    time_left: timedelta | None
    next_steps: tuple[CaseStatus, ...]
    # On legal hold since then (kept past retention until released), or None.
    legal_hold_at: datetime | None = None


# Typed referral times the officer may use, read off the organisation's clocks. The first is
# the one the prompt shows: the way dates are written in Romania and Albania.
_DATE_AND_TIME: Final = ("%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M")
_DATE_ONLY: Final = ("%d.%m.%Y", "%Y-%m-%d")
# A phone clock a little ahead of the server's is not "the future".
_CLOCK_SKEW: Final = timedelta(minutes=5)


def _parsed(text: str, patterns: tuple[str, ...]) -> datetime | None:
    """The wall-clock time written, naive: which zone it is in is the caller's to say."""
    for pattern in patterns:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def referral_time_example(now: datetime, zone: ZoneInfo) -> str:
    """The current minute as the organisation's clocks show it, written the way
    `parse_referral_time` reads first: an example the prompt can give that is always accepted."""
    return on_the_wall(now, zone).strftime(_DATE_AND_TIME[0])


def parse_referral_time(
    typed: str, now: datetime, received_at: datetime, zone: ZoneInfo
) -> datetime | None:
    """When a case was referred, typed in the organisation's local time, as a UTC moment;
    None unless it is between receipt and now.

    Accepts a date and time, a date alone (that day: from the receipt if it came in that day),
    or a time alone (today).
    """
    text = " ".join(typed.split())
    readings: tuple[datetime, ...] = ()
    if (wall := _parsed(text, _DATE_AND_TIME)) is not None:
        readings = from_the_wall(wall, zone)
    elif (day := _parsed(text, _DATE_ONLY)) is not None:
        start = from_the_wall(day, zone)[0]
        came_in_that_day = on_the_wall(received_at, zone).date() == day.date()
        readings = (max(start, received_at) if came_in_that_day else start,)
    elif (clock_time := _parsed(text, ("%H:%M",))) is not None:
        today = on_the_wall(now, zone).replace(tzinfo=None)
        readings = from_the_wall(
            today.replace(hour=clock_time.hour, minute=clock_time.minute, second=0, microsecond=0),
            zone,
        )
    # In the hour the clocks repeat, the one of its two passes that is possible.
    possible = [m for m in readings if received_at - _CLOCK_SKEW <= m <= now + _CLOCK_SKEW]
    return possible[0] if possible else None
