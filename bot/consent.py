"""Consent requests: a parent, or a young person, takes back their agreement to data collection,
photos or videos, and may ask for erasure and take-down. Nobody asks them why.

A request is a case of its own kind (`kind = "consent"`) on the same machinery as concerns: it is
sealed like a report, the sender gets a reference and a secret word for /status, questions go back
anonymously through the outbox and answers come in like a reporter's. What differs:

- its readers are the data-protection contacts (role `dpo`), or the officers when there is none;
- its deadline is `consent_deadline` (30 days by default: GDPR art. 12(3)), with reminders before
  it (`consent_reminders`) and, if it passes, an alert to the board as well;
- its steps are received → done; "Done" tells the sender, in their language.

`safeperson consent export` opens the requests about an activity with a reader's key, for the
people who take photos there; the list exists only on that screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Final, Literal, Protocol, cast, get_args

from bot.audit import AuditLog
from bot.case_model import (
    CaseKind,
    CaseStatus,
    CaseSummary,
    EntryKind,
    StaffRole,
    StaffStatus,
    Urgency,
    accepts_replies,
    transition,
)
from bot.clock import Clock, RandomSource
from bot.crypto import SealedEntryError
from bot.deadlines import SWEEP_BATCH, DeadlineMoment, DeadlineReminders
from bot.intake import CaseFiler, NewCase, Receipt
from bot.notifier import Notice, StaffNotifier, answer_window, text_only
from bot.sealing import open_case_entry, reply_chat, seal_case_entry, sealing_keys
from bot.server_keys import ServerKeys
from bot.staff import Member
from storage.cases import CaseRepository, StaffRepository
from storage.models import ReportCase, StaffMember

ConsentScope = Literal["data", "photos", "videos"]
SCOPES: Final[tuple[ConsentScope, ...]] = get_args(ConsentScope)
Requester = Literal["parent", "child"]

# Longer than any first name; a whole sentence typed here is not a name.
MAX_FIRST_NAME: Final = 40
MAX_QUESTION_CHARACTERS: Final = 3000

Buttons = list[list[tuple[str, str]]]


ConsentStep = Literal["who", "scopes", "first_name", "activity", "erase", "take_down"]
CONSENT_STEPS: Final[tuple[ConsentStep, ...]] = get_args(ConsentStep)


def consent_step_after(
    step: str | None, scopes: tuple[ConsentScope, ...], has_activities: bool
) -> ConsentStep | None:
    """The next question, one at a time; None when the confirm screen is next. Which activity
    is asked only if the organisation lists activities; take-down only for photos or videos."""
    following = CONSENT_STEPS[CONSENT_STEPS.index(step) + 1 :] if step else CONSENT_STEPS
    for candidate in following:
        if candidate == "activity" and not has_activities:
            continue
        if candidate == "take_down" and not ({"photos", "videos"} & set(scopes)):
            continue
        return candidate
    return None


def scopes_from(values: object) -> tuple[ConsentScope, ...]:
    """The known scopes among `values`, in their usual order (a draft comes from storage)."""
    chosen = set(values) if isinstance(values, list | tuple | set) else set()
    return tuple(scope for scope in SCOPES if scope in chosen)


def first_name_from(typed: str) -> str | None:
    """A first name as typed, tidied; None if it cannot be one (empty, too long, a link)."""
    name = " ".join(typed.split())
    if not name or len(name) > MAX_FIRST_NAME or "/" in name or "@" in name:
        return None
    return name


@dataclass(frozen=True)
class ConsentRequest:
    """What the sender chose, ready to be sealed. There is no field for a reason."""

    requester: Requester
    scopes: tuple[ConsentScope, ...]
    first_name: str
    activity: str | None
    erase: bool
    take_down: bool
    reply_chat_id: int
    draft_id: str


@dataclass(frozen=True)
class Withdrawal:
    """One request as a reader opens it."""

    code: str
    first_name: str
    scopes: tuple[ConsentScope, ...]
    activity: str | None
    erase: bool
    take_down: bool
    received_at: datetime
    status: str


@dataclass(frozen=True)
class ConsentExport:
    withdrawals: tuple[Withdrawal, ...]
    # Requests about the activity that were not sealed for this reader (e.g. enrolled later).
    not_for_this_reader: int


class ConsentWords(Protocol):
    """Words and buttons in each person's language (the handlers layer provides them)."""

    def new_request(
        self, code: str, requester: str, activity: str | None, deadline: datetime, language: str
    ) -> tuple[str, Buttons]: ...

    def reminder(self, code: str, deadline: datetime, language: str) -> tuple[str, Buttons]: ...

    def breach(self, code: str, deadline: datetime, language: str) -> str: ...

    def question(self, code: str, text: str, language: str) -> tuple[str, Buttons]: ...

    def done(self, code: str, language: str) -> str: ...

    def answered(self, code: str, language: str) -> tuple[str, Buttons]: ...


