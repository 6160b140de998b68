"""Injectable time and randomness, so that timers and secrets are testable without sleeping."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomSource(Protocol):
    def token_bytes(self, n: int) -> bytes:
        """n bytes from a cryptographically secure source."""
        ...


class SystemRandom:
    def token_bytes(self, n: int) -> bytes:
        return os.urandom(n)
