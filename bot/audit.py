"""The audit log: who did what to which case and when, never content, tamper-evident.

Each event's digest is an HMAC (under a key derived from SAFEPERSON_SECRET) of the previous
digest and the event itself, so editing, deleting or reordering any row breaks every digest after
it, and someone holding only the database cannot forge a consistent chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.server_keys import ServerKeys
from storage.audit import AuditRepository
from storage.models import AuditEvent

GENESIS = "0" * 64


@dataclass(frozen=True)
class Verdict:
    events: int
    first_broken: int | None  # the id of the first event that does not check out

    @property
    def intact(self) -> bool:
        return self.first_broken is None


class AuditLog:
    def __init__(self, repository: AuditRepository, keys: ServerKeys, clock: Clock) -> None:
        self._repository = repository
        self._keys = keys
        self._clock = clock

    def _digest(self, previous: str, at: str, actor: str, action: str, case_code: str) -> str:
        return self._keys.key_id("audit", "\x1f".join((previous, at, actor, action, case_code)))

    async def record(self, actor: str, action: str, case_code: str | None = None) -> None:
        """Append an event in the current unit of work (it commits with what it records)."""
        at = self._clock.now()

        def chained(previous: str | None) -> AuditEvent:
            previous = previous or GENESIS
            digest = self._digest(previous, at.isoformat(), actor, action, case_code or "")
            return AuditEvent(
                at=at,
                actor=actor,
                action=action,
                case_code=case_code,
                previous=previous,
                digest=digest,
            )

        await self._repository.append_chained(chained)

    async def verify(self) -> Verdict:
        previous = GENESIS
        events = await self._repository.all_events()
        for event in events:
            expected = self._digest(
                previous, event.at.isoformat(), event.actor, event.action, event.case_code or ""
            )
            if event.previous != previous or event.digest != expected:
                return Verdict(len(events), event.id)
            previous = event.digest
        return Verdict(len(events), None)
