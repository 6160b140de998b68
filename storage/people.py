"""People, by pseudonym."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.models import Person


class PersonRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def locale_of(self, pseudonym: str) -> bytes | None:
        async with self._db.transaction() as session:
            person = await session.get(Person, pseudonym)
            return person.locale if person is not None else None

    async def set_locale(self, pseudonym: str, locale: bytes, now: datetime) -> None:
        async with self._db.transaction() as session:
            person = await session.get(Person, pseudonym)
            if person is None:
                session.add(Person(pseudonym=pseudonym, locale=locale, created_at=now))
            else:
                person.locale = locale
