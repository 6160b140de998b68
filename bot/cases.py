"""Cases: taking a report in, sealing it for the right readers, and letting the reporter back in.

Who can read a case (its readers) is decided once, when it is submitted: every enrolled,
unrevoked officer, deputy and board member, plus the safe person of the activity the reporter came
from. A case about the officer is never sealed for the officer: tier 1 is then the board.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Protocol

from bot.audience import Audience
from bot.audit import AuditLog
from bot.case_model import CaseKind, CaseStatus, EntryKind, StaffRole, Urgency
from bot.clock import Clock, RandomSource
from bot.crypto import (
    SealedEntryError,
    SecretHasher,
    generate_reader_keys,
    lock_private_key,
    open_entry,
    seal_entry,
    unlock_private_key,
)
from bot.server_keys import ServerKeys
from storage.cases import CaseRepository, GuessCounters, NewEntry, StaffRepository
from storage.models import CaseEntry, ReportCase, StaffMember

# No 0/O, 1/I/L: a child copies these from a screen onto paper and back.
_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH: Final = 6
RECEIPT_LENGTH: Final = 8

# Wrong receipts: per person, and per case (whoever guesses).
PERSON_GUESSES: Final = 5
PERSON_WINDOW: Final = timedelta(minutes=15)
# Per case, a rate and never a lock-out: a known code must not let strangers keep its reporter
# out. At most CASE_GUESSES wrong checks per minute across every account, so the reporter waits
# at most a minute; to keep the case busy minute after minute an attacker needs
# CASE_GUESSES * 15 / PERSON_GUESSES = 90 accounts, and still guesses far too slowly to find an
# 8-letter secret (SECURITY.md works out the numbers).
CASE_GUESSES: Final = 30
CASE_WINDOW: Final = timedelta(minutes=1)

# The key a reporter's own public key goes under while sealing (staff ids are positive).
_REPORTER: Final = -1


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


@dataclass(frozen=True)
class ReplyToReporter:
    """Something the safe person wrote back, as the reporter may read it."""

    text: str
    written_at: datetime


@dataclass(frozen=True)
class CaseView:
    """What a reporter who proved the receipt may see: never another reporter's data."""

    code: str
    status: CaseStatus
    received_at: datetime
    wants_reply: bool
    replies: tuple[ReplyToReporter, ...] = ()
    kind: CaseKind = CaseKind.CONCERN
    deadline_at: datetime | None = None


@dataclass(frozen=True)
class TooManyGuesses:
    retry_after: timedelta


def report_context(code: str, token: str) -> bytes:
    """What an entry's content is bound to: its case and its own id."""
    return f"case:{code}|entry:{token}".encode()


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


def reporter_key_context(code: str) -> str:
    return f"reporter|{code}"


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
        submission_key = self._keys.key_id("submission", draft_id)
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
            route = self._keys.seal(str(new.reply_chat_id).encode(), f"route|{code}".encode())
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
            submission_key=self._keys.key_id("submission", new.draft_id),
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
        return Filed(case, Receipt(code, f"{secret[:4]}-{secret[4:]}", now, case.deadline_at))


# How a receipt check is stored: this prefix, then the check in hex. Older cases hold an
# Argon2id PHC string ($argon2id$...) of the receipt secret instead.
_RECEIPT_CHECK_V2: Final = "receipt-check-v2$"


@dataclass(frozen=True)
class ReceiptKeys:
    """Both keys a receipt secret opens, from one Argon2id hash of it (64 bytes, split): the
    key that locks the reporter's private key, and a check value stored to verify the secret.

    A report used to cost two Argon2id hashes (a PHC hash to check the secret, and the key with
    its own salt): under a burst of reports they were the longest queue. Splitting one output
    gives two independent keys at the cost of one; knowing the check tells nothing of the lock.
    """

    lock: bytes
    check: bytes

    def stored_check(self) -> str:
        return _RECEIPT_CHECK_V2 + self.check.hex()

    def matches(self, stored: str) -> bool:
        if not stored.startswith(_RECEIPT_CHECK_V2):
            return False
        try:
            expected = bytes.fromhex(stored.removeprefix(_RECEIPT_CHECK_V2))
        except ValueError:
            return False
        return hmac.compare_digest(expected, self.check)


async def derive_receipt_keys(hasher: SecretHasher, secret: str, salt: bytes) -> ReceiptKeys:
    derived = await hasher.derive_key(secret, salt, length=64)
    return ReceiptKeys(lock=derived[:32], check=derived[32:])


def receipt_token(random: RandomSource, length: int) -> str:
    """`length` letters of the alphabet, each as likely as any other: a byte is used only below
    the largest multiple of the alphabet's size (248 for 31), so `byte % 31` favours none."""
    usable = 256 - 256 % len(_ALPHABET)
    letters: list[str] = []
    while len(letters) < length:
        letters.extend(
            _ALPHABET[b % len(_ALPHABET)] for b in random.token_bytes(length) if b < usable
        )
    return "".join(letters[:length])