def request_content(request: ConsentRequest) -> bytes:
    """What is sealed: the report-entry layout (answers, messages) every reader already opens."""
    answers = {
        "scopes": list(request.scopes),
        "first_name": request.first_name,
        "erase": request.erase,
        "take_down": request.take_down,
    }
    return json.dumps({"answers": answers, "messages": []}, ensure_ascii=False).encode()


def withdrawal_from(case: ReportCase, answers: dict[str, object]) -> Withdrawal:
    return Withdrawal(
        code=case.code,
        first_name=str(answers.get("first_name", "")),
        scopes=scopes_from(answers.get("scopes")),
        activity=case.activity,
        erase=bool(answers.get("erase")),
        take_down=bool(answers.get("take_down")),
        received_at=case.received_at,
        status=case.status,
    )


class ConsentDesk:
    def __init__(
        self,
        filer: CaseFiler,
        cases: CaseRepository,
        staff: StaffRepository,
        notifier: StaffNotifier,
        words: ConsentWords,
        keys: ServerKeys,
        clock: Clock,
        random: RandomSource,
        audit: AuditLog,
        *,
        deadline: timedelta,
        reminders: tuple[timedelta, ...],
    ) -> None:
        self._filer = filer
        self._cases = cases
        self._staff = staff
        self._notifier = notifier
        self._words = words
        self._keys = keys
        self._clock = clock
        self._random = random
        self._audit = audit
        self._deadline = deadline
        self._deadlines = DeadlineReminders(
            CaseKind.CONSENT, cases, notifier, clock, reminders, policy=self
        )

    @property
    def deadline(self) -> timedelta:
        return self._deadline

    async def contacts(self) -> list[StaffMember]:
        """Who a new request is sealed for: the data-protection contacts, else the officers."""
        return await self._staff.active_readers(
            (StaffRole.DPO,)
        ) or await self._staff.active_readers((StaffRole.OFFICER,))

    async def submit(self, request: ConsentRequest) -> Receipt | None:
        """Seal and store the request and alert its readers; None if already submitted."""
        if await self._filer.already_filed(request.draft_id):
            return None
        contacts = await self.contacts()
        filed = await self._filer.file_case(
            NewCase(
                kind=CaseKind.CONSENT,
                audience=request.requester,
                urgency=Urgency.STANDARD,
                category=CaseKind.CONSENT,
                activity=request.activity,
                about_officer=False,
                # The sender started this in their own chat: the answer to it goes there.
                wants_reply=True,
                content=request_content(request),
                readers={m.id: m.public_key for m in contacts if m.public_key is not None},
                deadline=self._deadline,
                reply_chat_id=request.reply_chat_id,
                draft_id=request.draft_id,
            )
        )
        case = filed.case
        await self._audit.record("requester", "consent request received", case.code)
        queued = await self._notifier.tell_all(
            [
                Notice(
                    member,
                    f"consent|{case.code}|{member.id}",
                    partial(
                        self._words.new_request,
                        case.code,
                        case.audience,
                        case.activity,
                        case.deadline_at,
                    ),
                    case_id=case.id,
                )
                for member in contacts
            ]
        )
        await self._audit.record("system", f"consent contacts alerted ({queued})", case.code)
        await self._cases.move(
            case.id, transition(CaseKind.CONSENT, CaseStatus.RECEIVED), self._clock.now()
        )
        return filed.receipt

    async def open_requests(self, member: Member) -> list[CaseSummary]:
        """The requests not yet done that are sealed for this member, soonest deadline first."""
        rows = await self._cases.open_cases_sealed_for(
            member.id, CaseStatus.DONE, kind=CaseKind.CONSENT
        )
        return [CaseSummary.of(row) for row in rows]

    async def request_for(self, member: Member, code: str) -> CaseSummary | None:
        """The request, if it is sealed for this (active) member; None for anyone else."""
        case = await self._cases.by_code(code)
        if case is None or case.kind != CaseKind.CONSENT or member.status != StaffStatus.ACTIVE:
            return None
        if member.id not in await self._cases.readers_of(case.id):
            return None
        return CaseSummary.of(case)

    async def done(self, member: Member, request: CaseSummary) -> bool:
        """Mark the request done and tell its sender; False if it already was."""
        now = self._clock.now()
        case = await self._cases.get(request.id)
        if case is None:
            return False
        # The sender's chat is read first, for the one message below (the outbox carries it
        # with its own route): the case stops keeping it now, and the UPDATE also clears it
        # on the `case` object in hand.
        chat_id = reply_chat(self._keys, case)
        if not await self._cases.move(
            case.id, transition(CaseKind.CONSENT, CaseStatus.DONE, closed_at=now), now
        ):
            return False
        await self._audit.record(f"staff:{member.id}", "consent: done", case.code)
        if chat_id is not None:
            await self._notifier.tell_reporter(
                chat_id,
                f"consent-done|{case.code}",
                text_only(partial(self._words.done, case.code)),
                case_id=case.id,
            )
        return True

    async def ask(self, member: Member, request: CaseSummary, text: str) -> bool:
        """A question to the sender, relayed without the asker's name, and sealed into the
        request for its readers and for the sender's own key (so /status shows it). False
        (nothing kept) once the request is done: it takes no more."""
        case = await self._cases.get(request.id)
        if case is None or not accepts_replies(case.status):
            return False
        entry = seal_case_entry(
            case.code,
            EntryKind.QUESTION,
            f"staff:{member.id}",
            text.encode(),
            await sealing_keys(self._cases, case),
            case.reporter_public_key,
            self._clock,
            self._random,
        )
        await self._cases.add_entry(case.id, entry)
        await self._audit.record(f"staff:{member.id}", "consent: question asked", case.code)
        chat_id = reply_chat(self._keys, case)
        if chat_id is not None:
            await self._notifier.tell_reporter(
                chat_id,
                f"consent-question|{case.code}|{entry.token}",
                partial(self._words.question, case.code, text),
                case_id=case.id,
            )
        return True

    async def reporter_added(self, case: ReportCase) -> None:
        """The sender answered (or wrote more): every contact of the request is told."""
        await self._audit.record("requester", "consent: requester answered", case.code)
        window = answer_window(self._clock.now())
        await self._notifier.tell_all(
            [
                Notice(
                    member,
                    f"consent-answered|{case.code}|{member.id}|{window}",
                    partial(self._words.answered, case.code),
                    case_id=case.id,
                )
                for member in await self._cases.active_readers_of(case.id)
            ]
        )

    async def remind_deadlines(self, limit: int = SWEEP_BATCH) -> int:
        """Reminders to the contacts before a request's deadline; at it, the board is alerted
        too. Only the latest reminder that applies goes, once to each person. At most `limit`
        requests whose moment has come; return how many were looked at."""
        return await self._deadlines.sweep(limit)

    async def notices(
        self, case: ReportCase, moment: DeadlineMoment, readers: list[StaffMember]
    ) -> list[Notice]:
        if moment.breached:
            board = await self._staff.active_readers((StaffRole.BOARD,))
            return [
                Notice(
                    member,
                    f"consent-breach|{case.code}|{member.id}",
                    text_only(partial(self._words.breach, case.code, case.deadline_at)),
                    case_id=case.id,
                )
                for member in {m.id: m for m in readers + board}.values()
            ]
        seconds = int(moment.left.total_seconds())
        return [
            Notice(
                member,
                f"consent-reminder|{case.code}|{member.id}|{seconds}",
                partial(self._words.reminder, case.code, case.deadline_at),
                case_id=case.id,
            )
            for member in readers
        ]

    async def export(self, activity: str, member: Member, private_key: bytes) -> ConsentExport:
        """Who has withdrawn which consent for this activity (or for every activity), opened
        with the member's unlocked key. Nothing of it is written anywhere."""
        withdrawals: list[Withdrawal] = []
        skipped = 0
        for case in await self._cases.consent_requests_for(activity):
            answers = await self._open_request(case, member, private_key)
            if answers is None:
                skipped += 1
                continue
            withdrawals.append(withdrawal_from(case, answers))
        await self._audit.record(f"staff:{member.id}", "consent list exported", None)
        return ConsentExport(tuple(withdrawals), skipped)

    async def _open_request(
        self, case: ReportCase, member: Member, private_key: bytes
    ) -> dict[str, object] | None:
        for stored in await self._cases.entries(case.id):
            entry = stored.entry
            wrapped = stored.wrapped_keys.get(member.id)
            if entry.kind != EntryKind.REPORT or wrapped is None:
                continue
            try:
                content = open_case_entry(case.code, entry, wrapped, private_key)
            except SealedEntryError:
                return None
            return cast(dict[str, object], json.loads(content)["answers"])
        return None
