"""Unlocked reader keys, in this process's memory only, for a limited time.

A member types their passphrase once to read; the private key then stays usable for
`UNLOCKED_FOR` (or until /lock), never written anywhere. With several instances each keeps its
own, so a member may be asked again on another instance.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from bot.clock import Clock

UNLOCKED_FOR: Final = timedelta(minutes=15)


class KeyVault:
    def __init__(self, clock: Clock, unlocked_for: timedelta = UNLOCKED_FOR) -> None:
        self._clock = clock
        self._unlocked_for = unlocked_for
        self._keys: dict[int, tuple[bytes, datetime]] = {}

    def keep(self, member_id: int, private_key: bytes) -> None:
        self._keys[member_id] = (private_key, self._clock.now() + self._unlocked_for)

    def key_of(self, member_id: int) -> bytes | None:
        kept = self._keys.get(member_id)
        if kept is None:
            return None
        if self._clock.now() >= kept[1]:
            del self._keys[member_id]
            return None
        return kept[0]

    def lock(self, member_id: int) -> None:
        self._keys.pop(member_id, None)
