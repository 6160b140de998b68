"""`safeperson db copy`: a SQLite database moved into an empty PostgreSQL one, when one instance
grows into several. Every case still opens with the officer's key there, the audit log is still
intact, new rows get new ids, and a target that holds data is refused."""

from __future__ import annotations

import pytest

from storage.db import Database
from tests.conftest import fresh_postgres_database
from tests.test_backup import (
    OLD_CASE_TEXT,
    Channel,
    no_env_file,
    open_channel,
    read_every_case,
    safeperson,
    services_for,
)

__all__ = ["no_env_file"]  # the autouse fixture: no .env from the working folder


async def test_a_sqlite_database_copied_into_postgresql_opens_there_as_before(
    sqlite_url: str,
    secret: bytes,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    channel = await open_channel(sqlite_url, secret)
    second = await channel.report("canary-second-case-81f2")
    await channel.database.dispose()
    before = await read_every_case(sqlite_url, secret)
    assert before == {channel.old_case: [OLD_CASE_TEXT], second: ["canary-second-case-81f2"]}

    async with fresh_postgres_database() as postgres:
        code = await safeperson(monkeypatch, sqlite_url, secret, "db", "copy", "--to", postgres)
        out, err = capsys.readouterr()
        assert (code, err) == (0, "")
        assert "  report_case: 2" in out

        # Read there with the same key, as before.
        assert await read_every_case(postgres, secret) == before
        # The audit log's chain came whole.
        code = await safeperson(monkeypatch, postgres, secret, "audit", "verify")
        out, _err = capsys.readouterr()
        assert code == 0
        assert "intact" in out
        # New cases get new ids after the copied ones.
        database = Database(postgres)
        try:
            services = services_for(database, secret)
            moved = Channel(postgres, database, services, channel.old_case)
            third = await moved.report("canary-after-the-move-0c3a")
        finally:
            await database.dispose()
        assert set(await read_every_case(postgres, secret)) == {channel.old_case, second, third}

        # A second copy into a database that holds data is refused, and changes nothing.
        code = await safeperson(monkeypatch, sqlite_url, secret, "db", "copy", "--to", postgres)
        _out, err = capsys.readouterr()
        assert code == 2
        assert "already holds data" in err
        assert len(await read_every_case(postgres, secret)) == 3
