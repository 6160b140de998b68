"""Telling people something through the outbox, each in their own language.

Every service that tells a staff member something (an alert, a reminder, "someone took the case",
"the reporter answered") or writes to a reporter's chat goes through here: the member's chat
comes from their sealed alert route, the language from what they chose, the priority from the
case's urgency, and the purpose makes each message once-only. A sweep tells many members at
once: `Batch` reads each member's language once and queues everything in one statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from bot.case_model import Urgency
from bot.outbox import (
    PRIORITY_IMMEDIATE,
    PRIORITY_NORMAL,
    PRIORITY_STANDARD,
    PRIORITY_URGENT,
    Buttons,
    DigestLine,
    Outbox,
    StaffMessage,
)
from bot.people import PeopleService
from bot.server_keys import ServerKeys
from bot.staff import StaffDesk
from storage.models import StaffMember

PRIORITY_OF_URGENCY: Final[dict[str, int]] = {
    Urgency.IMMEDIATE: PRIORITY_IMMEDIATE,
    Urgency.URGENT: PRIORITY_URGENT,
    Urgency.STANDARD: PRIORITY_STANDARD,
}
# Whoever handles a case is alerted once per window however many messages its sender adds in
# it: a child often sends several in a row.
ANSWER_ALERT_WINDOW: Final = timedelta(minutes=5)

# The words of a message in a given language: text and buttons (the handlers layer renders).
Render = Callable[[str], tuple[str, Buttons]]


def priority_of(urgency: str) -> int:
    return PRIORITY_OF_URGENCY.get(urgency, PRIORITY_STANDARD)


def answer_window(now: datetime) -> int:
    """Which answer-alert window `now` falls in (part of the once-only purpose)."""
    return int(now.timestamp() // ANSWER_ALERT_WINDOW.total_seconds())


def text_only(render: Callable[[str], str]) -> Render:
    """A renderer of text alone, as one of text and (no) buttons."""
    return lambda language: (render(language), ())


@dataclass(frozen=True)
class Notice:
    """One message for one member: what it says, what it is for, how urgent."""

    member: StaffMember
    # Once-only: the same purpose is never queued twice, however often it is asked for.
    purpose: str
    render: Render
    priority: int = PRIORITY_STANDARD
    # For alerts: under a burst, a chat's waiting alerts go out together as one list, where
    # this case shows as its code under its urgency.
    digest_of: tuple[str, str] | None = None
    # The case it is about, if any (retention deletes the message with the case).
    case_id: int | None = None


@dataclass
class Batch:
    """Notices gathered by one unit of work (a sweep), queued together by `StaffNotifier.send`.
    Each member's language is read once for the whole batch."""

    notices: list[Notice] = field(default_factory=list)
    languages: dict[int, str] = field(default_factory=dict)

    def add(self, notice: Notice) -> None:
        self.notices.append(notice)


class StaffNotifier:
    def __init__(
        self,
        staff_desk: StaffDesk,
        people: PeopleService,
        outbox: Outbox,
        keys: ServerKeys,
        default_language: str,
    ) -> None:
        self._staff_desk = staff_desk
        self._people = people
        self._outbox = outbox
        self._keys = keys
        self._default_language = default_language

    async def language_of(self, member: StaffMember, batch: Batch | None = None) -> str:
        if batch is not None and member.id in batch.languages:
            return batch.languages[member.id]
        language = (
            await self._people.language_of_pseudonym(member.pseudonym) or self._default_language
        )
        if batch is not None:
            batch.languages[member.id] = language
        return language

    async def tell(self, notice: Notice) -> bool:
        """Queue one notice now; False if the member has no chat or it was queued before."""
        return (await self.send([notice]))[0]

    async def tell_all(self, notices: Sequence[Notice]) -> int:
        """Queue notices now; how many were queued."""
        return sum(await self.send(notices))

    async def send(self, notices: Sequence[Notice], batch: Batch | None = None) -> list[bool]:
        """Queue notices in one statement; for each, whether it was queued (False when the
        member has no chat to send to, or the purpose was queued before)."""
        batch = batch or Batch()
        messages: list[StaffMessage] = []
        positions: list[int | None] = []
        for notice in notices:
            message = await self._message(notice, batch)
            positions.append(None if message is None else len(messages))
            if message is not None:
                messages.append(message)
        queued = await self._outbox.enqueue_many(messages) if messages else []
        return [False if at is None else queued[at] for at in positions]

    async def send_batch(self, batch: Batch) -> list[bool]:
        """Queue what a sweep gathered; for each notice, whether it was queued."""
        return await self.send(batch.notices, batch)

    async def _message(self, notice: Notice, batch: Batch) -> StaffMessage | None:
        chat_id = self._staff_desk.alert_chat(notice.member)
        if chat_id is None:
            return None
        language = await self.language_of(notice.member, batch)
        text, buttons = notice.render(language)
        digest = None
        if notice.digest_of is not None:
            code, urgency = notice.digest_of
            digest = DigestLine(code, urgency, language)
        return StaffMessage(
            chat_id,
            text,
            priority=notice.priority,
            purpose=notice.purpose,
            buttons=buttons,
            digest=digest,
            case_id=notice.case_id,
            member_id=notice.member.id,
        )

    async def tell_reporter(
        self,
        chat_id: int,
        purpose: str,
        render: Render,
        priority: int = PRIORITY_NORMAL,
        case_id: int | None = None,
    ) -> bool:
        """Write to a reporter's (or requester's) own chat, in the language they chose: a
        private chat's id is its person's id."""
        language = (
            await self._people.language_of_pseudonym(self._keys.pseudonym(chat_id))
            or self._default_language
        )
        text, buttons = render(language)
        return await self._outbox.enqueue(
            chat_id, text, priority=priority, purpose=purpose, buttons=buttons, case_id=case_id
        )
