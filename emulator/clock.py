"""The emulator's notion of time: an injectable clock plus an offset that tests can advance."""

from __future__ import annotations

import time
from collections.abc import Callable


class EmulatorClock:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._offset = 0.0

    def now(self) -> float:
        return self._clock() + self._offset

    def unix(self) -> int:
        """Whole seconds, as Telegram puts in `date` fields."""
        return int(self.now())

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        self._offset += seconds

    @property
    def offset(self) -> float:
        return self._offset


class ManualClock:
    """A clock that moves only when told to: deterministic time for tests and demos.

    Pass it as `BotApiEmulator(clock=ManualClock())` and move it with `clock.now += seconds`.
    """

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
