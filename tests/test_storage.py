"""The database layer: migrations, the sealed FSM storage, people and the update ledger."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, func, select, text

from bot.audit import AuditLog
from bot.clock import SystemRandom
from bot.outbox import Outbox, StaffMessage
from bot.sealing import ConversationCipher
from bot.server_keys import SealedDataError, ServerKeys
from storage import migrate
from storage.audit import ANCHOR_ID, AuditRepository
from storage.db import Database
from storage.fsm import EncryptedFsmStorage
from storage.ledger import UpdateLedger
from storage.models import AuditAnchor, AuditEvent, Base, FsmRecord
from storage.outbox import OutboxRepository

CANARY = "canary-Zmeura-7f3a9c"
TELEGRAM_ID = 987654321012


class FixedClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


def key(user_id: int = TELEGRAM_ID, destiny: str = "default") -> StorageKey:
    return StorageKey(bot_id=123456, chat_id=user_id, user_id=user_id, destiny=destiny)


async def migrated(url: str) -> Database:
    database = Database(url)
    await migrate.upgrade(database)
    return database


async def test_migrations_go_up_down_and_up_again(database_url: str) -> None:
    database = Database(database_url)
    try:
        await migrate.upgrade(database)
        assert await migrate.current_revision(database) == migrate.head_revision()
        await migrate.downgrade(database, "base")
        assert await migrate.current_revision(database) is None
        async with database.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: c.dialect.get_table_names(c))
        assert set(tables) <= {"alembic_version"}
        await migrate.upgrade(database)
        assert await migrate.current_revision(database) == migrate.head_revision()
    finally:
        await database.dispose()


async def test_migrations_build_exactly_the_models(database_url: str) -> None:
    database = await migrated(database_url)
    try:
        async with database.engine.connect() as connection:
            differences = await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
        assert differences == []
    finally:
        await database.dispose()


async def test_fsm_state_and_draft_survive_a_restart(database_url: str, secret: bytes) -> None:
    clock = FixedClock()
    database = await migrated(database_url)
    storage = EncryptedFsmStorage(
        database, ConversationCipher(ServerKeys(secret, SystemRandom())), clock
    )
    await storage.set_state(key(), "ChildReport:telling")
    await storage.set_data(key(), {"first_name": "Ana", "said": [CANARY]})
    await database.dispose()

    reopened = await migrated(database_url)
    storage = EncryptedFsmStorage(
        reopened, ConversationCipher(ServerKeys(secret, SystemRandom())), clock
    )
    try:
        assert await storage.get_state(key()) == "ChildReport:telling"
        assert await storage.get_data(key()) == {"first_name": "Ana", "said": [CANARY]}
        # Another person's conversation is separate.
        assert await storage.get_state(key(user_id=5)) is None
        assert await storage.get_data(key(user_id=5)) == {}
    finally:
        await reopened.dispose()


async def test_fsm_rows_hold_no_plaintext_and_no_telegram_id(
    database_url: str, secret: bytes
) -> None:
    database = await migrated(database_url)
    storage = EncryptedFsmStorage(
        database, ConversationCipher(ServerKeys(secret, SystemRandom())), FixedClock()
    )
    try:
        await storage.set_state(key(), "ChildReport:telling")
        await storage.set_data(key(), {"said": CANARY})
        async with database.transaction() as session:
            rows = (await session.execute(select(FsmRecord))).scalars().all()
        assert len(rows) == 1
        stored = rows[0].key.encode() + (rows[0].state or b"") + (rows[0].data or b"")
        for secret_thing in (CANARY, "ChildReport", str(TELEGRAM_ID)):
            assert secret_thing.encode() not in stored
    finally:
        await database.dispose()


async def test_sqlite_file_holds_no_plaintext(sqlite_url: str, secret: bytes) -> None:
    database = await migrated(sqlite_url)
    storage = EncryptedFsmStorage(
        database, ConversationCipher(ServerKeys(secret, SystemRandom())), FixedClock()
    )
    await storage.set_data(key(), {"said": CANARY})
    await storage.set_state(key(), "ChildReport:telling")
    await database.dispose()
    folder = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///")).parent
    everything = b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    assert b"said" not in everything
    assert CANARY.encode() not in everything
    assert str(TELEGRAM_ID).encode() not in everything


async def test_sealed_fsm_data_does_not_open_elsewhere(database_url: str, secret: bytes) -> None:
    database = await migrated(database_url)
    keys = ServerKeys(secret, SystemRandom())
    storage = EncryptedFsmStorage(database, ConversationCipher(keys), FixedClock())
    try:
        await storage.set_data(key(), {"said": CANARY})
        await storage.set_data(key(user_id=5), {"said": "other"})
        async with database.transaction() as session:
            rows = {r.key: r for r in (await session.execute(select(FsmRecord))).scalars()}
            first, second = rows.values()
            # Swap the two drafts between rows: each must refuse to open in the other's row.
            first.data, second.data = second.data, first.data
        with pytest.raises(SealedDataError):
            await storage.get_data(key())
        # The first row's draft (now in the second row) opens with its own row's context and
        # the right secret, and with nothing else: not under another server secret.
        blob = second.data
        assert blob is not None
        own_context = f"fsm|{first.key}|data".encode()
        assert CANARY.encode() in keys.open(blob, own_context)
        with pytest.raises(SealedDataError):
            ServerKeys(bytes(32), SystemRandom()).open(blob, own_context)
    finally:
        await database.dispose()


async def test_clearing_a_conversation_removes_its_row(database_url: str, secret: bytes) -> None:
    database = await migrated(database_url)
    storage = EncryptedFsmStorage(
        database, ConversationCipher(ServerKeys(secret, SystemRandom())), FixedClock()
    )
    try:
        await storage.set_state(key(), "Onboarding:audience")
        await storage.set_data(key(), {"draft": CANARY})
        await storage.set_state(key(), None)
        await storage.set_data(key(), {})
        async with database.transaction() as session:
            count = (await session.execute(text("SELECT count(*) FROM fsm_record"))).scalar()
        assert count == 0
    finally:
        await database.dispose()


async def test_a_new_step_after_clearing_in_one_unit_of_work_is_kept(
    database_url: str, secret: bytes
) -> None:
    # /status while a menu is showing: the old step is cleared and the first /status step set,
    # both in the update's one transaction. The new step must survive the commit.
    database = await migrated(database_url)
    storage = EncryptedFsmStorage(
        database, ConversationCipher(ServerKeys(secret, SystemRandom())), FixedClock()
    )
    try:
        await storage.set_state(key(), "Onboarding:audience")
        async with database.transaction():
            await storage.set_state(key(), None)
            await storage.set_data(key(), {})
            await storage.set_state(key(), "StatusCheck:code")
        assert await storage.get_state(key()) == "StatusCheck:code"
    finally:
        await database.dispose()


async def test_a_failed_unit_of_work_leaves_nothing(database_url: str, secret: bytes) -> None:
    database = await migrated(database_url)
    storage = EncryptedFsmStorage(
        database, ConversationCipher(ServerKeys(secret, SystemRandom())), FixedClock()
    )
    ledger = UpdateLedger(database)
    try:

        async def crash_in_the_middle_of_an_update() -> None:
            async with database.transaction():
                await storage.set_state(key(), "Onboarding:audience")
                assert await ledger.claim(1, 42, FixedClock().now())
                raise RuntimeError("crash")

        with pytest.raises(RuntimeError):
            await crash_in_the_middle_of_an_update()
        assert await storage.get_state(key()) is None
        assert not await ledger.is_handled(1, 42)
    finally:
        await database.dispose()


async def test_ledger_forgets_old_marks_only(database_url: str) -> None:
    database = await migrated(database_url)
    ledger = UpdateLedger(database)
    now = FixedClock().now()
    try:
        assert await ledger.claim(1, 10, now - timedelta(days=8))
        assert await ledger.claim(1, 11, now)
        assert not await ledger.claim(1, 11, now)  # a second claim of the same update fails
        assert await ledger.forget_before(now - timedelta(days=7)) == 1
        assert not await ledger.is_handled(1, 10)
        assert await ledger.is_handled(1, 11)
    finally:
        await database.dispose()


async def test_the_audit_anchor_follows_concurrent_appends_and_catches_truncation(
    database_url: str, secret: bytes
) -> None:
    database = await migrated(database_url)
    audit = AuditLog(AuditRepository(database), ServerKeys(secret, SystemRandom()), FixedClock())
    try:
        # Appends racing one another each move the anchor on from the one before, under the lock.
        await asyncio.gather(*(audit.record("system", f"event {i}") for i in range(6)))
        verdict = await audit.verify()
        assert (verdict.intact, verdict.events, verdict.broken_end) == (True, 6, None)
        async with database.transaction() as session:
            anchor = await session.get(AuditAnchor, ANCHOR_ID)
            assert anchor is not None
            assert anchor.events == 6
            newest = select(func.max(AuditEvent.id)).scalar_subquery()
            await session.execute(delete(AuditEvent).where(AuditEvent.id == newest))
        verdict = await audit.verify()
        assert not verdict.intact
        assert verdict.broken_end == "events were deleted from its end (its anchor counts 6)"
    finally:
        await database.dispose()


async def test_events_appended_together_chain_like_events_appended_one_by_one(
    database_url: str, secret: bytes
) -> None:
    database = await migrated(database_url)
    audit = AuditLog(AuditRepository(database), ServerKeys(secret, SystemRandom()), FixedClock())
    try:
        await audit.record("system", "before")
        # The ladder's sweep: one append for a batch of cases.
        await audit.record_many([("system", f"tier 2 alerted ({i})", f"CASE{i}") for i in range(5)])
        await audit.record("system", "after")
        verdict = await audit.verify()
        assert (verdict.intact, verdict.events, verdict.broken_end) == (True, 7, None)
        async with database.transaction() as session:
            anchor = await session.get(AuditAnchor, ANCHOR_ID)
            assert anchor is not None
            assert anchor.events == 7
            # Removing one from the middle of the batch breaks the chain there.
            middle = select(AuditEvent.id).where(AuditEvent.case_code == "CASE2").scalar_subquery()
            await session.execute(delete(AuditEvent).where(AuditEvent.id == middle))
        assert not (await audit.verify()).intact
    finally:
        await database.dispose()


async def test_messages_queued_together_are_each_queued_once(
    database_url: str, secret: bytes
) -> None:
    database = await migrated(database_url)
    keys = ServerKeys(secret, SystemRandom())
    outbox = Outbox(OutboxRepository(database), keys, FixedClock(), database=database)
    try:
        async with database.transaction():
            assert await outbox.enqueue(11, "first", priority=1, purpose="alert|A|1|1")
        async with database.transaction():
            queued = await outbox.enqueue_many(
                [
                    StaffMessage(11, "again", priority=1, purpose="alert|A|1|1"),
                    StaffMessage(12, "new", priority=1, purpose="alert|A|2|1"),
                    StaffMessage(12, "twice", priority=1, purpose="alert|A|2|1"),
                    StaffMessage(13, "other", priority=0, purpose="alert|B|3|1"),
                ]
            )
        assert queued == [False, True, False, True]
        due = await OutboxRepository(database).due(FixedClock().now(), 10)
        # Most urgent first, then in the order they were queued.
        texts = [
            json.loads(keys.open(m.payload, f"outbox|{m.dedupe_key}|payload".encode()))["text"]
            for m in due
        ]
        assert texts == ["other", "first", "new"]
    finally:
        await database.dispose()
