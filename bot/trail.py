"""The chat trail: which messages of a private chat the bot could still delete.

Erasing the chat from a child's phone means deleting every message in it, the child's and the
bot's, within Telegram's 48-hour window. Each id is kept sealed with the server key, in a row
under a keyed hash of the chat (never an id in the clear), and only as long as it could still be
deleted.

Telegram has no idempotency key for sends, so an id can be missed: the bot may crash after
Telegram delivered a message but before its id was written, or the answer to a send may be lost
and the send repeated. Before anything is sent, a *mark* is written for its batch (in the same
commit as what caused it); it is dropped once every id of the batch is known. A mark still
there at /erase means "something may be on the phone between the last id known before this
batch and the first id known after it", and that whole range is deleted too: Telegram skips the
ids it cannot find.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from aiogram.fsm.storage.base import BaseStorage, StorageKey

from bot.clock import Clock
from bot.contexts import Label, trail_context
from bot.server_keys import ServerKeys
from storage.trail import TrailRepository, TrailRow

DELETE_WINDOW: Final = timedelta(hours=48)
# How far past the last known id a mark with nothing known after it reaches.
OPEN_RANGE: Final = 20
# However a mark's gap looks, no more than this many ids are tried for it.
MAX_RANGE: Final = 300


@dataclass(frozen=True)
class Deletable:
    """What /erase deletes: the ids (oldest first), and the rows to forget once it is done."""

    message_ids: list[int]
    row_ids: list[int]


class ChatTrail:
    def __init__(
        self,
        repository: TrailRepository,
        keys: ServerKeys,
        clock: Clock,
        bot_id: int,
        legacy: BaseStorage | None = None,
    ) -> None:
        self._bot_id = bot_id
        self._repository = repository
        self._keys = keys
        self._clock = clock
        # Before version 0010 the trail was a list in the conversation storage; those lists
        # are read (and cleared) by /erase until housekeeping drops them, 48 hours on.
        self._legacy = legacy

    def chat_key(self, chat_id: int) -> str:
        return self._keys.key_id(Label.TRAIL, f"{self._bot_id}|{chat_id}")

    def _context(self, chat_key: str) -> bytes:
        return trail_context(chat_key)

    async def record(self, chat_id: int, batch: str, message_ids: Iterable[int]) -> None:
        key = self.chat_key(chat_id)
        context = self._context(key)
        sealed = [self._keys.seal(str(m).encode(), context) for m in message_ids]
        if sealed:
            await self._repository.add(key, batch, sealed, self._clock.now())

    async def mark(self, chat_id: int, batch: str) -> None:
        """Something of `batch` is about to be sent to this chat (written before sending)."""
        await self._repository.add(self.chat_key(chat_id), batch, [None], self._clock.now())

    async def mark_many(self, marks: Iterable[tuple[int, str]]) -> None:
        """`mark` for many (chat, batch) pairs at once (the ladder's alerts)."""
        keyed = [(self.chat_key(chat_id), batch) for chat_id, batch in marks]
        if keyed:
            await self._repository.add_marks(keyed, self._clock.now())

    async def settle(self, chat_id: int, batch: str, message_ids: list[int]) -> None:
        """Every message of `batch` is known now: record their ids, drop the mark."""
        await self.record(chat_id, batch, message_ids)
        await self._repository.drop_marks(self.chat_key(chat_id), batch)

    async def deletable(self, chat_id: int, newest_known: int | None) -> Deletable:
        """Everything /erase should delete; `newest_known` is an id known to be the latest
        (the /erase message itself), which bounds a mark's range."""
        key = self.chat_key(chat_id)
        rows = await self._repository.rows(key)
        context = self._context(key)
        ids: list[int | None] = [
            None if row.sealed_id is None else int(self._keys.open(row.sealed_id, context))
            for row in rows
        ]
        wanted = {i for i in ids if i is not None}
        wanted.update(await self._legacy_ids(chat_id))
        if newest_known is not None:
            wanted.add(newest_known)
        for index, row in enumerate(rows):
            if row.sealed_id is None:
                wanted.update(_gap(rows, ids, index, newest_known))
        return Deletable(sorted(wanted), [row.id for row in rows])

    async def forget(self, chat_id: int, row_ids: list[int]) -> None:
        await self._repository.forget(row_ids)
        if self._legacy is not None:
            await self._legacy.set_data(_legacy_key(self._bot_id, chat_id), {})

    async def _legacy_ids(self, chat_id: int) -> list[int]:
        if self._legacy is None:
            return []
        key = _legacy_key(self._bot_id, chat_id)
        entries = (await self._legacy.get_data(key)).get("messages", [])
        oldest = (self._clock.now() - DELETE_WINDOW).timestamp()
        return [int(entry[0]) for entry in entries if entry[1] > oldest]

    async def forget_expired(self) -> int:
        return await self._repository.forget_before(self._clock.now() - DELETE_WINDOW)


def _legacy_key(bot_id: int, chat_id: int) -> StorageKey:
    return StorageKey(bot_id=bot_id, chat_id=chat_id, user_id=chat_id, destiny="trail")


def _gap(
    rows: list[TrailRow], ids: list[int | None], index: int, newest_known: int | None
) -> range:
    """The ids a mark may stand for: after the last id known before its batch, and before the
    first id known after it (its own batch's known ids lie inside)."""
    batch = rows[index].batch
    before = [i for r, i in zip(rows[:index], ids[:index], strict=True) if i is not None]
    after = [
        i
        for r, i in zip(rows[index + 1 :], ids[index + 1 :], strict=True)
        if i is not None and r.batch != batch
    ]
    low = max(before) if before else None
    own = [i for r, i in zip(rows, ids, strict=True) if i is not None and r.batch == batch]
    if after:
        high = min(after)
    elif newest_known is not None:
        high = newest_known
    else:
        high = max([*own, *before], default=0) + OPEN_RANGE
    if low is None:
        low = max(0, min([*own, high]) - OPEN_RANGE)
    start = max(low + 1, high - MAX_RANGE)
    return range(start, high)
