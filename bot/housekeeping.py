"""Housekeeping that runs beside the bot: forget what must not be kept.

- A draft left alone for 24 hours expires and is wiped (a child who walked away should not
  leave half a disclosure on the server).
- Erase trails older than Telegram's 48-hour delete window are useless and go.
- Voice notes of drafts go with their drafts, after 24 hours.
- Update-ledger marks older than Telegram could re-deliver go (see bot.updates).
- Routes no longer needed go: the reply route of a closed case (closing wipes it at once; this
  catches cases closed before it did) and the chat of outbox messages already sent or given up.
  No retention period: once a case is closed nothing is relayed to its reporter, and keeping
  the chat id (sealed, but opened by the server secret) would only serve a thief of both.
- Finished cases past retention, and not on legal hold, are deleted (bot.retention).
- The board gets the audit log's fingerprint once a day (an outside witness of the log).
- SQLite's planner statistics are refreshed (see Database.optimize).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Protocol

from bot.case_model import CLOSED_STATUSES
from bot.clock import Clock
from bot.loops import raise_if_cancelled
from bot.trail import DELETE_WINDOW, ChatTrail
from bot.updates import UpdateJournal
from bot.voices import DraftVoices
from storage.cases import CaseRepository
from storage.db import Database
from storage.fsm import EncryptedFsmStorage
from storage.outbox import OutboxRepository

logger = logging.getLogger(__name__)

DRAFT_LIFETIME: Final = timedelta(hours=24)
INTERVAL_SECONDS: Final = 600.0


@dataclass(frozen=True)
class Swept:
    drafts: int
    trails: int
    ledger_marks: int
    voices: int = 0
    # Closed cases' reply routes and finished outbox rows' routes wiped.
    routes: int = 0
    # Finished cases deleted by retention.
    cases: int = 0


class AuditWitness(Protocol):
    """Sends the board the audit log's fingerprint, once a day (bot.alerts.EscalationLadder)."""

    async def send_audit_witness(self) -> int: ...


class Retention(Protocol):
    """Deletes finished cases past retention (bot.retention.RetentionSweep)."""

    async def sweep(self) -> int: ...


class Housekeeping:
    def __init__(
        self,
        conversations: EncryptedFsmStorage,
        journal: UpdateJournal,
        trail: ChatTrail,
        voices: DraftVoices,
        clock: Clock,
        database: Database,
        cases: CaseRepository,
        outbox: OutboxRepository,
        witness: AuditWitness | None = None,
        retention: Retention | None = None,
    ) -> None:
        self._retention = retention
        self._witness = witness
        self._conversations = conversations
        self._journal = journal
        self._trail = trail
        self._voices = voices
        self._clock = clock
        self._database = database
        self._cases = cases
        self._outbox = outbox
        # A sweep run on demand (a test's) waits for the loop's sweep in progress instead of
        # doing the same work beside it: what it returns is then what was left to do.
        self._one_sweep_at_a_time = asyncio.Lock()

    async def sweep(self) -> Swept:
        """One sweep now (after any sweep in progress); what it forgot."""
        async with self._one_sweep_at_a_time:
            return await self._sweep()

    async def _sweep(self) -> Swept:
        now = self._clock.now()
        # The erase trail of versions before 0010 lived in the conversation storage.
        legacy_trails = await self._conversations.forget_untouched("trail", now - DELETE_WINDOW)
        swept = Swept(
            drafts=await self._conversations.forget_untouched("default", now - DRAFT_LIFETIME),
            trails=legacy_trails + await self._trail.forget_expired(),
            ledger_marks=await self._journal.prune(),
            voices=await self._voices.forget_expired(),
            routes=await self._cases.forget_reply_routes(tuple(CLOSED_STATUSES))
            + await self._outbox.forget_finished_routes(),
            cases=0 if self._retention is None else await self._retention.sweep(),
        )
        logger.info(
            "housekeeping: %d drafts, %d trails, %d ledger marks, %d routes, %d cases forgotten",
            swept.drafts,
            swept.trails,
            swept.ledger_marks,
            swept.routes,
            swept.cases,
        )
        if self._witness is not None:
            async with self._database.transaction():
                await self._witness.send_audit_witness()
        await self._database.optimize()
        return swept

    async def run_forever(self, interval: float = INTERVAL_SECONDS) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                raise_if_cancelled()
                logger.exception("housekeeping failed; trying again later")
            await asyncio.sleep(interval)
