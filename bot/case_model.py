"""The case model: its kinds, statuses, urgencies and roles, and the one table of which step
may follow which.

Every change of a case's status goes through `transition()`: the services ask it, the handlers
do not decide. The repository then takes the step only if the status is still one it may be
taken from (in the UPDATE itself), so two members tapping at once cannot both move a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Final

from storage.cases import StatusChange
from storage.models import ReportCase
from storage.vocabulary import (
    CaseKind,
    CaseStatus,
    CloseReason,
    EntryKind,
    StaffRole,
    StaffStatus,
    Urgency,
)

__all__ = [
    "CLOSED_STATUSES",
    "CaseKind",
    "CaseStatus",
    "CaseSummary",
    "CloseReason",
    "EntryKind",
    "StaffRole",
    "StaffStatus",
    "UnknownStepError",
    "Urgency",
    "accepts_replies",
    "deadline_runs",
    "is_open",
    "may_move",
    "next_steps",
    "transition",
]

S = CaseStatus

# For each kind, each status a case may move to, and the statuses it may be taken from. A case
# of a new kind adds its own row here (and its statuses to CaseStatus).
TRANSITIONS: Final = MappingProxyType(
    {
        CaseKind.CONCERN: {
            S.ALERTED: frozenset({S.AWAITING_ALERT, S.ALERTED}),
            S.ACKNOWLEDGED: frozenset({S.AWAITING_ALERT, S.ALERTED}),
            S.ASSESSING: frozenset({S.ACKNOWLEDGED}),
            S.REFERRED: frozenset({S.ACKNOWLEDGED, S.ASSESSING}),
            S.CLOSED: frozenset({S.ACKNOWLEDGED, S.ASSESSING, S.REFERRED}),
        },
        CaseKind.CONSENT: {
            S.RECEIVED: frozenset({S.AWAITING_ALERT}),
            S.DONE: frozenset({S.AWAITING_ALERT, S.RECEIVED}),
        },
    }
)

# Where a case's life ends: its deadline has stopped, it takes no more replies.
CLOSED_STATUSES: Final = frozenset({S.CLOSED, S.DONE})
# Until a case is referred to the authorities, closed or done, its deadline runs.
_DEADLINE_STOPPED: Final = frozenset({S.REFERRED, *CLOSED_STATUSES})
# The steps a member may choose on a concern's card, in the order they are shown.
_CARD_STEPS: Final = (S.ASSESSING, S.REFERRED, S.CLOSED)


class UnknownStepError(ValueError):
    """A step the transition table has no row for (a bug, not a second tap)."""


def transition(
    kind: CaseKind,
    to: CaseStatus,
    *,
    referred_to: str | None = None,
    referred_at: datetime | None = None,
    closed_reason: CloseReason | None = None,
    closed_at: datetime | None = None,
) -> StatusChange:
    """The step to `to` for a case of `kind`, with the statuses it may be taken from. Closing
    (or finishing) also forgets the reporter's chat: nothing more is relayed to it."""
    allowed = TRANSITIONS[kind].get(to)
    if allowed is None:
        raise UnknownStepError(f"{kind} cases have no step to {to}")
    return StatusChange(
        to=to,
        allowed_from=allowed,
        referred_to=referred_to,
        referred_at=referred_at,
        closed_reason=closed_reason,
        closed_at=closed_at,
        forget_reply_route=to in CLOSED_STATUSES,
    )


def may_move(kind: CaseKind, status: CaseStatus, to: CaseStatus) -> bool:
    return status in TRANSITIONS[kind].get(to, frozenset())


def next_steps(status: CaseStatus) -> tuple[CaseStatus, ...]:
    """The steps a concern in this status can take now, in the order its card shows them."""
    return tuple(step for step in _CARD_STEPS if may_move(CaseKind.CONCERN, status, step))


def deadline_runs(status: CaseStatus) -> bool:
    return status not in _DEADLINE_STOPPED


def is_open(status: CaseStatus) -> bool:
    """Not closed or done: it is still on someone's list."""
    return status not in CLOSED_STATUSES


def accepts_replies(status: CaseStatus) -> bool:
    """Whether anyone may still write to the reporter (or they add to it): not once closed."""
    return status not in CLOSED_STATUSES


@dataclass(frozen=True)
class CaseSummary:
    """A case as the handlers see it: the triage facts in the clear, never its content, keys
    or routes, and never the database row (a service reads the row again when it needs it)."""

    id: int
    code: str
    kind: CaseKind
    status: CaseStatus
    urgency: Urgency
    audience: str
    activity: str | None
    received_at: datetime
    deadline_at: datetime
    acknowledged_by: int | None
    referred_to: str | None
    referred_at: datetime | None
    closed_reason: CloseReason | None
    # When the case was put on legal hold (retention keeps it until released), or None.
    legal_hold_at: datetime | None = None

    @classmethod
    def of(cls, row: ReportCase) -> CaseSummary:
        return cls(
            id=row.id,
            code=row.code,
            kind=row.kind,
            status=row.status,
            urgency=row.urgency,
            audience=row.audience,
            activity=row.activity,
            received_at=row.received_at,
            deadline_at=row.deadline_at,
            acknowledged_by=row.acknowledged_by,
            referred_to=row.referred_to,
            referred_at=row.referred_at,
            closed_reason=row.closed_reason,
            legal_hold_at=row.legal_hold_at,
        )
