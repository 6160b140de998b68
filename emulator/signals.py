"""A broadcast "something changed" signal for long polls."""

from __future__ import annotations

import asyncio
import contextlib


class ChangeSignal:
    """Wakes every waiter on `notify`.

    Callers check their condition first and then wait; because the check and `wait` run without
    an await in between, a change can never slip through unnoticed.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_at_most(self, seconds: float) -> None:
        """Return on the next change or after `seconds`, whichever comes first."""
        if seconds <= 0:
            return
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
