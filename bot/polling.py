"""Long polling that confirms an update to Telegram only once its effects are committed.

aiogram's own poller moves the offset past an update before its handler has run, so a crash
would lose a child's message. Here every update fetched goes to the pipeline (bot.pipeline),
which handles different people's updates at the same time; the offset sent with the next
getUpdates is the *low-water mark*: the oldest update, in the order Telegram gave them, whose
effects are not yet committed (or, with none in hand, one past the newest). So an update is
confirmed only after its commit, and a slow one holds back only the confirmation, not the work.
Telegram sends the unconfirmed ones again with every answer (up to 100, oldest first), and
answers at once while any is unconfirmed; those already in hand are skipped. So while updates are
in hand the poller paces itself: it asks again after a gap that grows with the answer (a
newcomer waits at most that long to be seen), and when an answer is full, also not before the
oldest update in hand has committed (until then the same 100 would come back). Asking flat out,
the poller read each update 70-80 times under a burst: a fifth of the bot's CPU.

Only one process may poll a bot: Telegram ends the older of two getUpdates with 409 Conflict, so
two instances would take turns failing for ever. A run of conflicts therefore stops this process
with one line (bounded, never retried for ever). The newcomer gives way first: a process that
meets a conflict within its first seconds of polling is most likely the second one started, and
stops after a few; one that had the updates to itself for longer waits longer, so that the
instance already serving goes on once the newcomer has stopped.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from typing import Any, Final

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError
from aiogram.methods import TelegramMethod

from bot.pipeline import Outcome, UpdatePipeline
from bot.settings import ConfigError
from bot.update_parsing import read_update
from bot.updates import is_transient

logger = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS: Final = 25
BACKOFF_SECONDS: Final[Sequence[float]] = (0.5, 1, 2, 5, 10, 30)
# Telegram's most updates in one answer.
UPDATES_PER_ANSWER: Final = 100
# While updates are in hand, the time between two getUpdates: each answer carries the
# unconfirmed ones again, so the gap grows with the answer, to keep re-reading them to a few per
# cent of the loop's time; a newcomer waits at most this long to be seen (0.13 s at 100).
POLL_GAP_SECONDS: Final = 0.03
POLL_GAP_PER_UPDATE_SECONDS: Final = 0.001
# A conflict within this long after polling began makes this process the newcomer.
NEWCOMER_SECONDS: Final = 10.0
# How many conflicts in a run stop the newcomer, and a process that was polling before.
NEWCOMER_CONFLICTS: Final = 3
SETTLED_CONFLICTS: Final = 8
# A run of conflicts ends after this long without one.
CONFLICT_QUIET_SECONDS: Final = 120.0


class PollingConflictError(ConfigError):
    """Another process takes this bot's updates (or a webhook does): said in one line."""


def _conflict_line(error: TelegramConflictError) -> str:
    if "webhook" in error.message:
        return (
            "Telegram refuses getUpdates because a webhook is set for this bot (something set "
            "it after this process started): run `safeperson run --webhook` instead, or stop "
            "whatever set it. Stopped."
        )
    return (
        "Another process is taking this bot's updates (Telegram answered 409 Conflict): only "
        "one `safeperson run` may poll a bot token; stop the other one first. Stopped."
    )


class RawGetUpdates(TelegramMethod[list[dict[str, Any]]]):
    """getUpdates, answered as plain JSON objects: each update is read on its own."""

    __returning__ = list[dict[str, Any]]
    __api_method__ = "getUpdates"

    offset: int | None = None
    limit: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


def _backoff(attempt: int) -> float:
    return BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]


