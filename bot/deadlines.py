"""Which deadline reminder applies now, and when a case must next be looked at.

Cases and consent requests share these rules: reminders go at fixed intervals before the
deadline (only the latest that applies, so a bot that was down does not send three at once),
and at the deadline the board is alerted. Each case carries `next_reminder_at`, the next moment
one of these can change, so that the sweep reads only the cases due now, not every open case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

from bot.case_model import CaseKind, deadline_runs
from bot.clock import Clock
from bot.notifier import Batch, Notice, StaffNotifier
from storage.cases import CaseRepository
from storage.models import ReportCase, StaffMember

# How many due cases one sweep transaction takes: small commits, so that no update waits long.
SWEEP_BATCH: Final = 100


def latest_reminder(
    deadline: datetime, reminders: Sequence[timedelta], now: datetime
) -> timedelta | None:
    """The smallest interval before the deadline already reached (None: none yet)."""
    reached = [r for r in sorted(reminders) if now >= deadline - r]
    return reached[0] if reached else None


def next_look(deadline: datetime, reminders: Sequence[timedelta], now: datetime) -> datetime | None:
    """The next reminder's moment, else the deadline itself; None once the deadline passed."""
    upcoming = sorted(deadline - r for r in reminders if deadline - r > now)
    if upcoming:
        return upcoming[0]
    return deadline if now < deadline else None


@dataclass(frozen=True)
class DeadlineMoment:
    """What a case's deadline calls for now: a reminder `left` before it, or the alert at it."""

    breached: bool
    left: timedelta = timedelta(0)


class ReminderPolicy(Protocol):
    """Who is told what at a deadline moment, for one kind of case."""

    async def notices(
        self, case: ReportCase, moment: DeadlineMoment, readers: list[StaffMember]
    ) -> list[Notice]: ...


class DeadlineReminders:
    """The deadline sweep every kind of case shares: the cases of `kind` whose next moment has
    come, soonest first; for each whose deadline still runs, the notices the kind's policy
    gives for the latest moment that applies; then each case's next moment. Set-based: the
    batch's readers are read in one query, each member's language once, and every notice is
    queued in one statement."""

    def __init__(
        self,
        kind: CaseKind,
        cases: CaseRepository,
        notifier: StaffNotifier,
        clock: Clock,
        reminders: Sequence[timedelta],
        policy: ReminderPolicy,
    ) -> None:
        self._kind = kind
        self._cases = cases
        self._notifier = notifier
        self._clock = clock
        self._reminders = tuple(sorted(reminders))
        self._policy = policy

    def moment(self, case: ReportCase, now: datetime) -> DeadlineMoment | None:
        if now >= case.deadline_at:
            return DeadlineMoment(breached=True)
        left = latest_reminder(case.deadline_at, self._reminders, now)
        return None if left is None else DeadlineMoment(breached=False, left=left)

    async def sweep(self, limit: int = SWEEP_BATCH) -> int:
        """Remind for at most `limit` due cases; how many were looked at (closed ones are let
        go of: they have no next moment)."""
        now = self._clock.now()
        due = await self._cases.due_for_reminder(now, self._kind, limit)
        running = [case for case in due if deadline_runs(case.status)]
        readers = await self._cases.active_readers_of_cases([case.id for case in running])
        batch = Batch()
        next_looks: list[tuple[ReportCase, datetime | None]] = []
        for case in due:
            if not deadline_runs(case.status):
                next_looks.append((case, None))
                continue
            moment = self.moment(case, now)
            if moment is not None:
                for notice in await self._policy.notices(case, moment, readers.get(case.id, [])):
                    batch.add(notice)
            next_looks.append((case, next_look(case.deadline_at, self._reminders, now)))
        await self._notifier.send_batch(batch)
        await self._cases.set_next_reminders(next_looks)
        return len(due)
