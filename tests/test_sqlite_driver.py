"""SQLite statements run on the event loop's thread; what may wait must not stall the loop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import event, text

from storage.db import Database


async def test_a_writer_waiting_for_another_process_leaves_the_loop_free(tmp_path: Path) -> None:
    path = tmp_path / "safeperson.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with database.transaction() as session:
            await session.execute(text("CREATE TABLE note (body TEXT)"))
        # Another process (the CLI, say) is writing and holds the write lock.
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with database.transaction() as session:
                await session.execute(text("INSERT INTO note (body) VALUES ('from the bot')"))

        # The writer has begun once it holds a connection: its BEGIN then waits for the lock.
        connected = asyncio.Event()
        event.listen(database.engine.sync_engine, "checkout", lambda *_: connected.set())
        writer = asyncio.create_task(write())
        await asyncio.wait_for(connected.wait(), 5)

        async def read_meanwhile() -> int:
            async with database.transaction() as session:
                return int((await session.execute(text("SELECT count(*) FROM note"))).scalar_one())

        # While the bot's writer waits for that lock, everyone else is still answered: another
        # unit of work reads at once (were BEGIN run on the loop's thread, the loop would stall
        # for the whole busy timeout, and the writer would fail before this read ran).
        assert await asyncio.wait_for(read_meanwhile(), 5) == 0
        assert not writer.done()
        other.execute("COMMIT")
        other.close()
        await asyncio.wait_for(writer, 10)
        async with database.transaction() as session:
            bodies = (await session.execute(text("SELECT body FROM note"))).scalars().all()
        assert bodies == ["from the bot"]
    finally:
        await database.dispose()


async def test_reads_and_writes_inline_keep_their_order_and_roll_back(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'safeperson.db'}")
    try:
        async with database.transaction() as session:
            await session.execute(text("CREATE TABLE note (body TEXT)"))
        try:
            async with database.transaction() as session:
                await session.execute(text("INSERT INTO note (body) VALUES ('kept?')"))
                seen = (await session.execute(text("SELECT count(*) FROM note"))).scalar_one()
                assert seen == 1
                raise RuntimeError("the handler failed")
        except RuntimeError:
            pass
        async with database.transaction() as session:
            await session.execute(text("INSERT INTO note (body) VALUES ('kept')"))
        async with database.transaction() as session:
            bodies = (await session.execute(text("SELECT body FROM note"))).scalars().all()
        assert bodies == ["kept"]
    finally:
        await database.dispose()