class ConfirmAfterCommitPoller:
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        pipeline: UpdatePipeline,
        *,
        poll_timeout: int = POLL_TIMEOUT_SECONDS,
    ) -> None:
        self._bot = bot
        self._pipeline = pipeline
        self._poll_timeout = poll_timeout
        self._allowed = dispatcher.resolve_used_update_types()
        # In Telegram's order: (update id, its commit), oldest first.
        self._in_hand: deque[tuple[int, asyncio.Future[Outcome] | None]] = deque()
        self._ids_in_hand: set[int] = set()
        self._next_offset: int | None = None
        # When polling began, and the current run of conflicts: its size, limit and last one.
        self._polling_since: float | None = None
        self._conflicts = 0
        self._conflict_limit = SETTLED_CONFLICTS
        self._last_conflict = 0.0

    def offset(self) -> int | None:
        """The low-water mark: confirm everything before the oldest update not committed."""
        while self._in_hand:
            update_id, done = self._in_hand[0]
            if done is not None and not done.done():
                return update_id
            if done is not None and (done.cancelled() or done.exception() is not None):
                # It could not even be set aside: left unconfirmed for Telegram to send again.
                self._in_hand.popleft()
                self._ids_in_hand.discard(update_id)
                return update_id
            self._in_hand.popleft()
            self._ids_in_hand.discard(update_id)
        return self._next_offset

    async def run(self) -> None:
        """Poll until cancelled; then let the updates in hand finish briefly."""
        try:
            await self._poll_forever()
        finally:
            await self._pipeline.stop()

    async def _poll_forever(self) -> None:
        attempt = 0
        self._polling_since = asyncio.get_running_loop().time()
        while True:
            request = RawGetUpdates(
                offset=self.offset(),
                limit=UPDATES_PER_ANSWER,
                timeout=self._poll_timeout,
                allowed_updates=self._allowed,
            )
            try:
                raw_updates = await self._bot(request)
            except TelegramConflictError as conflict:
                await asyncio.sleep(self._after_conflict(conflict))
                continue
            except Exception as exc:
                if not is_transient(exc):
                    raise
                logger.warning("getUpdates failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(_backoff(attempt))
                attempt += 1
                continue
            attempt = 0
            self._take(raw_updates)
            if self._in_hand:
                await asyncio.sleep(
                    POLL_GAP_SECONDS + POLL_GAP_PER_UPDATE_SECONDS * len(raw_updates)
                )
            if len(raw_updates) >= UPDATES_PER_ANSWER:
                # Full: anything newer stays out of sight until the oldest in hand commits.
                await self._wait_for_oldest(self._poll_timeout)

    def _after_conflict(self, conflict: TelegramConflictError) -> float:
        """How long to wait before polling again; raises PollingConflictError when this process
        should stop."""
        now = asyncio.get_running_loop().time()
        if self._conflicts == 0 or now - self._last_conflict > CONFLICT_QUIET_SECONDS:
            # A new run: who gives way depends on who was polling first.
            since = self._polling_since if self._polling_since is not None else now
            newcomer = now - since < NEWCOMER_SECONDS
            self._conflicts = 0
            self._conflict_limit = NEWCOMER_CONFLICTS if newcomer else SETTLED_CONFLICTS
            if not newcomer:
                logger.warning(
                    "another process polled with this bot's token; if it goes on, this one stops"
                )
        self._conflicts += 1
        self._last_conflict = now
        if self._conflicts >= self._conflict_limit:
            raise PollingConflictError(_conflict_line(conflict))
        return _backoff(self._conflicts - 1)

    def _take(self, raw_updates: list[dict[str, Any]]) -> None:
        """Hand the updates not yet in hand to the pipeline."""
        for raw in raw_updates:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int) or update_id in self._ids_in_hand:
                continue
            self._next_offset = update_id + 1
            update = read_update(raw, self._bot)
            # One that cannot be read is done at once: skipped, never retried.
            done = self._pipeline.submit(update) if update is not None else None
            self._in_hand.append((update_id, done))
            self._ids_in_hand.add(update_id)

    async def _wait_for_oldest(self, seconds: float) -> None:
        """Until the low-water mark can move: the oldest update in hand has committed."""
        self.offset()  # drops those already done from the front
        if not self._in_hand:
            return
        _, done = self._in_hand[0]
        if done is not None and not done.done():
            await asyncio.wait([done], timeout=seconds)
