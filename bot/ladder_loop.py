"""The ladder's loop: escalations, deadline reminders and due deletions, once a second.

One pass (`sweep_once`) is a complete turn, so a test can run it and then check what it did
(or that it did nothing) instead of waiting for the loop to come round. A pass and the loop's
own passes never overlap: two at once could both pick the same due case.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final

from aiogram import Bot

from bot.deadlines import SWEEP_BATCH
from bot.loops import raise_if_cancelled
from bot.shown import ShownMessages
from storage.db import Database

logger = logging.getLogger(__name__)

SWEEP_SECONDS: Final = 1.0

# One sweep: handles at most SWEEP_BATCH due items in the caller's transaction; how many.
Sweep = Callable[[], Awaitable[int]]


@dataclass(frozen=True)
class LadderPass:
    """What one pass did: how many items each sweep handled, by name, and the deletions."""

    swept: dict[str, int]
    deleted: int


class LadderLoop:
    def __init__(
        self,
        database: Database,
        bot: Bot,
        *,
        sweeps: Sequence[tuple[str, Sweep]],
        shown: ShownMessages,
        interval: float = SWEEP_SECONDS,
    ) -> None:
        self._database = database
        self._bot = bot
        # In order: escalations first, so what fell due while the bot was down climbs first.
        self._sweeps = tuple(sweeps)
        self._shown = shown
        self._interval = interval
        self._one_pass_at_a_time = asyncio.Lock()

    async def sweep_once(self) -> LadderPass:
        """Every sweep until nothing more is due, then the due deletions."""
        async with self._one_pass_at_a_time:
            swept = {name: await self._in_batches(sweep) for name, sweep in self._sweeps}
            # Not in one transaction: it calls Telegram, and must not hold the write lock meanwhile.
            deleted = await self._shown.delete_due(self._bot)
        return LadderPass(swept, deleted)

    async def _in_batches(self, sweep: Sweep) -> int:
        # In small batches, each its own commit: a burst of due cases never holds the write
        # lock for long, and an update waiting for it gets its turn in between.
        total = 0
        while True:
            async with self._database.transaction():
                done = await sweep()
            total += done
            if done < SWEEP_BATCH:
                return total

    async def run_forever(self, on_tick: Callable[[], None] | None = None) -> None:
        """`on_tick`: told after each pass that worked (the health check's sign of life)."""
        while True:
            try:
                await self.sweep_once()
                if on_tick is not None:
                    on_tick()
            except Exception:
                raise_if_cancelled()
                logger.exception("escalation sweep failed; trying again")
            await asyncio.sleep(self._interval)
