"""Opening a case for one of its readers, with their unlocked private key."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.sealing import open_case_entry
from bot.staff import Member
from storage.cases import CaseRepository, StaffRepository
from storage.models import ReportCase


@dataclass(frozen=True)
class LaterEntry:
    """Something added after the report: the reporter's follow-up, a reply, or a note."""

    kind: str
    # "reporter", or the staff member's name (readers see who replied and who wrote notes).
    author: str | None
    written_at: datetime
    text: str


@dataclass(frozen=True)
class OpenedReport:
    case: ReportCase
    answers: dict[str, Any]
    messages: list[str]
    voices: list[bytes] = field(default_factory=list)
    later: list[LaterEntry] = field(default_factory=list)
    # What the reporter wrote in; None for reports sealed before it was kept with them.
    language: str | None = None


class CaseReader:
    def __init__(self, cases: CaseRepository, staff: StaffRepository) -> None:
        self._cases = cases
        self._staff = staff

    async def _author(self, author: str) -> str | None:
        if not author.startswith("staff:"):
            return None
        member = await self._staff.get(int(author.removeprefix("staff:")))
        return member.name if member is not None else None

    async def open(self, code: str, member: Member, private_key: bytes) -> OpenedReport | None:
        """The case as its reporter told it, and what came after; None if the report is not
        sealed for this member."""
        case = await self._cases.by_code(code)
        if case is None:
            return None
        answers: dict[str, Any] = {}
        messages: list[str] = []
        voices: list[bytes] = []
        later: list[LaterEntry] = []
        language: str | None = None
        for stored in await self._cases.entries(case.id):
            wrapped = stored.wrapped_keys.get(member.id)
            entry = stored.entry
            if wrapped is None:
                if entry.kind == "report":
                    return None
                continue  # added when this member could not read it (revoked at the time)
            content = open_case_entry(case.code, entry, wrapped, private_key)
            if entry.kind == "report":
                report = json.loads(content)
                answers, messages = report["answers"], report["messages"]
                found = report.get("language")
                language = found if isinstance(found, str) else None
            elif entry.kind == "voice":
                voices.append(content)
            else:
                later.append(
                    LaterEntry(
                        entry.kind,
                        await self._author(entry.author),
                        entry.created_at,
                        content.decode(),
                    )
                )
        if not messages and not answers:
            return None  # no report entry at all: nothing to show
        return OpenedReport(case, answers, messages, voices, later, language)
