"""Copying a whole database into an empty one: SQLite to PostgreSQL, when one instance grows
into several.

Row by row through the tables' own column types, so what SQLite stores as text (times, enums)
arrives in PostgreSQL as its own types; the sealed columns are bytes and go as they are: the same
SAFEPERSON_SECRET and the same staff keys open them there. Both databases are at the newest
schema first, and the target must hold nothing: a copy never merges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import Integer, func, insert, select, text

from storage import migrate
from storage.db import Database
from storage.models import Base

# Rows read and written at a time: a year of cases does not sit in memory at once.
BATCH: Final = 500


class TargetNotEmptyError(Exception):
    """The target database already holds data: copying would mix two organisations' data."""


@dataclass(frozen=True)
class Copied:
    rows: dict[str, int]


async def copy_database(source: Database, target: Database) -> Copied:
    await migrate.upgrade(source)
    await migrate.upgrade(target)
    tables = Base.metadata.sorted_tables  # parents before the rows that point at them
    async with target.transaction() as session:
        for table in tables:
            if (await session.execute(select(func.count()).select_from(table))).scalar_one():
                raise TargetNotEmptyError(table.name)
    copied: dict[str, int] = {}
    for table in tables:
        count = 0
        order = list(table.primary_key.columns)
        while True:
            async with source.transaction() as reading:
                page = select(table).order_by(*order).limit(BATCH).offset(count)
                batch = [dict(row) for row in (await reading.execute(page)).mappings()]
            if not batch:
                break
            async with target.transaction() as writing:
                await writing.execute(insert(table), batch)
            count += len(batch)
        copied[table.name] = count
    if not target.is_sqlite:
        await _continue_sequences(target)
    return Copied(copied)


async def _continue_sequences(target: Database) -> None:
    """PostgreSQL's id sequences start after the copied ids (the rows came with theirs)."""
    async with target.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.primary_key.columns:
                if not isinstance(column.type, Integer) or column.autoincrement is False:
                    continue
                sequence = (
                    await session.execute(
                        text("SELECT pg_get_serial_sequence(:table, :column)"),
                        {"table": table.name, "column": column.name},
                    )
                ).scalar_one_or_none()
                if sequence is None:
                    continue
                highest = (await session.execute(select(func.max(column)))).scalar_one()
                await session.execute(
                    text("SELECT setval(CAST(:sequence AS regclass), :next, false)"),
                    {"sequence": sequence, "next": (highest or 0) + 1},
                )
