"""Intake: taking a case in and sealing it for the right readers, with a receipt for its sender.

Who can read a case (its readers) is decided once, when it is submitted: every enrolled,
unrevoked officer, deputy and board member, plus the safe person of the activity the reporter came
from. A case about the officer is never sealed for the officer: tier 1 is then the board.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.audience import Audience
from bot.audit import AuditLog
from bot.case_model import CaseKind, CaseStatus, EntryKind, StaffRole, Urgency
from bot.clock import Clock, RandomSource
from bot.contexts import Label, reporter_key_context
from bot.crypto import SecretHasher, generate_reader_keys, lock_private_key
from bot.receipts import CODE_LENGTH, RECEIPT_LENGTH, derive_receipt_keys, receipt_token
from bot.sealing import seal_case_entry, seal_reply_route, sealing_keys
from bot.server_keys import ServerKeys
from storage.cases import CaseRepository, NewEntry, StaffRepository
from storage.models import ReportCase, StaffMember


class NoReadersError(Exception):
    """Nobody is enrolled who could read this case: it cannot be sealed for anyone."""


@dataclass(frozen=True)
class Report:
    """Everything a reporter told, ready to be sealed."""

    audience: Audience
    urgency: Urgency
    about_officer: bool
    wants_reply: bool
    activity: str | None
    category: str | None
    answers: dict[str, str]
    messages: list[str]
    voice_notes: list[bytes] = field(default_factory=list)
    reply_chat_id: int | None = None
    # The draft's own id: submitting the same draft twice makes one case.
    draft_id: str = ""
    # The language the reporter used, so a reply can be written in it. Sealed with the report
    # (it says something about who they are), never a column in the clear.
    language: str | None = None


@dataclass(frozen=True)
class Receipt:
    code: str
    secret: str
    received_at: datetime
    deadline_at: datetime
    # The case's row: the messages that give the receipt go when retention deletes it.
    case_id: int | None = None


@dataclass(frozen=True)
class NewCase:
    """A case of any kind, ready to be sealed for the readers chosen for it."""

    kind: CaseKind
    audience: str
    urgency: Urgency
    category: str | None
    activity: str | None
    about_officer: bool
    wants_reply: bool
    content: bytes
    readers: dict[int, bytes]
    deadline: timedelta
    draft_id: str
    voice_notes: tuple[bytes, ...] = ()
    reply_chat_id: int | None = None


@dataclass(frozen=True)
class Filed:
    case: ReportCase
    receipt: Receipt


def choose_readers(
    members: list[StaffMember], *, activity: str | None, about_officer: bool
) -> dict[int, bytes]:
    readers = {}
    for member in members:
        if member.public_key is None:
            continue
        if member.role == StaffRole.OFFICER and about_officer:
            continue
        if member.role == StaffRole.SAFE_PERSON and (
            activity is None or member.activity != activity
        ):
            continue
        readers[member.id] = member.public_key
    return readers


class NewCaseListener(Protocol):
    """The escalation ladder, told about each new case inside the submitting transaction."""

    async def alert_new_case(self, case: ReportCase) -> int: ...


class ReporterAnswerListener(Protocol):
    """Told when a reporter adds to their case (the one who acknowledged it is alerted)."""

    async def reporter_added(self, case: ReportCase) -> None: ...


class AnswersByKind:
    """Routes a sender's addition to whoever handles that kind of case: a new kind adds its
    entry where the services are built, not a branch here."""

    def __init__(self, listeners: Mapping[CaseKind, ReporterAnswerListener]) -> None:
        self._listeners = dict(listeners)

    async def reporter_added(self, case: ReportCase) -> None:
        await self._listeners[case.kind].reporter_added(case)


class CaseFiler:
    """Seals a new case of any kind for the readers chosen for it and gives its sender a
    receipt: a code, and a secret word that only the sender keeps."""

    def __init__(
        self,
        cases: CaseRepository,
        keys: ServerKeys,
        hasher: SecretHasher,
        clock: Clock,
        random: RandomSource,
    ) -> None:
        self._cases = cases
        self._keys = keys
        self._hasher = hasher
        self._clock = clock
        self._random = random

    def _token(self, length: int) -> str:
        return receipt_token(self._random, length)

    def from_sender(
        self, code: str, kind: EntryKind, content: bytes, readers: dict[int, bytes]
    ) -> NewEntry:
        """An entry written by the person who sent the case, sealed for its readers."""
        return seal_case_entry(
            code, kind, "reporter", content, readers, None, self._clock, self._random
        )

    async def already_filed(self, draft_id: str) -> bool:
        """Whether this draft has become a case already (a second tap on Send)."""
        submission_key = self._keys.key_id(Label.SUBMISSION, draft_id)
        return await self._cases.by_submission(submission_key) is not None

    async def file_case(self, new: NewCase) -> Filed:
        """Seal a new case of any kind for its readers and store it, with a receipt for the
        person who sent it. Call `already_filed` first, in the same unit of work."""
        if not new.readers:
            raise NoReadersError
        code = self._token(CODE_LENGTH)
        while await self._cases.code_exists(code):
            code = self._token(CODE_LENGTH)
        secret = self._token(RECEIPT_LENGTH)
        now = self._clock.now()
        entries = [self.from_sender(code, EntryKind.REPORT, new.content, new.readers)]
        entries += [
            self.from_sender(code, EntryKind.VOICE, note, new.readers) for note in new.voice_notes
        ]
        # The reporter's own key, locked under the receipt secret: what the safe person writes
        # back is sealed for it too, so /status can show it and the server cannot.
        reporter_keys = generate_reader_keys()
        reporter_salt = self._random.token_bytes(16)
        receipt_keys = await derive_receipt_keys(self._hasher, secret, reporter_salt)
        route = None
        if new.wants_reply and new.reply_chat_id is not None:
            route = seal_reply_route(self._keys, code, new.reply_chat_id)
        case = ReportCase(
            kind=new.kind,
            code=code,
            audience=new.audience,
            urgency=new.urgency,
            category=new.category,
            activity=new.activity,
            about_officer=new.about_officer,
            wants_reply=new.wants_reply,
            # The escalation ladder picks cases up from here (the officer side).
            status=CaseStatus.AWAITING_ALERT,
            received_at=now,
            deadline_at=now + new.deadline,
            # The deadline sweep looks at it once soon, and works out its next reminder then.
            next_reminder_at=now,
            updated_at=now,
            receipt_hash=receipt_keys.stored_check(),
            reply_route=route,
            submission_key=self._keys.key_id(Label.SUBMISSION, new.draft_id),
            reporter_public_key=reporter_keys.public_key,
            reporter_locked_key=lock_private_key(
                reporter_keys.private_key,
                receipt_keys.lock,
                reporter_key_context(code),
                self._random,
            ),
            reporter_key_salt=reporter_salt,
        )
        await self._cases.add(case, entries)
        return Filed(
            case, Receipt(code, f"{secret[:4]}-{secret[4:]}", now, case.deadline_at, case.id)
        )


class ReportIntake:
    """A concern from a reporter: filed for its readers, handed to the ladder, and added to
    later by the same reporter."""

    def __init__(
        self,
        cases: CaseRepository,
        staff: StaffRepository,
        filer: CaseFiler,
        report_deadline: timedelta,
        ladder: NewCaseListener | None = None,
        audit: AuditLog | None = None,
        answers: ReporterAnswerListener | None = None,
    ) -> None:
        self._cases = cases
        self._staff = staff
        self._filer = filer
        self._deadline = report_deadline
        self._ladder = ladder
        self._audit = audit
        self._answers = answers

    async def submit(self, report: Report) -> Receipt | None:
        """Seal and store the report; None if this draft was already submitted."""
        if await self._filer.already_filed(report.draft_id):
            return None
        readers = choose_readers(
            await self._staff.active_readers(),
            activity=report.activity,
            about_officer=report.about_officer,
        )
        sealed: dict[str, object] = {"answers": report.answers, "messages": report.messages}
        if report.language is not None:
            sealed["language"] = report.language
        content = json.dumps(sealed, ensure_ascii=False).encode()
        filed = await self._filer.file_case(
            NewCase(
                kind=CaseKind.CONCERN,
                audience=report.audience,
                urgency=report.urgency,
                category=report.category,
                activity=report.activity,
                about_officer=report.about_officer,
                wants_reply=report.wants_reply,
                content=content,
                voice_notes=tuple(report.voice_notes),
                readers=readers,
                deadline=self._deadline,
                reply_chat_id=report.reply_chat_id,
                draft_id=report.draft_id,
            )
        )
        if self._audit is not None:
            await self._audit.record("reporter", "case submitted", filed.case.code)
        if self._ladder is not None:
            # The one hand-over: alerts are queued in this same transaction, so a case never
            # exists without its alerts, nor alerts without their case.
            await self._ladder.alert_new_case(filed.case)
        return filed.receipt

    async def add_from_reporter(self, code: str, text: str | None, voice: bytes | None) -> None:
        """A follow-up message, sealed for the same readers as the case."""
        case = await self._cases.by_code(code)
        if case is None:
            raise LookupError(code)
        # The case's readers, less anyone revoked since: they get nothing new.
        readers = await sealing_keys(self._cases, case)
        if not readers:
            raise NoReadersError
        if text is not None:
            await self._cases.add_entry(
                case.id,
                self._filer.from_sender(case.code, EntryKind.FOLLOW_UP, text.encode(), readers),
            )
        if voice is not None:
            await self._cases.add_entry(
                case.id, self._filer.from_sender(case.code, EntryKind.VOICE, voice, readers)
            )
        if self._answers is not None:
            await self._answers.reporter_added(case)
