"""Unlocked reader keys, for a limited time, never in the database.

A member types their passphrase once to read; the private key then stays usable for
`unlocked_for` (or until /lock). Two places to keep it, one interface (`KeyVault`):
- `InMemoryKeyVault`: this process's memory only (one instance, the default);
- `RedisKeyVault`: the shared Redis of several instances (SAFEPERSON_REDIS_URL), so a member
  who unlocked on one instance is not asked again on the next, and /lock on any locks all.
  Redis holds the key only sealed under a key derived from SAFEPERSON_SECRET and bound to the
  member, under a name that does not show the member's id, with Redis's own expiry.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Final, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.clock import Clock
from bot.contexts import Label, unlocked_key_context
from bot.server_keys import SealedDataError, ServerKeys

UNLOCKED_FOR: Final = timedelta(minutes=15)
# Where the shared store's entries live in Redis (beside aiogram's locks, in the same database).
REDIS_PREFIX: Final = "safeperson:unlocked:"
# A Read waits on Redis at most this long before it asks for the passphrase instead.
REDIS_TIMEOUT_SECONDS: Final = 2.0
# The sealed entry starts with when it stops being valid (ms since the epoch), so an entry
# that outlived Redis's expiry (persistence turned on, a restored dump) still opens nothing.
_NOT_AFTER_BYTES = 8

logger = logging.getLogger(__name__)


class KeyStoreUnreachableError(ConnectionError):
    """The shared store could not be reached, so a key could not be locked everywhere.

    A ConnectionError: the update pipeline retries it, then apologises."""


class KeyVault(Protocol):
    async def keep(self, member_id: int, private_key: bytes) -> None:
        """Keep the member's private key unlocked for `unlocked_for`."""
        ...

    async def key_of(self, member_id: int) -> bytes | None:
        """The member's unlocked private key; None when locked, expired or out of reach."""
        ...

    async def lock(self, member_id: int) -> None:
        """Forget the key now (KeyStoreUnreachableError: that could not be made sure of)."""
        ...

    async def close(self) -> None: ...


class InMemoryKeyVault:
    """This process's memory only: with several instances each would keep its own."""

    def __init__(self, clock: Clock, unlocked_for: timedelta = UNLOCKED_FOR) -> None:
        self._clock = clock
        self._unlocked_for = unlocked_for
        self._keys: dict[int, tuple[bytes, datetime]] = {}

    async def keep(self, member_id: int, private_key: bytes) -> None:
        self._keys[member_id] = (private_key, self._clock.now() + self._unlocked_for)

    async def key_of(self, member_id: int) -> bytes | None:
        kept = self._keys.get(member_id)
        if kept is None:
            return None
        if self._clock.now() >= kept[1]:
            del self._keys[member_id]
            return None
        return kept[0]

    async def lock(self, member_id: int) -> None:
        self._keys.pop(member_id, None)

    async def close(self) -> None:
        self._keys.clear()


class RedisKeyVault:
    """Shared by every instance on the same Redis and SAFEPERSON_SECRET.

    Redis expires an entry itself (PX, set with the value in one command); /lock deletes it for
    all instances at once. When Redis cannot be reached, Read asks for the passphrase (and the
    key is not kept), which is what a locked key looks like; the log says so in one line."""

    def __init__(
        self,
        redis: Redis,
        keys: ServerKeys,
        clock: Clock,
        unlocked_for: timedelta = UNLOCKED_FOR,
        *,
        prefix: str = REDIS_PREFIX,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._unlocked_for = unlocked_for
        self._prefix = prefix

    @classmethod
    def from_url(
        cls, url: str, keys: ServerKeys, clock: Clock, unlocked_for: timedelta = UNLOCKED_FOR
    ) -> RedisKeyVault:
        # Bounded waits: a Redis that does not answer must not hold up a Read for long.
        redis = Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        return cls(redis, keys, clock, unlocked_for)

    def name_of(self, member_id: int) -> str:
        """The entry's name in Redis: keyed, so it does not reveal whose key it holds."""
        return self._prefix + self._keys.key_id(Label.UNLOCKED_KEY, str(member_id))

    async def keep(self, member_id: int, private_key: bytes) -> None:
        not_after = self._clock.now() + self._unlocked_for
        stamp = int(not_after.timestamp() * 1000).to_bytes(_NOT_AFTER_BYTES, "big")
        sealed = self._keys.seal_unlocked(stamp + private_key, unlocked_key_context(member_id))
        try:
            await self._redis.set(self.name_of(member_id), sealed, px=self._expiry_ms())
        except RedisError as exc:
            # The report is still shown this time; the next Read asks again.
            _unreachable(exc, "the key is not kept")

    async def key_of(self, member_id: int) -> bytes | None:
        try:
            sealed = await self._redis.get(self.name_of(member_id))
        except RedisError as exc:
            _unreachable(exc, "asking for the passphrase")
            return None
        if not isinstance(sealed, bytes):
            return None
        try:
            opened = self._keys.open_unlocked(sealed, unlocked_key_context(member_id))
        except SealedDataError:
            logger.warning("an unlocked key in Redis did not open; asking for the passphrase")
            return None
        not_after = int.from_bytes(opened[:_NOT_AFTER_BYTES], "big")
        if self._clock.now().timestamp() * 1000 >= not_after:
            return None
        return opened[_NOT_AFTER_BYTES:]

    async def lock(self, member_id: int) -> None:
        try:
            await self._redis.delete(self.name_of(member_id))
        except RedisError as exc:
            _unreachable(exc, "a key could not be locked")
            raise KeyStoreUnreachableError(
                "the shared store of unlocked keys is unreachable"
            ) from exc

    async def close(self) -> None:
        await self._redis.aclose(close_connection_pool=True)

    def _expiry_ms(self) -> int:
        return max(1, int(self._unlocked_for.total_seconds() * 1000))


def _unreachable(exc: BaseException, consequence: str) -> None:
    logger.warning(
        "the shared store of unlocked keys is unreachable (%s): %s", type(exc).__name__, consequence
    )
