"""Tables. No column holds a Telegram id, a name or message text in the clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import TextEnum, UtcDateTime
from storage.vocabulary import (
    CaseKind,
    CaseStatus,
    CloseReason,
    EntryKind,
    StaffRole,
    StaffStatus,
    Urgency,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Person(Base):
    """Someone who has talked to the bot, known only by a keyed hash of their Telegram id."""

    __tablename__ = "person"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Sealed with the server key: the language (Romani above all) hints at ethnic origin.
    locale: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FsmRecord(Base):
    """A conversation in progress: state and draft, each sealed with the server key."""

    __tablename__ = "fsm_record"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # aiogram's "destiny": "default" for a conversation, "trail" for the erase trail. Kept in
    # the clear so that housekeeping can expire drafts after 24 hours and trails after 48.
    destiny: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[bytes | None] = mapped_column(LargeBinary)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class HandledUpdate(Base):
    """Telegram updates whose effects are committed, so a re-delivered one is not handled twice."""

    __tablename__ = "handled_update"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class StaffMember(Base):
    """Someone allowed to read cases: a reader key. Staff names are stored; reporters' never."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[StaffRole] = mapped_column(TextEnum(StaffRole, 16))
    activity: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[StaffStatus] = mapped_column(TextEnum(StaffStatus, 16))
    pseudonym: Mapped[str | None] = mapped_column(String(64), unique=True)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The private key, encrypted under Argon2id(passphrase, key_salt): the server cannot use it.
    locked_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The chat their alerts go to, sealed with the server key (the bot must read it back).
    alert_route: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Keyed hash of the one-time enrolment code, and when it stops working.
    invite_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # While suspended (named in a concern): since when, for the list of paused members. Who
    # suspended and reinstated them is in the audit log.
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReportCase(Base):
    """A case: triage metadata in the clear (what the ladder needs), everything else sealed."""

    __tablename__ = "report_case"
    # What the ladder's sweeps ask: the due cases of a status or kind, soonest first. With only
    # one-column indexes SQLite walked every case of the status (or kind) and sorted them:
    # 100,000 rows read per batch at 100,000 pending cases.
    __table_args__ = (
        Index("ix_report_case_status_next_alert_at", "status", "next_alert_at"),
        Index("ix_report_case_kind_next_reminder_at", "kind", "next_reminder_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "concern" (a report) or "consent" (a withdrawal of consent): the same sealing, receipts
    # and relay, but different readers, deadline and steps.
    kind: Mapped[CaseKind] = mapped_column(
        TextEnum(CaseKind, 16), index=True, server_default="concern"
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)
    audience: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[Urgency] = mapped_column(TextEnum(Urgency, 16))
    category: Mapped[str | None] = mapped_column(String(32))
    activity: Mapped[str | None] = mapped_column(String(32))
    about_officer: Mapped[bool] = mapped_column(Boolean)
    wants_reply: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[CaseStatus] = mapped_column(TextEnum(CaseStatus, 24), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Argon2id PHC string of the receipt secret given to the reporter.
    receipt_hash: Mapped[str] = mapped_column(String(200))
    # The chat to relay replies to, sealed with the server key (the bot must read it back).
    reply_route: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Keyed hash of the draft that became this case: a second submit of it makes no second case.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The escalation ladder, as rows (so it survives restarts): the highest tier alerted so far,
    # how many rounds of alerts went out, and when the next round is due unless acknowledged.
    tier: Mapped[int] = mapped_column(Integer, default=0)
    alert_round: Mapped[int] = mapped_column(Integer, default=0)
    next_alert_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    # When the next reminder before the deadline (or the breach alert at it) is due; None once
    # there is none left, or the case left the open statuses. The sweep reads only due rows.
    next_reminder_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The reporter's own key pair: replies are sealed for it too, so the reporter can read them
    # back with /status. Its private key is locked under Argon2id(receipt secret), which the
    # server does not keep: it cannot read the replies at rest either.
    reporter_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    reporter_locked_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    reporter_key_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Case handling facts, in the clear like the rest of the triage metadata: which authority
    # (a name such as "DGASPC" or "Police"), when, and why a case was closed (a reason code).
    referred_to: Mapped[str | None] = mapped_column(String(100))
    referred_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_reason: Mapped[CloseReason | None] = mapped_column(TextEnum(CloseReason, 32))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Legal hold: while set, retention never deletes the case (an inquiry or a court case may
    # need it); who put it on hold, for the card. Both go when the hold is released.
    legal_hold_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    legal_hold_by: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))


class CaseEntry(Base):
    """One sealed piece of a case: the report, a voice note, a later message."""

    __tablename__ = "case_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("report_case.id", ondelete="CASCADE"), index=True
    )
    # Random, chosen before sealing: it is part of the context the content is bound to.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[EntryKind] = mapped_column(TextEnum(EntryKind, 16))
    author: Mapped[str] = mapped_column(String(16))
    suite: Mapped[str] = mapped_column(String(64))
    format_version: Mapped[int] = mapped_column(Integer)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The data key wrapped for the reporter's own key, on what the reporter may read back
    # (replies from the safe person); None on everything else.
    reporter_key: Mapped[bytes | None] = mapped_column(LargeBinary)


class EntryKey(Base):
    """An entry's data key, wrapped (HPKE) for one reader."""

    __tablename__ = "entry_key"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("case_entry.id", ondelete="CASCADE"), primary_key=True
    )
    reader_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)


