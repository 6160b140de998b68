"""Deliveries' write-downs are committed together, and a failing one fails only its own caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.courier import GroupCommit
from storage.db import Database


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'safeperson.db'}")
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE delivered (n INTEGER UNIQUE)"))
    yield database
    await database.dispose()


def insert(database: Database, n: int) -> Callable[[], Awaitable[None]]:
    async def write() -> None:
        async with database.transaction() as session:
            await session.execute(text("INSERT INTO delivered (n) VALUES (:n)"), {"n": n})

    return write


async def delivered(database: Database) -> list[int]:
    async with database.transaction() as session:
        rows = await session.execute(text("SELECT n FROM delivered ORDER BY n"))
        return list(rows.scalars())


async def test_writes_waiting_together_share_one_commit(database: Database) -> None:
    group = GroupCommit(database)
    before = database.write_lock_takers
    await asyncio.gather(*(group.commit(insert(database, n)) for n in range(10)))
    assert await delivered(database) == list(range(10))
    # The first commits alone; the nine that gathered meanwhile commit together.
    assert database.write_lock_takers - before == 2


async def test_a_failing_write_fails_only_its_own_caller(database: Database) -> None:
    group = GroupCommit(database)
    await group.commit(insert(database, 7))
    outcomes = await asyncio.gather(
        group.commit(insert(database, 1)),
        group.commit(insert(database, 2)),
        group.commit(insert(database, 7)),  # already there: the unique key refuses it
        group.commit(insert(database, 3)),
        return_exceptions=True,
    )
    assert [type(o).__name__ for o in outcomes] == [
        "NoneType",
        "NoneType",
        "IntegrityError",
        "NoneType",
    ]
    assert await delivered(database) == [1, 2, 3, 7]