class CaseDesk:
    """Takes reports in and lets reporters check on them."""

    def __init__(
        self,
        cases: CaseRepository,
        staff: StaffRepository,
        guesses: GuessCounters,
        keys: ServerKeys,
        hasher: SecretHasher,
        clock: Clock,
        random: RandomSource,
        report_deadline: timedelta,
        ladder: NewCaseListener | None = None,
        audit: AuditLog | None = None,
        answers: ReporterAnswerListener | None = None,
    ) -> None:
        self._answers = answers
        self._cases = cases
        self._staff = staff
        self._guesses = guesses
        self._keys = keys
        self._hasher = hasher
        self._clock = clock
        self._random = random
        self._deadline = report_deadline
        self._ladder = ladder
        self._audit = audit
        self._filer = CaseFiler(cases, keys, hasher, clock, random)

    def new_draft_id(self) -> str:
        return self._random.token_bytes(16).hex()

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

    async def open_for_reporter(
        self, person: str, code: str, secret: str
    ) -> CaseView | TooManyGuesses | None:
        """The case if code and receipt match; the same None whether or not the case exists."""
        code = normalise(code)
        secret = normalise(secret)
        now = self._clock.now()
        person_subject = self._keys.key_id("guesses-person", person)
        case_subject = self._keys.key_id("guesses-case", code)
        if await self._guesses.failures(person_subject, now, PERSON_WINDOW) >= PERSON_GUESSES:
            return TooManyGuesses(PERSON_WINDOW)
        if await self._guesses.failures(case_subject, now, CASE_WINDOW) >= CASE_GUESSES:
            # Busy, not locked: the wait is what is left of this minute.
            ends = await self._guesses.window_ends(case_subject, now, CASE_WINDOW)
            return TooManyGuesses(ends - now)
        case = await self._cases.by_code(code)
        lock = await self._check_receipt(case, secret)
        if case is not None and lock is not None:
            return CaseView(
                case.code,
                case.status,
                case.received_at,
                case.wants_reply,
                await self._replies_for_reporter(case, lock),
                kind=case.kind,
                deadline_at=case.deadline_at,
            )
        await self._guesses.record_failure(person_subject, now, PERSON_WINDOW)
        await self._guesses.record_failure(case_subject, now, CASE_WINDOW)
        return None

    async def _check_receipt(self, case: ReportCase | None, secret: str) -> bytes | None:
        """The key that unlocks the reporter's private key if `secret` is the case's receipt
        (empty for a case that has none); None if it is not. One Argon2id hash either way, and
        one for a case that does not exist too, so the answer takes as long."""
        if case is None:
            # A decoy: the hash is spent all the same.
            await derive_receipt_keys(self._hasher, secret, self._random.token_bytes(16))
            return None
        if case.receipt_hash.startswith("$argon2"):
            # A case filed before receipts were checked this way: two hashes, as then.
            if not await self._hasher.verify(secret, case.receipt_hash):
                return None
            if case.reporter_key_salt is None:
                return b""  # filed before reporters had a key: nothing to unlock
            return await self._hasher.derive_key(secret, case.reporter_key_salt)
        if case.reporter_key_salt is None:
            return None  # a check of this kind is always stored with its salt
        keys = await derive_receipt_keys(self._hasher, secret, case.reporter_key_salt)
        return keys.lock if keys.matches(case.receipt_hash) else None

    async def _replies_for_reporter(
        self, case: ReportCase, lock: bytes
    ) -> tuple[ReplyToReporter, ...]:
        if case.reporter_locked_key is None or not lock:
            return ()
        private_key = unlock_private_key(
            case.reporter_locked_key, lock, reporter_key_context(case.code)
        )
        replies = []
        for stored in await self._cases.entries(case.id):
            entry = stored.entry
            if entry.reporter_key is None:
                continue
            try:
                text = open_case_entry(case.code, entry, entry.reporter_key, private_key)
            except SealedEntryError:
                continue  # not theirs to read; never fail the whole view on one entry
            replies.append(ReplyToReporter(text.decode(), entry.created_at))
        return tuple(replies)

    async def is_reporter_chat(self, code: str, chat_id: int) -> bool:
        """Whether this chat is the one the case's replies go to (its reporter's)."""
        case = await self._cases.by_code(code)
        if case is None or case.reply_route is None:
            return False
        return reply_chat(self._keys, case) == chat_id

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


def seal_case_entry(
    code: str,
    kind: EntryKind,
    author: str,
    content: bytes,
    readers: dict[int, bytes],
    reporter_public_key: bytes | None,
    clock: Clock,
    random: RandomSource,
) -> NewEntry:
    """Seal one entry of a case for its readers (and, for a reply, for the reporter too)."""
    token = random.token_bytes(16).hex()
    recipients = dict(readers)
    if reporter_public_key is not None:
        recipients[_REPORTER] = reporter_public_key
    sealed = seal_entry(content, recipients, report_context(code, token), random)
    wrapped = dict(sealed.wrapped_keys)
    reporter_key = wrapped.pop(_REPORTER, None)
    return NewEntry(
        token=token,
        kind=kind,
        author=author,
        suite=sealed.suite,
        format_version=sealed.version,
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
        wrapped_keys=wrapped,
        created_at=clock.now(),
        reporter_key=reporter_key,
    )


def open_case_entry(code: str, entry: CaseEntry, wrapped_key: bytes, private_key: bytes) -> bytes:
    """Open one sealed entry of a case with the data key wrapped for this private key (the
    twin of `seal_case_entry`); raises SealedEntryError if it is not theirs."""
    return open_entry(
        suite=entry.suite,
        version=entry.format_version,
        nonce=entry.nonce,
        ciphertext=entry.ciphertext,
        wrapped_key=wrapped_key,
        private_key=private_key,
        context=report_context(code, entry.token),
    )


async def sealing_keys(cases: CaseRepository, case: ReportCase) -> dict[int, bytes]:
    """Whom something added to a case is sealed for: its readers, less anyone revoked."""
    return {
        m.id: m.public_key
        for m in await cases.active_readers_of(case.id)
        if m.public_key is not None
    }


def reply_chat(keys: ServerKeys, case: ReportCase) -> int | None:
    """The reporter's chat, if they asked to be written back to."""
    if case.reply_route is None:
        return None
    return int(keys.open(case.reply_route, f"route|{case.code}".encode()))


def normalise(typed: str) -> str:
    """What a person typed, as the code it is meant to be: case, spaces and dashes forgiven."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())
