"""Outgoing messages that must not be lost: written with their cause, sent after the commit.

`Outbox.enqueue` runs inside the caller's unit of work, so an alert exists exactly when the case
that caused it does; the commit wakes the sender at once (no polling). `OutboxSender` delivers
what is due, most urgent first, at least once: a refused send (429 with retry_after, 5xx,
network) is tried again later; a chat that blocked the bot or a message Telegram rejects is given
up and logged. It keeps under Telegram's limits: one message a second to a chat, and the global
limit through the shared `SendLimiter`; one chat in flood-wait delays only that chat.

Under a burst (a poster's QR code shown to a whole camp), a staff member's chat would get one
alert a second, the fiftieth after fifty seconds. Alerts are therefore *coalesced*: the first
goes at once, and whatever alerts are due for that chat when its next turn comes go together in
one message that lists every case, with a button for each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.clock import Clock
from bot.contexts import Label, outbox_payload_context, outbox_route_context
from bot.loops import raise_if_cancelled
from bot.send_limits import SendLimiter
from bot.server_keys import ServerKeys
from bot.trail import ChatTrail
from storage.db import Database
from storage.outbox import OutboxRepository, Outgoing, QueuedRow

logger = logging.getLogger(__name__)

PRIORITY_IMMEDIATE: Final = 0
PRIORITY_URGENT: Final = 1
PRIORITY_STANDARD: Final = 2
PRIORITY_NORMAL: Final = 5

PER_CHAT_INTERVAL: Final = timedelta(seconds=1)
BACKOFF: Final = (1, 2, 5, 15, 30, 60, 300)
# Past this many failed attempts (about a day of backoff) a message is given up.
MAX_ATTEMPTS: Final = 12
BATCH: Final = 200
STOP_GRACE_SECONDS: Final = 10.0
# With nothing queued the sender still comes round this often: the health check sees it alive.
IDLE_TURN_SECONDS: Final = 30.0
# How long the sender leaves a message to the courier of the update that queued it.
COURIER_GRACE: Final = timedelta(seconds=30)
# Telegram's limits for one message: its text, and (in practice) its inline buttons.
MAX_TEXT: Final = 4096
MAX_DIGEST_BUTTONS: Final = 96

Buttons = Sequence[Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class DigestLine:
    """What a coalesced alert shows of its case: the code, under its urgency."""

    code: str
    urgency: str
    language: str


class DigestRenderer(Protocol):
    def digest(
        self, lines: Sequence[DigestLine], language: str
    ) -> tuple[str, list[list[tuple[str, str]]]]: ...


class OutboxSignal:
    """Wakes the sender when a commit queued something (instead of it polling)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()

    async def wait(self, seconds: float | None) -> None:
        """Until woken, or `seconds` have passed (None: until woken)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)
        self._event.clear()


def _batch(message_id: int) -> str:
    return f"o{message_id}"


@dataclass(frozen=True)
class StaffMessage:
    """A message for `enqueue_many`: as `Outbox.enqueue` takes one."""

    chat_id: int
    text: str
    priority: int
    purpose: str
    buttons: Buttons = ()
    digest: DigestLine | None = None
    # The case it is about, if any (retention deletes it with the case).
    case_id: int | None = None
    # The staff member it is for: dropped if they are suspended before it goes.
    member_id: int | None = None


class Outbox:
    def __init__(
        self,
        repository: OutboxRepository,
        keys: ServerKeys,
        clock: Clock,
        *,
        database: Database,
        trail: ChatTrail | None = None,
        signal: OutboxSignal | None = None,
    ) -> None:
        self._repository = repository
        self._keys = keys
        self._clock = clock
        self._database = database
        self._trail = trail
        self._signal = signal

    async def enqueue(
        self,
        chat_id: int,
        text: str,
        *,
        priority: int,
        purpose: str,
        buttons: Buttons = (),
        digest: DigestLine | None = None,
        case_id: int | None = None,
    ) -> bool:
        """Queue a message; `purpose` makes it once-only (the same purpose is not sent twice).
        `case_id` names the case it is about, which retention deletes it with."""
        queued = await self.enqueue_message(
            chat_id,
            text,
            priority=priority,
            purpose=purpose,
            buttons=buttons,
            digest=digest,
            case_id=case_id,
        )
        return queued is not None

    async def enqueue_message(
        self,
        chat_id: int,
        text: str,
        *,
        priority: int,
        purpose: str,
        buttons: Buttons = (),
        digest: DigestLine | None = None,
        delivered_by_courier: bool = False,
        case_id: int | None = None,
    ) -> int | None:
        """Queue a message and return its id (None if its purpose was queued before). With
        `delivered_by_courier`, the update's courier sends it right after the commit and the
        sender only takes over if that did not happen."""
        dedupe_key, route, payload = self._sealed(chat_id, text, purpose, buttons, digest)
        now = self._clock.now()
        queued = await self._repository.enqueue(
            priority=priority,
            route=route,
            payload=payload,
            dedupe_key=dedupe_key,
            now=now,
            not_before=now + COURIER_GRACE if delivered_by_courier else None,
            with_courier=delivered_by_courier,
            case_id=case_id,
        )
        if queued is None:
            return None
        if self._trail is not None:
            await self._trail.mark(chat_id, _batch(queued))
        if self._signal is not None and not delivered_by_courier:
            self._database.after_commit(self._signal.wake)
        return queued

    def _sealed(
        self,
        chat_id: int,
        text: str,
        purpose: str,
        buttons: Buttons,
        digest: DigestLine | None,
    ) -> tuple[str, bytes, bytes]:
        """The dedupe key, sealed route and sealed payload of a message."""
        dedupe_key = self._keys.key_id(Label.OUTBOX, purpose)
        payload = json.dumps(
            {
                "text": text,
                "buttons": [[list(b) for b in row] for row in buttons],
                "digest": None
                if digest is None
                else {"code": digest.code, "urgency": digest.urgency, "language": digest.language},
            },
            ensure_ascii=False,
        ).encode()
        return (
            dedupe_key,
            self._keys.seal(str(chat_id).encode(), outbox_route_context(dedupe_key)),
            self._keys.seal(payload, outbox_payload_context(dedupe_key)),
        )

    async def enqueue_many(self, messages: Sequence[StaffMessage]) -> list[bool]:
        """Queue many messages in one statement (a sweep's alerts and reminders: one by one,
        1,000 due cases took several seconds); for each, whether it was queued (False: its
        purpose was queued before)."""
        rows: list[QueuedRow] = []
        for message in messages:
            dedupe_key, route, payload = self._sealed(
                message.chat_id, message.text, message.purpose, message.buttons, message.digest
            )
            rows.append(
                QueuedRow(
                    message.priority,
                    route,
                    payload,
                    dedupe_key,
                    message.case_id,
                    message.member_id,
                )
            )
        # A purpose twice in one call is queued once (the first).
        unique: dict[str, QueuedRow] = {}
        for row in rows:
            unique.setdefault(row.dedupe_key, row)
        added = await self._repository.enqueue_many(list(unique.values()), self._clock.now())
        queued: list[bool] = []
        marks: list[tuple[int, str]] = []
        for message, row in zip(messages, rows, strict=True):
            message_id = added.pop(row.dedupe_key, None)
            queued.append(message_id is not None)
            if message_id is not None:
                marks.append((message.chat_id, _batch(message_id)))
        if self._trail is not None:
            await self._trail.mark_many(marks)
        if self._signal is not None and marks:
            self._database.after_commit(self._signal.wake)
        return queued

    async def sent(self, message_id: int, chat_id: int, telegram_message_id: int) -> None:
        await self._repository.mark_sent([message_id], telegram_message_id, self._clock.now())
        if self._trail is not None:
            await self._trail.settle(chat_id, _batch(message_id), [telegram_message_id])

    async def given_up(self, message_id: int) -> None:
        await self._repository.give_up([message_id])

    async def retry_now(self, message_id: int) -> None:
        """The courier could not deliver it: the sender takes it over at once."""
        await self._repository.wait_until([message_id], self._clock.now())
        if self._signal is not None:
            self._database.after_commit(self._signal.wake)


@dataclass(frozen=True)
class _Opened:
    row: Outgoing
    chat_id: int
    text: str
    buttons: list[list[tuple[str, str]]]
    digest: DigestLine | None


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        repository: OutboxRepository,
        keys: ServerKeys,
        clock: Clock,
        *,
        database: Database,
        limiter: SendLimiter,
        signal: OutboxSignal,
        digests: DigestRenderer,
        trail: ChatTrail,
    ) -> None:
        self._bot = bot
        self._repository = repository
        self._keys = keys
        self._clock = clock
        self._database = database
        self._limiter = limiter
        self._signal = signal
        self._digests = digests
        self._trail = trail
        self._last_sent: dict[int, datetime] = {}
        # A turn and a drain never overlap: both would read the same due rows and send them twice.
        self._one_turn_at_a_time = asyncio.Lock()

    async def deliver_due(self) -> int:
        """Send what is due now, one message per chat per turn; return how many went."""
        async with self._one_turn_at_a_time:
            return await self._deliver_due()

    async def drain(self) -> int:
        """Send everything due now, turn after turn until a turn sends nothing; how many went.
        A chat's second message is not due until a second after its first."""
        sent = 0
        while went := await self.deliver_due():
            sent += went
        return sent

    async def _deliver_due(self) -> int:
        now = self._clock.now()
        by_chat: dict[int, list[_Opened]] = {}
        for row in await self._repository.due(now, BATCH):
            opened = self._open(row)
            by_chat.setdefault(opened.chat_id, []).append(opened)
        sent = 0
        for chat_id, waiting in by_chat.items():
            turn = self._next_turn(chat_id, now)
            if turn > now:
                async with self._database.transaction():
                    await self._repository.wait_until([m.row.id for m in waiting], turn)
                continue
            sent += await self._deliver_turn(chat_id, waiting)
        return sent

    def _next_turn(self, chat_id: int, now: datetime) -> datetime:
        last = self._last_sent.get(chat_id)
        turn = now if last is None else max(now, last + PER_CHAT_INTERVAL)
        return max(turn, now + timedelta(seconds=self._limiter.ready_in(chat_id)))

    async def _deliver_turn(self, chat_id: int, waiting: list[_Opened]) -> int:
        """One message to this chat: a digest of the alerts waiting, or the first message."""
        alerts = [m for m in waiting if m.digest is not None]
        if len(alerts) >= 2:
            included, text, buttons = self._digest(alerts)
        else:
            included, text, buttons = [waiting[0]], waiting[0].text, waiting[0].buttons
        later = [m for m in waiting if m not in included]
        ids = [m.row.id for m in included]
        now = self._clock.now()
        try:
            message = await self._bot.send_message(chat_id, text, reply_markup=_markup(buttons))
        except TelegramRetryAfter as refused:
            await self._later(waiting, now + timedelta(seconds=refused.retry_after), failed=ids)
            return 0
        except (TelegramServerError, TelegramNetworkError):
            attempts = max(m.row.attempts for m in included)
            if attempts + 1 >= MAX_ATTEMPTS:
                await self._give_up(included, "too many failed attempts")
                await self._later(later, now + PER_CHAT_INTERVAL)
                return 0
            delay = timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF) - 1)])
            await self._later(waiting, now + delay, failed=ids)
            return 0
        except (TelegramForbiddenError, TelegramBadRequest) as refused:
            await self._give_up(included, type(refused).__name__)
            return 0
        self._last_sent[chat_id] = self._clock.now()
        async with self._database.transaction():
            await self._repository.mark_sent(ids, message.message_id, self._clock.now())
            for opened in included:
                await self._trail.settle(chat_id, _batch(opened.row.id), [message.message_id])
            if later:
                await self._repository.wait_until(
                    [m.row.id for m in later], self._clock.now() + PER_CHAT_INTERVAL
                )
        return 1

    def _digest(
        self, alerts: list[_Opened]
    ) -> tuple[list[_Opened], str, list[list[tuple[str, str]]]]:
        """As many waiting alerts as one message holds; the rest wait for the next turn."""
        language = alerts[0].digest.language if alerts[0].digest else "en"
        included = list(alerts)
        while True:
            lines = [m.digest for m in included if m.digest is not None]
            text, buttons = self._digests.digest(lines, language)
            if len(text) <= MAX_TEXT or len(included) == 1:
                return included, text[:MAX_TEXT], buttons
            included = included[: max(1, len(included) * MAX_TEXT // len(text) - 1)]

    async def _later(
        self, messages: list[_Opened], when: datetime, failed: Sequence[int] = ()
    ) -> None:
        async with self._database.transaction():
            if failed:
                await self._repository.retry_later(failed, when)
            rest = [m.row.id for m in messages if m.row.id not in failed]
            if rest:
                await self._repository.wait_until(rest, when)

    async def _give_up(self, messages: list[_Opened], why: str) -> None:
        logger.error("%d outbox message(s) given up: %s", len(messages), why)
        async with self._database.transaction():
            await self._repository.give_up([m.row.id for m in messages])

    def _open(self, message: Outgoing) -> _Opened:
        chat_id = int(self._keys.open(message.route, outbox_route_context(message.dedupe_key)))
        payload = json.loads(
            self._keys.open(message.payload, outbox_payload_context(message.dedupe_key))
        )
        digest = payload.get("digest")
        return _Opened(
            message,
            chat_id,
            payload["text"],
            [[(str(label), str(data)) for label, data in row] for row in payload["buttons"]],
            None
            if not digest
            else DigestLine(str(digest["code"]), str(digest["urgency"]), str(digest["language"])),
        )

    async def run_forever(self, on_tick: Callable[[], None] | None = None) -> None:
        """`on_tick`: told after each turn that worked (the health check's sign of life)."""
        async with self._database.transaction():
            taken = await self._repository.take_over_from_couriers(self._clock.now())
        if taken:
            logger.info("outbox: %d message(s) an earlier run had not confirmed are due", taken)
        while True:
            # A stop request waits for the batch in hand: cutting a send before its "sent" mark
            # commits would make the next start send that message again.
            batch = asyncio.ensure_future(self.deliver_due())
            try:
                await asyncio.shield(batch)
                if on_tick is not None:
                    on_tick()
            except asyncio.CancelledError:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(batch, timeout=STOP_GRACE_SECONDS)
                raise
            except Exception:
                raise_if_cancelled()
                logger.exception("outbox delivery failed; trying again")
                await asyncio.sleep(1.0)
            until_next = await self._seconds_to_next()
            await self._signal.wait(
                IDLE_TURN_SECONDS if until_next is None else min(until_next, IDLE_TURN_SECONDS)
            )

    async def _seconds_to_next(self) -> float | None:
        """Until the earliest message not yet due (None: sleep until something is queued)."""
        due_at = await self._repository.next_due_at()
        if due_at is None:
            return None
        return max(0.0, (due_at - self._clock.now()).total_seconds())


def _markup(buttons: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    rows = [
        [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
        for row in buttons
        if row
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
