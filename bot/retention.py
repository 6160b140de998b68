"""Retention: finished cases are deleted a set time after they finished, unless on legal hold.

A concern is deleted `retention.closed_cases` after it was closed, a consent request
`retention.consent_requests` after it was done (safeperson.toml; the reasons for the defaults
are in the README). An open case is never deleted, however old. Deleting a case removes its
sealed entries, the keys wrapped for its readers, its reply route, its outgoing messages and
the count of wrong receipts tried against it, then the case row itself. The audit log keeps
what it already held (who did what and when, never content) and gains one event: that the case
was deleted by retention, and when.

A case on legal hold (an inquiry, a court case) is kept until the hold is released. The officer,
a deputy and the board may hold and release a case they read (so the board, not the officer,
for a case about the officer); both are audited.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final

from bot.audit import AuditLog
from bot.case_model import CaseKind, CaseStatus, CaseSummary, StaffRole
from bot.casework import is_reader
from bot.clock import Clock
from bot.contexts import Label
from bot.server_keys import ServerKeys
from bot.settings import Retention
from bot.staff import Member
from storage.cases import CaseRepository
from storage.db import Database
from storage.retention import RetentionRepository

logger = logging.getLogger(__name__)

# The roles that may put a case on legal hold and release it: those answerable for the
# organisation's records. The deputy stands in for the officer; a safe person only listens.
HOLDERS: Final = frozenset({StaffRole.OFFICER, StaffRole.DEPUTY, StaffRole.BOARD})
# Cases deleted per query of a sweep; the sweep goes on until none are left.
BATCH: Final = 100
RETENTION_ACTOR: Final = "retention"
DELETED: Final = "deleted by retention"
HELD: Final = "legal hold"
RELEASED: Final = "legal hold released"

# What "finished" means for each kind, as retention counts from it.
_FINISHED: Final = {
    CaseKind.CONCERN: frozenset({CaseStatus.CLOSED}),
    CaseKind.CONSENT: frozenset({CaseStatus.DONE}),
}


def may_hold(member: Member) -> bool:
    """Whether the member's role may hold cases (which cases: those they read)."""
    return member.role in HOLDERS


class RetentionSweep:
    """Deletes what retention says is due; run by housekeeping."""

    def __init__(
        self,
        repository: RetentionRepository,
        audit: AuditLog,
        database: Database,
        clock: Clock,
        retention: Retention,
        keys: ServerKeys,
    ) -> None:
        self._keys = keys
        self._repository = repository
        self._audit = audit
        self._database = database
        self._clock = clock
        self._retention = retention

    def _kept_for(self, kind: CaseKind) -> datetime:
        """Cases of `kind` finished before this moment are due."""
        period = (
            self._retention.closed_cases
            if kind == CaseKind.CONCERN
            else self._retention.consent_requests
        )
        return self._clock.now() - period

    async def sweep(self) -> int:
        """Delete every case past retention and not on hold; how many were deleted."""
        deleted = 0
        for kind, finished in _FINISHED.items():
            before = self._kept_for(kind)
            # In id order, past the last one tried: a case another instance is deleting at this
            # moment is left to it, not tried again.
            after_id = 0
            while due := await self._repository.expired(kind, finished, before, after_id, BATCH):
                for case_id in due:
                    deleted += await self._delete(case_id, kind, finished, before)
                after_id = due[-1]
        if deleted:
            logger.info("retention: %d cases deleted", deleted)
        return deleted

    async def _delete(
        self,
        case_id: int,
        kind: CaseKind,
        finished: frozenset[CaseStatus],
        before: datetime,
    ) -> int:
        # One transaction per case: the case goes with its audit event, or neither does.
        async with self._database.transaction():
            code = await self._repository.delete_case(case_id, kind, finished, before)
            if code is None:
                return 0
            # The count of wrong receipts tried against it, keyed by its code.
            await self._repository.forget_guesses(self._keys.key_id(Label.GUESSES_CASE, code))
            await self._audit.record(RETENTION_ACTOR, DELETED, code)
            return 1


class LegalHolds:
    """Putting a case on legal hold and releasing it."""

    def __init__(
        self,
        repository: RetentionRepository,
        cases: CaseRepository,
        audit: AuditLog,
        database: Database,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._cases = cases
        self._audit = audit
        self._database = database
        self._clock = clock

    async def may_hold(self, member: Member, case: CaseSummary) -> bool:
        """An active officer, deputy or board member the case is sealed for: so the board, and
        not the officer, for a case about the officer."""
        return may_hold(member) and is_reader(member, await self._cases.readers_of(case.id))

    async def hold(self, member: Member, case: CaseSummary) -> bool:
        """Put the case on hold; False if the member may not, or it already was."""
        if not await self.may_hold(member, case):
            return False
        async with self._database.transaction():
            if not await self._repository.hold(case.id, member.id, self._clock.now()):
                return False
            await self._audit.record(f"staff:{member.id}", HELD, case.code)
            return True

    async def release(self, member: Member, case: CaseSummary) -> bool:
        """Release the case's hold; False if the member may not, or it was not held."""
        if not await self.may_hold(member, case):
            return False
        async with self._database.transaction():
            if not await self._repository.release(case.id):
                return False
            await self._audit.record(f"staff:{member.id}", RELEASED, case.code)
            return True