class GuessCounter(Base):
    """Wrong guesses (receipts, references) per subject in the current window."""

    __tablename__ = "guess_counter"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime())
    failures: Mapped[int] = mapped_column(Integer)
    # For growing delays between tries (staff passphrases); None in rows from before 0013.
    last_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class OutboxMessage(Base):
    """A message to send: written in the same transaction as what caused it, sent after."""

    __tablename__ = "outbox_message"
    # The sender asks for pending rows that are due, most urgent first.
    __table_args__ = (Index("ix_outbox_message_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower goes first: urgent alerts before everything else.
    priority: Mapped[int] = mapped_column(Integer)
    # The chat and the message itself, sealed with the server key (the sender reads them back).
    route: Mapped[bytes] = mapped_column(LargeBinary)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    # One message per purpose (e.g. one alert per case, member and round), however often asked.
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The case the message is about, if any: retention deletes it with the case. No foreign
    # key: queueing an alert must not lock the case row (PostgreSQL checks a key under a share
    # lock), and rows from before 0016 have none.
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The staff member it is for, if any: a member suspended meanwhile gets none of what was
    # still waiting (bot/suspension.py). No foreign key, for the same reason as case_id.
    member_id: Mapped[int | None] = mapped_column(Integer, index=True)


class ScheduledDeletion(Base):
    """A message to delete later (a decrypted report shown to a reader), surviving restarts."""

    __tablename__ = "scheduled_deletion"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The chat, sealed with the server key.
    route: Mapped[bytes] = mapped_column(LargeBinary)
    message_id: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class AuditEvent(Base):
    """Who did what to which case, and when; never content. Each row is chained to the last."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    case_code: Mapped[str | None] = mapped_column(String(16))
    previous: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))


class AuditAnchor(Base):
    """The audit chain's head, in one row (id 1): how many events there are and the last digest,
    so that deleting the newest events is caught, not only changing or removing older ones.

    Written in the same transaction as each appended event. `mac` authenticates events and head
    under a key derived from SAFEPERSON_SECRET; `key_check` is a fixed value under that key, to
    tell a wrong secret from tampering (see bot/audit.py).
    """

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    key_check: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class TrailEntry(Base):
    """A message the bot could still delete from a private chat (for /erase), or a mark that
    one may have reached the phone unrecorded (a send cut short by a crash or a lost answer).

    The chat is a keyed hash and the message id is sealed with the server key, as before in the
    conversation storage; rows go after Telegram's 48-hour delete window.
    """

    __tablename__ = "chat_trail"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(64), index=True)
    # The messages of one update (or one outbox message): a mark covers its batch's gap.
    batch: Mapped[str] = mapped_column(String(32))
    # None for a mark: "a message of this batch may be on the phone".
    sealed_id: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class SetAsideUpdate(Base):
    """An update that could not be handled, kept without its content: only its kind and the
    type of the error, for the operator."""

    __tablename__ = "set_aside_update"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_type: Mapped[str] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class DraftVoice(Base):
    """A voice note of a draft not sent yet, fetched from Telegram when it arrived (never during
    a transaction) and sealed with the server key, like the draft, until Send."""

    __tablename__ = "draft_voice"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Keyed hash of the draft's id.
    draft_key: Mapped[str] = mapped_column(String(64), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class VoicePrompt(Base):
    """The organisation's own recording of one child-facing message in one language, sealed
    with the server key: the bot plays it to a child who taps 🔊 beside that message."""

    __tablename__ = "voice_prompt"

    # A language code (bot.languages) and a prompt key (bot.voice_prompts.PromptKey).
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    prompt_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff_member.id"))


class AliveMark(Base):
    """When the bot was last seen running (bot.heartbeat): at start, the gap since says how long
    it was down. One row per name; every instance writes the same one."""

    __tablename__ = "alive_mark"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
