"""Background loops (the ladder, the outbox, housekeeping) that stop when told to.

A loop catches ordinary errors and tries again later. But a cancellation that arrives while a
library is in the middle of a call can come out as an ordinary error (SQLAlchemy, cut inside a
statement or while returning a connection), and a loop that caught it would go on for ever:
the bot would never finish stopping.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

logger = logging.getLogger(__name__)

# How long a stop waits for a background task each time it asks it to stop.
STOP_WAIT_SECONDS: Final = 15.0
STOP_REQUESTS: Final = 3


def raise_if_cancelled() -> None:
    """In a loop's error handler: stop if this task was asked to stop."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def stop_task(task: asyncio.Task[None]) -> None:
    """Ask a background task to stop, and wait (bounded) until it has."""
    for _ in range(STOP_REQUESTS):
        task.cancel()
        done, _pending = await asyncio.wait({task}, timeout=STOP_WAIT_SECONDS)
        if done:
            return
    logger.error("a background task did not stop when asked")
