"""The values the case and staff columns take, as types.

They live at the bottom of the layers because the repositories query by them (the open
statuses, the active members, the report entry); the domain's rules about them (which step may
follow which) are in bot/case_model.py. Each is a StrEnum: stored as the same text as before,
so no migration, and a row read back compares equal to the member.
"""

from __future__ import annotations

from enum import StrEnum


class CaseKind(StrEnum):
    """A concern (a report) or a withdrawal of consent: the same sealing, receipts and relay,
    but different readers, deadline and steps."""

    CONCERN = "concern"
    CONSENT = "consent"


class CaseStatus(StrEnum):
    # Filed; its first alerts are being queued in the same transaction.
    AWAITING_ALERT = "awaiting_alert"
    # Concerns.
    ALERTED = "alerted"
    ACKNOWLEDGED = "acknowledged"
    ASSESSING = "assessing"
    REFERRED = "referred"
    CLOSED = "closed"
    # Consent requests.
    RECEIVED = "received"
    DONE = "done"


class Urgency(StrEnum):
    IMMEDIATE = "immediate"
    URGENT = "urgent"
    STANDARD = "standard"


class StaffRole(StrEnum):
    OFFICER = "officer"
    DEPUTY = "deputy"
    BOARD = "board"
    # The data-protection contact: reads consent requests.
    DPO = "dpo"
    SAFE_PERSON = "safe_person"


class StaffStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    # Named in a concern: no alerts, no case opens, nothing new sealed for them, until an
    # officer or board member reinstates them (bot/suspension.py).
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class EntryKind(StrEnum):
    """What one sealed entry of a case is."""

    # What the sender filed; who it is sealed for decides who reads the case.
    REPORT = "report"
    VOICE = "voice"
    FOLLOW_UP = "follow_up"
    REPLY = "reply"
    NOTE = "note"
    QUESTION = "question"


class CloseReason(StrEnum):
    NO_CONCERN = "no_concern"
    HANDLED_INTERNALLY = "handled_internally"
    HANDED_OVER = "handed_over"
    DUPLICATE = "duplicate"
    OTHER = "other"
