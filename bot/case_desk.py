"""The case desk: what the reporting and /status handlers use, in one service.

It takes a reporter's concern in (`bot.intake`) and lets them back in with their receipt
(`bot.reporter_view`); each half lives in its own module.
"""

from __future__ import annotations

from datetime import timedelta

from bot.audit import AuditLog
from bot.clock import Clock, RandomSource
from bot.crypto import SecretHasher
from bot.intake import (
    CaseFiler,
    NewCaseListener,
    Receipt,
    Report,
    ReporterAnswerListener,
    ReportIntake,
)
from bot.reporter_view import CaseView, ReporterView, TooManyGuesses
from bot.server_keys import ServerKeys
from storage.cases import CaseRepository, GuessCounters, StaffRepository


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
        self._random = random
        self._intake = ReportIntake(
            cases,
            staff,
            CaseFiler(cases, keys, hasher, clock, random),
            report_deadline,
            ladder=ladder,
            audit=audit,
            answers=answers,
        )
        self._view = ReporterView(cases, guesses, keys, hasher, clock, random)

    def new_draft_id(self) -> str:
        return self._random.token_bytes(16).hex()

    async def submit(self, report: Report) -> Receipt | None:
        """Seal and store the report; None if this draft was already submitted."""
        return await self._intake.submit(report)

    async def open_for_reporter(
        self, person: str, code: str, secret: str
    ) -> CaseView | TooManyGuesses | None:
        """The case if code and receipt match; the same None whether or not the case exists."""
        return await self._view.open_for_reporter(person, code, secret)

    async def is_reporter_chat(self, code: str, chat_id: int) -> bool:
        """Whether this chat is the one the case's replies go to (its reporter's)."""
        return await self._view.is_reporter_chat(code, chat_id)

    async def add_from_reporter(self, code: str, text: str | None, voice: bytes | None) -> None:
        """A follow-up message, sealed for the same readers as the case."""
        await self._intake.add_from_reporter(code, text, voice)
