"""aiogram FSM storage in the project's database, with state and draft sealed.

A conversation in progress may hold a child's half-written report, so neither its state nor its
data is ever stored in the clear: the row key is a keyed hash of aiogram's storage key (so no
Telegram id is stored), and both fields are sealed with an AEAD whose associated data binds them
to their row and field (a blob moved to another row does not open).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import FsmRecord

# Where a unit of work holds the conversation rows it has read (see `_record`).
_HELD_RECORDS = "safeperson_fsm_records"


class StateCipher(Protocol):
    """What the storage needs from the server key (bot.sealing.ConversationCipher provides it,
    with the labels every sealed row is bound to)."""

    def row_key(self, storage_key: str) -> str: ...

    def seal_field(self, row_key: str, field: str, value: bytes) -> bytes: ...

    def open_field(self, row_key: str, field: str, sealed: bytes) -> bytes: ...


class Now(Protocol):
    def now(self) -> datetime: ...


class EncryptedFsmStorage(BaseStorage):
    def __init__(self, database: Database, cipher: StateCipher, clock: Now) -> None:
        self._db = database
        self._cipher = cipher
        self._clock = clock

    def _row_key(self, key: StorageKey) -> str:
        parts = (
            key.bot_id,
            key.chat_id,
            key.user_id,
            key.thread_id,
            key.business_connection_id,
            key.destiny,
        )
        return self._cipher.row_key("|".join("" if p is None else str(p) for p in parts))

    def _seal(self, row_key: str, field: str, value: bytes) -> bytes:
        return self._cipher.seal_field(row_key, field, value)

    def _open(self, row_key: str, field: str, sealed: bytes) -> bytes:
        return self._cipher.open_field(row_key, field, sealed)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        await self._write(key, "state", None if name is None else name.encode())

    @staticmethod
    async def _record(session: AsyncSession, row_key: str) -> FsmRecord | None:
        """The conversation's row, read once per unit of work.

        SQLAlchemy's identity map holds rows only weakly, and nothing else here keeps the row
        once a state is read, so every read in an update (the state, the data, the data again
        to update it) went back to the database: four SELECTs for one tap. The row, or that
        there is none, is held in the session until it ends.
        """
        held: dict[str, FsmRecord | None] = session.info.setdefault(_HELD_RECORDS, {})
        if row_key not in held:
            held[row_key] = await session.get(FsmRecord, row_key)
        return held[row_key]

    async def get_state(self, key: StorageKey) -> str | None:
        row_key = self._row_key(key)
        async with self._db.transaction() as session:
            record = await self._record(session, row_key)
        if record is None or record.state is None:
            return None
        return self._open(row_key, "state", record.state).decode()

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        plain = dict(data)
        encoded = json.dumps(plain, ensure_ascii=False).encode() if plain else None
        await self._write(key, "data", encoded)

    async def _write(self, key: StorageKey, field: str, value: bytes | None) -> None:
        """Seal and store one field; a row left with neither state nor data is deleted."""
        row_key = self._row_key(key)
        async with self._db.transaction() as session:
            record = await self._record(session, row_key)
            sealed = None if value is None else self._seal(row_key, field, value)
            if record is None:
                if sealed is None:
                    return
                record = FsmRecord(key=row_key, destiny=key.destiny, state=None, data=None)
                session.add(record)
                session.info[_HELD_RECORDS][row_key] = record
            setattr(record, field, sealed)
            record.updated_at = self._clock.now()
            if record.state is None and record.data is None:
                session.info[_HELD_RECORDS][row_key] = None
                await session.delete(record)
                # At once: a new state set later in the same unit of work (/cancel, then a
                # command's first step) must insert after this delete, not be swallowed by it.
                await session.flush()

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row_key = self._row_key(key)
        async with self._db.transaction() as session:
            record = await self._record(session, row_key)
        if record is None or record.data is None:
            return {}
        loaded = json.loads(self._open(row_key, "data", record.data))
        return loaded if isinstance(loaded, dict) else {}

    async def forget_untouched(self, destiny: str, before: datetime) -> int:
        """Delete conversations of that destiny not written since `before`; return how many."""
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(FsmRecord)
                .where(FsmRecord.destiny == destiny)
                .where(FsmRecord.updated_at < before)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def close(self) -> None:
        # The database belongs to the composition root, which disposes of it.
        return None
