"""Opening a case for one of its readers, with their unlocked private key."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.cases import report_context
from bot.crypto import open_entry
from storage.cases import CaseRepository
from storage.models import ReportCase, StaffMember


@dataclass(frozen=True)
class OpenedReport:
    case: ReportCase
    answers: dict[str, Any]
    messages: list[str]
    voices: list[bytes] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)


class CaseReader:
    def __init__(self, cases: CaseRepository) -> None:
        self._cases = cases

    async def open(self, code: str, member: StaffMember, private_key: bytes) -> OpenedReport | None:
        """The case as its reporter told it; None if it is not sealed for this member."""
        case = await self._cases.by_code(code)
        if case is None:
            return None
        answers: dict[str, Any] = {}
        messages: list[str] = []
        voices: list[bytes] = []
        follow_ups: list[str] = []
        for stored in await self._cases.entries(case.id):
            wrapped = stored.wrapped_keys.get(member.id)
            if wrapped is None:
                return None
            entry = stored.entry
            content = open_entry(
                suite=entry.suite,
                version=entry.format_version,
                nonce=entry.nonce,
                ciphertext=entry.ciphertext,
                wrapped_key=wrapped,
                private_key=private_key,
                context=report_context(case.code, entry.token),
            )
            if entry.kind == "report":
                report = json.loads(content)
                answers, messages = report["answers"], report["messages"]
            elif entry.kind == "voice":
                voices.append(content)
            else:
                follow_ups.append(content.decode())
        return OpenedReport(case, answers, messages, voices, follow_ups)
