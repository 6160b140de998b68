"""The audit log: who did what to which case and when, never content, tamper-evident.

Each event's digest is an HMAC (under a key derived from SAFEPERSON_SECRET) of the previous
digest and the event itself, so editing, deleting or reordering any row breaks every digest after
it, and someone holding only the database cannot forge a consistent chain.

A chain alone does not show that its newest events were deleted: what is left is still a valid
chain. So the chain's head is anchored: one row holds the number of events and the last digest,
with an HMAC over both, and is rewritten in the same transaction as each event. Deleting events
from the end, deleting the anchor or editing it is then caught, unless the whole database is put
back to an earlier state (anchor included). That is what the head's fingerprint is for: a board
member notes it, and `safeperson audit verify --expect` later checks that the log still extends
that head.

Events appended since the anchor exists are digested under another HMAC purpose than the events
before it. An event of that kind can only be removed by rolling the log back to before the
upgrade; while one is in the chain, a missing anchor means it was deleted, not that the log
predates anchoring.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.clock import Clock
from bot.contexts import Label
from bot.server_keys import ServerKeys
from storage.audit import AuditRepository, ChainEnd
from storage.models import AuditAnchor, AuditEvent

GENESIS = "0" * 64
# HMAC purposes: an event before the anchor existed, an event since, the anchor itself, the
# key-check value, and the head's fingerprint. Distinct purposes keep one MAC from passing as
# another.
_BEFORE_ANCHOR = Label.AUDIT
_ANCHORED = Label.AUDIT_ANCHORED
_ANCHOR = Label.AUDIT_ANCHOR
_KEY_CHECK = Label.AUDIT_KEY_CHECK
_FINGERPRINT = Label.AUDIT_FINGERPRINT
# 16 hex digits (64 bits): short enough to read aloud, far too many to hit without the secret.
_FINGERPRINT_DIGITS = 16

Kind = Literal["before anchor", "anchored"]


def normalise_fingerprint(text: str) -> str | None:
    """The 16 hex digits of a fingerprint as someone typed it (any case, grouped by spaces or
    dashes, as it was read out), or None if it is not one."""
    digits = re.sub(r"[\s-]", "", text).lower()
    if re.fullmatch(rf"[0-9a-f]{{{_FINGERPRINT_DIGITS}}}", digits) is None:
        return None
    return digits


def _grouped(digits: str) -> str:
    return "-".join(digits[i : i + 4] for i in range(0, len(digits), 4))


@dataclass(frozen=True)
class Verdict:
    events: int
    first_broken: int | None  # the id of the first event that does not check out
    # What is wrong with the end of the log (events deleted from it, the anchor deleted or
    # edited), or None.
    broken_end: str | None = None
    # Whether the head is anchored; False only for a log from before anchoring, never extended.
    anchored: bool = True
    # Nothing that this secret could have checked did: it is not the secret the log was written
    # with. Not a verdict on the log at all.
    wrong_secret: bool = False
    fingerprint: str = ""  # of the head, grouped for reading aloud
    # Whether the log extends the head whose fingerprint was expected (None: none was).
    extends_expected: bool | None = None
    expected_at: int | None = None  # the number of events at the expected head

    @property
    def intact(self) -> bool:
        return (
            not self.wrong_secret
            and self.first_broken is None
            and self.broken_end is None
            and self.extends_expected is not False
        )


class AuditLog:
    def __init__(self, repository: AuditRepository, keys: ServerKeys, clock: Clock) -> None:
        self._repository = repository
        self._keys = keys
        self._clock = clock

    def _digest(
        self, kind: Kind, previous: str, at: str, actor: str, action: str, case_code: str
    ) -> str:
        purpose = _ANCHORED if kind == "anchored" else _BEFORE_ANCHOR
        return self._keys.key_id(purpose, "\x1f".join((previous, at, actor, action, case_code)))

    def _kind(self, event: AuditEvent, previous: str) -> Kind | None:
        """Which kind of event checks out after `previous`, or None if neither does."""
        fields = (previous, event.at.isoformat(), event.actor, event.action, event.case_code or "")
        for kind in ("anchored", "before anchor"):
            if hmac.compare_digest(event.digest, self._digest(kind, *fields)):
                return kind
        return None

    def _anchor_mac(self, events: int, head: str) -> str:
        return self._keys.key_id(_ANCHOR, f"{events}\x1f{head}")

    def _key_check(self) -> str:
        """A fixed value under the audit key, stored with the anchor: it tells "this is not the
        secret the log was written with" from "the log was tampered with"."""
        return self._keys.key_id(_KEY_CHECK, "")

    def _anchor(self, events: int, head: str) -> AuditAnchor:
        return AuditAnchor(
            events=events,
            head=head,
            key_check=self._key_check(),
            mac=self._anchor_mac(events, head),
        )

    def _anchor_checks(self, anchor: AuditAnchor) -> bool:
        return hmac.compare_digest(
            anchor.mac, self._anchor_mac(anchor.events, anchor.head)
        ) and hmac.compare_digest(anchor.key_check, self._key_check())

    async def head_fingerprint(self) -> str | None:
        """The fingerprint of the log's head as its anchor holds it, grouped for reading aloud;
        None while the log is not anchored or its anchor does not check out (then `verify`
        says why, and no fingerprint should vouch for it)."""
        anchor = await self._repository.anchor()
        if anchor is None or not self._anchor_checks(anchor):
            return None
        return _grouped(self.fingerprint(anchor.events, anchor.head))

    def fingerprint(self, events: int, head: str) -> str:
        """The head's fingerprint: keyed, so it cannot be made up for a forged or rolled-back log,
        and over the count as well as the digest, so it names one point of the log."""
        return self._keys.key_id(_FINGERPRINT, f"{events}\x1f{head}")[:_FINGERPRINT_DIGITS]

    def _events_to_extend(self, end: ChainEnd, previous: str) -> int | None:
        """The count the anchor moves on from, or None to leave it as it is: an anchor that
        does not check out, or no longer matches the chain's end, is evidence for `verify`, and
        rewriting it with the secret would launder what was done to the log."""
        if end.anchor is not None:
            if self._anchor_checks(end.anchor) and end.anchor.head == previous:
                return end.anchor.events
            return None
        if end.last is not None and self._kind(end.last, end.last.previous) == "anchored":
            return None  # the anchor existed once: it was deleted
        # A log from before the upgrade (or a new one): anchored from here on.
        return end.counted

    async def record(self, actor: str, action: str, case_code: str | None = None) -> None:
        """Append an event in the current unit of work (it commits with what it records)."""
        await self.record_many([(actor, action, case_code)])

    async def record_many(self, records: Sequence[tuple[str, str, str | None]]) -> None:
        """Append events (actor, action, case code), in this order, in the current unit of
        work: the chain's end is read and its anchor moved once for all of them."""
        if not records:
            return
        at = self._clock.now()

        def chained(end: ChainEnd) -> tuple[list[AuditEvent], AuditAnchor | None]:
            first = end.last.digest if end.last is not None else GENESIS
            previous = first
            events: list[AuditEvent] = []
            for actor, action, case_code in records:
                digest = self._digest(
                    "anchored", previous, at.isoformat(), actor, action, case_code or ""
                )
                events.append(
                    AuditEvent(
                        at=at,
                        actor=actor,
                        action=action,
                        case_code=case_code,
                        previous=previous,
                        digest=digest,
                    )
                )
                previous = digest
            extended = self._events_to_extend(end, first)
            return events, None if extended is None else self._anchor(
                extended + len(events), previous
            )

        await self._repository.append_many_chained(chained)

    async def verify(self, expect: str | None = None) -> Verdict:
        """Check the chain, then its end against the anchor, then (if `expect` is a normalised
        fingerprint) that the log extends the head it was taken from.

        A wrong secret makes every MAC fail, which would read as a log tampered with from its
        first event. It is told apart by two values that tampering with the end of the log does
        not touch: the anchor's key-check value (a fixed value under the key, written with the
        anchor) and the first event's digest. Only when neither checks out (of those there are)
        is the secret reported as not this database's; someone editing both the key check and
        the first event gets the same answer, which is still a refusal to call the log intact.
        """
        events, anchor = await self._repository.chain()
        evidence = []
        if anchor is not None:
            evidence.append(hmac.compare_digest(anchor.key_check, self._key_check()))
        if events:
            evidence.append(self._kind(events[0], GENESIS) is not None)
        if evidence and not any(evidence):
            return Verdict(len(events), None, wrong_secret=True)

        previous = GENESIS
        seen_anchored = False
        heads = [self.fingerprint(0, GENESIS)]
        first_broken = None
        for event in events:
            kind = self._kind(event, previous)
            if event.previous != previous or kind is None:
                first_broken = event.id
                break
            if kind == "before anchor" and seen_anchored:
                first_broken = event.id  # an old-style event after anchoring was not appended
                break
            seen_anchored = seen_anchored or kind == "anchored"
            previous = event.digest
            heads.append(self.fingerprint(len(heads), previous))

        extends = None if expect is None else expect in heads
        expected_at = heads.index(expect) if extends and expect is not None else None
        if first_broken is not None:
            return Verdict(len(events), first_broken, extends_expected=extends)
        return Verdict(
            len(events),
            None,
            broken_end=self._broken_end(anchor, len(events), previous, seen_anchored),
            anchored=anchor is not None,
            fingerprint=_grouped(heads[-1]),
            extends_expected=extends,
            expected_at=expected_at,
        )

    def _broken_end(
        self, anchor: AuditAnchor | None, events: int, head: str, seen_anchored: bool
    ) -> str | None:
        if anchor is None:
            return "its anchor was deleted" if seen_anchored else None
        if not self._anchor_checks(anchor):
            return "its anchor was edited"
        if anchor.events > events:
            return f"events were deleted from its end (its anchor counts {anchor.events})"
        if anchor.events != events or anchor.head != head:
            return "its newest events do not match its anchor"
        return None
