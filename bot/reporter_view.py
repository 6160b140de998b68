"""The reporter's view of their case: what /status shows to whoever proves the receipt.

A receipt is checked at a bounded rate per person and per case, and answers the same way
whether or not the case exists. Proving it unlocks the reporter's own key, so the replies the
safe person sealed for the reporter can be shown, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.case_model import CaseKind, CaseStatus
from bot.clock import Clock, RandomSource
from bot.contexts import Label, reporter_key_context
from bot.crypto import SealedEntryError, SecretHasher, unlock_private_key
from bot.receipts import (
    CASE_GUESSES,
    CASE_WINDOW,
    PERSON_GUESSES,
    PERSON_WINDOW,
    derive_receipt_keys,
    normalise,
)
from bot.sealing import open_case_entry, reply_chat
from bot.server_keys import ServerKeys
from storage.cases import CaseRepository, GuessCounters
from storage.models import ReportCase


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


class ReporterView:
    """Lets a reporter back into their case with its code and receipt."""

    def __init__(
        self,
        cases: CaseRepository,
        guesses: GuessCounters,
        keys: ServerKeys,
        hasher: SecretHasher,
        clock: Clock,
        random: RandomSource,
    ) -> None:
        self._cases = cases
        self._guesses = guesses
        self._keys = keys
        self._hasher = hasher
        self._clock = clock
        self._random = random

    async def open_for_reporter(
        self, person: str, code: str, secret: str
    ) -> CaseView | TooManyGuesses | None:
        """The case if code and receipt match; the same None whether or not the case exists."""
        code = normalise(code)
        secret = normalise(secret)
        now = self._clock.now()
        person_subject = self._keys.key_id(Label.GUESSES_PERSON, person)
        case_subject = self._keys.key_id(Label.GUESSES_CASE, code)
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
