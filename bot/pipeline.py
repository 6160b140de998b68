"""The update pipeline: one person's updates in order, different people's at the same time.

Each update goes into its person's lane (a queue per Telegram user; with Redis, a lock across
instances too). A lane handles one update at a time; a bounded number of lanes run at once, so a
burst of children after a poster was shown at an assembly is answered together, not one after
the other, and one slow chat holds up nobody else.

An update is handled in three steps, and no transaction ever waits on the network:
1. **before**: a voice note is fetched from Telegram (bounded in size and time);
2. **the unit of work**: the handlers run in one transaction with the update's ledger mark;
   their Telegram calls are only collected (bot.courier), and committed together with what
   must survive a crash (receipts, alerts: the outbox) and a mark for /erase;
3. **after the commit**: the collected calls go out, in order, and what reached the phone is
   written down.

A failure that retrying may mend (the network, a locked database) is retried a few times with
backoff; anything else, or too many failures, sets the update aside: it is marked handled and
recorded without its content, the person gets a kind apology, and the lane goes on. Nothing that
is logged names the person or quotes them: an error is logged by its type and where it happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.types import Update

from bot.clock import Clock
from bot.courier import Courier, Replies
from bot.logs import where
from bot.loops import raise_if_cancelled
from bot.updates import is_transient
from storage.db import Database
from storage.ledger import UpdateLedger
from storage.set_aside import SetAsideRepository

logger = logging.getLogger(__name__)

CONCURRENT_LANES: Final = 32
CONCURRENT_DOWNLOADS: Final = 4
MAX_ATTEMPTS: Final = 4
BACKOFF_SECONDS: Final[Sequence[float]] = (0.2, 1.0, 3.0)
DOWNLOAD_TIMEOUT_SECONDS: Final = 60.0
# getFile refuses files over 20 MB; nothing bigger is fetched.
MAX_DOWNLOAD_BYTES: Final = 20 * 1024 * 1024
# How long a stop waits for the updates in hand before cutting them (they roll back).
STOP_GRACE_SECONDS: Final = 10.0

Apology = Callable[[Bot, Update], Awaitable[None]]


class Outcome(Enum):
    COMMITTED = "committed"
    # Handled before (Telegram sent it again): nothing done, nothing said.
    DUPLICATE = "duplicate"
    SET_ASIDE = "set aside"


class _AlreadyClaimedError(Exception):
    """Another worker committed this update while this one handled it: roll back."""


@dataclass
class _Lane:
    waiting: deque[tuple[Update, asyncio.Future[Outcome]]] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


def person_of(update: Update) -> int | None:
    """Whose update it is: the Telegram user (in a private chat, also the chat)."""
    event = update.event
    user = getattr(event, "from_user", None)
    if user is not None:
        return int(user.id)
    chat = getattr(event, "chat", None)
    return int(chat.id) if chat is not None else None


class UpdatePipeline:
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        database: Database,
        ledger: UpdateLedger,
        set_aside: SetAsideRepository,
        courier: Courier,
        isolation: BaseEventIsolation,
        apologise: Apology,
        clock: Clock,
        *,
        lanes: int = CONCURRENT_LANES,
        attempts: int = MAX_ATTEMPTS,
        backoff: Sequence[float] = BACKOFF_SECONDS,
    ) -> None:
        self._dp = dispatcher
        self._bot = bot
        self._db = database
        self._ledger = ledger
        self._set_aside = set_aside
        self._courier = courier
        self._isolation = isolation
        self._apologise = apologise
        self._clock = clock
        self._slots = asyncio.Semaphore(lanes)
        self._downloads = asyncio.Semaphore(CONCURRENT_DOWNLOADS)
        self._attempts = attempts
        self._backoff = backoff
        self._lanes: dict[int | str, _Lane] = {}

    def submit(self, update: Update) -> asyncio.Future[Outcome]:
        """Queue the update in its person's lane; the future resolves once its effects are
        committed (or it was set aside), before its replies have gone out."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        person = person_of(update)
        key: int | str = person if person is not None else f"update:{update.update_id}"
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        lane.waiting.append((update, future))
        if lane.task is None:
            lane.task = asyncio.create_task(self._run_lane(key, lane))
        return future

    @property
    def busy(self) -> int:
        return len(self._lanes)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Let the updates in hand finish (briefly), then cut the rest; what was cut rolls
        back and Telegram delivers it again on the next start."""
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        for lane in self._lanes.values():
            # Those not started yet are not started: they were never confirmed either.
            while len(lane.waiting) > 1:
                lane.waiting.pop()[1].cancel()
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)

    async def _run_lane(self, key: int | str, lane: _Lane) -> None:
        try:
            while lane.waiting:
                update, future = lane.waiting[0]
                try:
                    outcome, replies = await self._handle(update)
                except Exception as exc:
                    # Not even setting it aside worked (the database is gone): it stays
                    # unconfirmed, and Telegram will deliver it again.
                    logger.error("an update could not be handled or set aside: %s", where(exc))
                    if not future.done():
                        future.set_exception(exc)
                    lane.waiting.popleft()
                    continue
                lane.waiting.popleft()
                if not future.done():
                    future.set_result(outcome)
                if replies is not None:
                    await self._courier.deliver(self._bot, replies)
        finally:
            if self._lanes.get(key) is lane:
                del self._lanes[key]

    async def _handle(self, update: Update) -> tuple[Outcome, Replies | None]:
        failure: BaseException = RuntimeError("no attempt was made")
        attempt = 0
        for attempt in range(1, self._attempts + 1):
            try:
                extras = await self._before(update)
                async with self._slots:
                    return await self._unit_of_work(update, extras)
            except _AlreadyClaimedError:
                return Outcome.DUPLICATE, None
            except Exception as exc:
                # Cut by a stop (even if a library reworded the cancellation): it rolled back,
                # and Telegram delivers it again; it is not set aside.
                raise_if_cancelled()
                if await self._already_handled(update):
                    # A second delivery whose handler failed on what the first one left: it
                    # was handled, so nobody gets an apology for it.
                    return Outcome.DUPLICATE, None
                failure = exc
                if not is_transient(exc) or attempt == self._attempts:
                    break
                delay = self._backoff[min(attempt - 1, len(self._backoff) - 1)]
                logger.warning("an update hit %s; trying again in %.1fs", type(exc).__name__, delay)
                await asyncio.sleep(delay)
        return await self._put_aside(update, failure, attempt)

    async def _already_handled(self, update: Update) -> bool:
        try:
            return await self._ledger.is_handled(self._bot.id, update.update_id)
        except Exception:
            raise_if_cancelled()
            return False  # the database is failing too: the retries and set-aside decide

    async def _before(self, update: Update) -> dict[str, Any]:
        """Network work that must not happen inside the transaction: a voice note's bytes.

        `voice_note` is None when the recording could not be had, and `voice_problem` says why
        ("too big", or "unavailable": Telegram would not give it), so the handler can tell the
        person which, and keep whatever they wrote. A failed fetch is not retried with the whole
        update: getFile was already retried in place (bot.telegram_retry), and another round
        would only keep the person waiting longer before the update is set aside with a vague
        apology and the recording lost without a word.
        """
        message = update.message
        if message is None or message.voice is None:
            return {}
        size = message.voice.file_size or 0
        if size > MAX_DOWNLOAD_BYTES:
            return {"voice_note": None, "voice_problem": "too big"}
        try:
            async with self._downloads:
                voice_note = await self._download(message.voice.file_id)
        except Exception as exc:
            raise_if_cancelled()
            logger.warning("a voice note could not be fetched: %s", where(exc))
            return {"voice_note": None, "voice_problem": "unavailable"}
        if voice_note is None:
            return {"voice_note": None, "voice_problem": "unavailable"}
        if len(voice_note) > MAX_DOWNLOAD_BYTES:
            return {"voice_note": None, "voice_problem": "too big"}
        return {"voice_note": voice_note}

    async def _download(self, file_id: str) -> bytes | None:
        """The file's bytes; None if Telegram refuses it (too big, or gone)."""
        async with asyncio.timeout(DOWNLOAD_TIMEOUT_SECONDS):
            try:
                telegram_file = await self._bot.get_file(file_id)
            except TelegramBadRequest:
                return None
            if telegram_file.file_path is None:
                return None
            buffer = io.BytesIO()
            await self._bot.download_file(telegram_file.file_path, destination=buffer)
        return buffer.getvalue()

    async def _unit_of_work(
        self, update: Update, extras: dict[str, Any]
    ) -> tuple[Outcome, Replies | None]:
        replies = self._courier.new_replies()
        message = update.message
        if message is not None and message.chat.type == "private":
            replies.received(message.chat.id, message.message_id)
        # A second delivery of a committed update is found by the claim at the end (and rolled
        # back, with nothing sent); not looked up first, which cost every update a query.
        async with self._person_lock(update), self._db.transaction():
            with self._courier.collecting(replies):
                await self._dp.feed_update(self._bot, update, replies=replies, **extras)
            await self._courier.write_marks(replies)
            if not await self._ledger.claim(self._bot.id, update.update_id, self._clock.now()):
                raise _AlreadyClaimedError
        return Outcome.COMMITTED, replies

    def _person_lock(self, update: Update) -> contextlib.AbstractAsyncContextManager[None]:
        """With several instances, one person's updates are handled one at a time (Redis);
        within an instance the lane already sees to it."""
        person = person_of(update)
        if person is None:
            return contextlib.nullcontext()
        key = StorageKey(bot_id=self._bot.id, chat_id=person, user_id=person)
        return self._isolation.lock(key)

    async def _put_aside(
        self, update: Update, failure: BaseException, attempts: int
    ) -> tuple[Outcome, Replies | None]:
        kind = update.event_type
        logger.error(
            "an update (%s) was set aside after %d attempt(s): %s", kind, attempts, where(failure)
        )
        replies = self._courier.new_replies()
        async with self._db.transaction():
            await self._ledger.claim(self._bot.id, update.update_id, self._clock.now())
            await self._set_aside.add(
                self._bot.id,
                update.update_id,
                kind,
                type(failure).__name__,
                attempts,
                self._clock.now(),
            )
            with self._courier.collecting(replies):
                try:
                    await self._apologise(self._bot, update)
                except Exception as exc:
                    logger.warning("could not word the apology: %s", where(exc))
            await self._courier.write_marks(replies)
        return Outcome.SET_ASIDE, replies
