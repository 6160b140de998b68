"""Alerts: who is told about a new case, at once, through the outbox.

Tier 1 is the officer and the safe person of the case's activity; for a case about the officer,
tier 1 is the board and the officer is alerted at no tier. An alert carries triage metadata
only, never content. (The ladder that climbs when nobody acknowledges builds on this.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.outbox import PRIORITY_IMMEDIATE, PRIORITY_STANDARD, PRIORITY_URGENT, Outbox
from bot.people import PeopleService
from bot.staff import StaffDesk
from storage.cases import CaseRepository, StaffRepository
from storage.models import ReportCase, StaffMember

PRIORITY_OF_URGENCY = {
    "immediate": PRIORITY_IMMEDIATE,
    "urgent": PRIORITY_URGENT,
    "standard": PRIORITY_STANDARD,
}
STATUS_ALERTED = "alerted"


@dataclass(frozen=True)
class AlertFacts:
    """What an alert may say: triage metadata, never what the reporter wrote."""

    code: str
    urgency: str
    audience: str
    about_staff: bool
    activity: str | None
    received_at: datetime
    deadline_at: datetime


class AlertRenderer(Protocol):
    """Words and buttons of an alert in a language (the handlers layer provides it)."""

    def __call__(
        self, facts: AlertFacts, language: str
    ) -> tuple[str, list[list[tuple[str, str]]]]: ...


def tier_one(members: list[StaffMember], case: ReportCase) -> list[StaffMember]:
    if case.about_officer:
        return [m for m in members if m.role == "board"]
    return [
        m
        for m in members
        if m.role == "officer"
        or (m.role == "safe_person" and case.activity is not None and m.activity == case.activity)
    ]


class AlertDesk:
    def __init__(
        self,
        cases: CaseRepository,
        staff: StaffRepository,
        staff_desk: StaffDesk,
        people: PeopleService,
        outbox: Outbox,
        render: AlertRenderer,
        default_language: str,
        clock: Clock,
    ) -> None:
        self._cases = cases
        self._clock = clock
        self._staff = staff
        self._staff_desk = staff_desk
        self._people = people
        self._outbox = outbox
        self._render = render
        self._default_language = default_language

    async def alert_new_case(self, case: ReportCase) -> int:
        """Queue tier 1's alerts in the current unit of work; return how many."""
        facts = AlertFacts(
            code=case.code,
            urgency=case.urgency,
            audience=case.audience,
            about_staff=case.category == "about_staff",
            activity=case.activity,
            received_at=case.received_at,
            deadline_at=case.deadline_at,
        )
        queued = 0
        for member in tier_one(await self._staff.active_readers(), case):
            chat_id = self._staff_desk.alert_chat(member)
            if chat_id is None:
                continue
            language = await self._people.language_of_pseudonym(member.pseudonym)
            text, buttons = self._render(facts, language or self._default_language)
            if await self._outbox.enqueue(
                chat_id,
                text,
                priority=PRIORITY_OF_URGENCY.get(case.urgency, PRIORITY_STANDARD),
                purpose=f"alert|{case.code}|{member.id}|tier1",
                buttons=buttons,
            ):
                queued += 1
        if queued:
            # With nobody reachable the case stays waiting for its alert, for the ladder to see.
            await self._cases.set_status(case.id, STATUS_ALERTED, self._clock.now())
        return queued
