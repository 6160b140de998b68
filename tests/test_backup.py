"""`safeperson backup` and `safeperson restore`: a copy taken while reports come in restores into
a fresh database where a reader opens an old case with their passphrase; a wrong secret, a
newer schema, a running bot and the database's own folder are refused in one line."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import tarfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.clock import SystemClock, SystemRandom
from bot.intake import Report
from bot.reading import CaseReader
from bot.server_keys import ServerKeys
from bot.services import Services, ServiceTexts, build_services, translations
from bot.settings import OrganisationConfig
from bot.staff import Member
from storage import migrate
from storage.cases import CaseRepository, StaffRepository
from storage.db import Database
from storage.models import ReportCase
from tests.conftest import MigratedTemplates, fresh_postgres_database

PASSPHRASE = "river lantern quiet seven"
OLD_CASE_TEXT = "canary-old-case-5d21 he took my phone"
OFFICER_CHAT = 700100200
OTHER_SECRET = bytes(range(1, 33))
CONFIG = OrganisationConfig.model_validate({"organisation": {"name": "Test", "country": "RO"}})


def child_report(text: str) -> Report:
    fields: dict[str, object] = {
        "audience": "child",
        "urgency": "standard",
        "about_officer": False,
        "wants_reply": False,
        "activity": None,
        "category": None,
        "answers": {"safe_now": "yes"},
        "messages": [text],
        "draft_id": os.urandom(8).hex(),
    }
    return Report(**fields)  # type: ignore[arg-type]


def services_for(database: Database, secret: bytes) -> Services:
    random = SystemRandom()
    return build_services(
        database,
        CONFIG,
        ServerKeys(secret, random),
        SystemClock(),
        random,
        ServiceTexts.from_i18n(translations(CONFIG), CONFIG),
    )


@dataclass
class Channel:
    """A database in use: an enrolled officer, and one case reported before anything else."""

    url: str
    database: Database
    services: Services
    old_case: str

    async def report(self, text: str) -> str:
        async with self.database.transaction():
            receipt = await self.services.desk.submit(child_report(text))
        assert receipt is not None
        return receipt.code


async def open_channel(url: str, secret: bytes) -> Channel:
    database = Database(url)
    services = services_for(database, secret)
    async with database.transaction():
        invitation = await services.staff.invite("Officer", "officer", None)
        assert await services.staff.enrol(invitation.code, OFFICER_CHAT, PASSPHRASE) is not None
    channel = Channel(url, database, services, "")
    channel.old_case = await channel.report(OLD_CASE_TEXT)
    return channel


@pytest.fixture
async def channel(sqlite_url: str, secret: bytes) -> AsyncIterator[Channel]:
    opened = await open_channel(sqlite_url, secret)
    yield opened
    await opened.database.dispose()


async def read_every_case(url: str, secret: bytes) -> dict[str, list[str]]:
    """Each case's messages, as the officer reads them after unlocking their key."""
    database = Database(url)
    try:
        services = services_for(database, secret)
        staff = StaffRepository(database)
        (officer,) = await staff.all_members()
        member = Member.of(officer)
        private_key = await services.staff.unlock(member, PASSPHRASE)
        reader = CaseReader(CaseRepository(database), staff)
        async with database.transaction() as session:
            codes = list((await session.scalars(select(ReportCase.code))).all())
        read: dict[str, list[str]] = {}
        for code in codes:
            opened = await reader.open(code, member, private_key)
            assert opened is not None, "every case in the copy is whole"
            read[code] = opened.messages
        return read
    finally:
        await database.dispose()


async def safeperson(monkeypatch: pytest.MonkeyPatch, url: str, secret: bytes, *args: str) -> int:
    """The command as typed, in its own thread (it runs its own event loop), while this test's
    loop goes on with the traffic."""
    monkeypatch.setenv("SAFEPERSON_DATABASE_URL", url)
    monkeypatch.setenv("SAFEPERSON_SECRET", secret.hex())
    return await asyncio.to_thread(main, list(args))


@pytest.fixture(autouse=True)
def no_env_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run where no .env is: the settings come from the test's environment only."""
    monkeypatch.chdir(tmp_path_factory.mktemp("working"))
    for name in ("SAFEPERSON_BOT_TOKEN", "SAFEPERSON_CONFIG", "SAFEPERSON_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)


async def test_a_backup_during_traffic_restores_fresh_and_an_old_case_reads_with_the_key(
    database_url: str,
    secret: bytes,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    live = await open_channel(database_url, secret)
    texts = {live.old_case: [OLD_CASE_TEXT]}
    committed: list[str] = [live.old_case]
    traffic_is_on = asyncio.Event()
    stop = asyncio.Event()

    async def children_keep_reporting() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            text = f"canary-during-backup-{number}"
            code = await live.report(text)
            texts[code] = [text]
            committed.append(code)
            if len(committed) >= 3:
                traffic_is_on.set()

    traffic = asyncio.create_task(children_keep_reporting())
    try:
        await asyncio.wait_for(traffic_is_on.wait(), timeout=60)
        before_backup = set(committed)
        backup = tmp_path_factory.mktemp("offsite") / "safeperson.backup"
        code = await safeperson(monkeypatch, database_url, secret, "backup", str(backup))
        # Reports were still coming in when the copy was finished.
        assert not traffic.done()
    finally:
        stop.set()
        await traffic
        await live.database.dispose()
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert f"backup written to {backup}" in out
    assert "Keep it and .env in different places: a restore needs both." in out
    engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with tarfile.open(backup) as archive:
        manifest_file = archive.extractfile("manifest.json")
        assert manifest_file is not None
        manifest = json.loads(manifest_file.read())
    assert manifest["engine"] == engine
    assert manifest["schema_revision"] == migrate.head_revision()
    assert secret.hex() not in json.dumps(manifest)
    assert backup.stat().st_mode & 0o077 == 0

    async with AsyncExitStack() as stack:
        if database_url.startswith("sqlite"):
            fresh = tmp_path_factory.mktemp("fresh") / "safeperson.db"
            fresh_url = f"sqlite+aiosqlite:///{fresh}"
        else:
            fresh_url = await stack.enter_async_context(fresh_postgres_database())
        code = await safeperson(monkeypatch, fresh_url, secret, "restore", str(backup))
        out, err = capsys.readouterr()
        assert (code, err) == (0, "")
        assert out.startswith("restored the backup of ")

        read = await read_every_case(fresh_url, secret)
    assert read[live.old_case] == [OLD_CASE_TEXT]
    # One moment of the database: every report committed before the backup began, none that
    # was not committed by its end, and each case whole (checked while reading).
    assert before_backup <= set(read) <= set(committed)
    assert all(read[code] == texts[code] for code in read)
    # Nothing printed carries what children wrote.
    assert "canary" not in out


# A process that opens the SQLite file as the bot does (WAL), reads, and waits for its stdin.
HOLD_THE_DATABASE_OPEN = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("SELECT count(*) FROM report_case").fetchall()
print("open", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def offsite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("offsite") / "safeperson.backup"


async def test_a_restore_under_another_secret_refuses_and_changes_nothing(
    channel: Channel,
    secret: bytes,
    offsite: Path,
    tmp_path_factory: pytest.TempPathFactory,
    migrated_templates: MigratedTemplates,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await safeperson(monkeypatch, channel.url, secret, "backup", str(offsite)) == 0
    folder = tmp_path_factory.mktemp("elsewhere")
    existing_url = await migrated_templates.sqlite_copy(folder)
    existing = folder / "safeperson.db"
    before = existing.read_bytes()
    capsys.readouterr()

    code = await safeperson(
        monkeypatch, existing_url, OTHER_SECRET, "restore", "--force", str(offsite)
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "safeperson: the backup was made under another SAFEPERSON_SECRET: put the .env kept "
        "with the backup in place first; nothing was changed\n"
    )
    assert existing.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["safeperson.db"]


async def test_a_backup_beside_the_live_database_is_refused(
    channel: Channel,
    secret: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "backups").mkdir()
    for beside in (tmp_path / "safeperson.backup", tmp_path / "backups" / "safeperson.backup"):
        code = await safeperson(monkeypatch, channel.url, secret, "backup", str(beside))
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith(f"safeperson: {beside} is in the database's own folder ({tmp_path})")
        assert "one disk failure" in err
        assert not beside.exists()
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == []


async def test_a_backup_never_replaces_a_file_unless_forced(
    channel: Channel,
    secret: bytes,
    offsite: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await asyncio.to_thread(offsite.write_bytes, b"last week's backup")
    code = await safeperson(monkeypatch, channel.url, secret, "backup", str(offsite))
    assert code == 2
    assert capsys.readouterr().err == (
        f"safeperson: {offsite} already exists: add --force to replace it\n"
    )
    assert await asyncio.to_thread(offsite.read_bytes) == b"last week's backup"
    code = await safeperson(monkeypatch, channel.url, secret, "backup", "--force", str(offsite))
    assert code == 0
    assert tarfile.is_tarfile(offsite)


async def test_a_backup_from_a_newer_schema_is_refused(
    channel: Channel,
    secret: bytes,
    offsite: Path,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # As if a later SafePerson had migrated this database further than this code knows.
    await channel.database.dispose()
    with sqlite3.connect(tmp_path / "safeperson.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.close()
    assert await safeperson(monkeypatch, channel.url, secret, "backup", str(offsite)) == 0
    capsys.readouterr()

    fresh = tmp_path_factory.mktemp("fresh")
    fresh_url = f"sqlite+aiosqlite:///{fresh / 'safeperson.db'}"
    code = await safeperson(monkeypatch, fresh_url, secret, "restore", str(offsite))
    assert code == 2
    assert capsys.readouterr().err == (
        "safeperson: the backup's schema (9999_from_the_future) is newer than this SafePerson "
        f"knows (up to {migrate.head_revision()}): upgrade SafePerson first; nothing was "
        "changed\n"
    )
    assert list(fresh.iterdir()) == []


async def test_a_restore_waits_for_the_bot_to_stop(
    channel: Channel,
    secret: bytes,
    offsite: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await safeperson(monkeypatch, channel.url, secret, "backup", str(offsite)) == 0
    await channel.database.dispose()
    live = tmp_path / "safeperson.db"
    # Another process holds the database open, as a running bot does.
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLD_THE_DATABASE_OPEN,
        str(live),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert await holder.stdout.readline() == b"open\n"
        capsys.readouterr()
        before = live.read_bytes()
        code = await safeperson(
            monkeypatch, channel.url, secret, "restore", "--force", str(offsite)
        )
        assert code == 2
        assert capsys.readouterr().err == (
            f"safeperson: the database at {live} is open in another process: stop the bot "
            "first (systemctl stop safeperson, or docker compose stop bot)\n"
        )
        assert live.read_bytes() == before
    finally:
        await holder.communicate(b"")
    # Once it has stopped, the same command replaces the database.
    code = await safeperson(monkeypatch, channel.url, secret, "restore", "--force", str(offsite))
    assert code == 0
    assert (await read_every_case(channel.url, secret))[channel.old_case] == [OLD_CASE_TEXT]


async def test_a_restore_onto_a_database_with_data_needs_force(
    channel: Channel,
    secret: bytes,
    offsite: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await safeperson(monkeypatch, channel.url, secret, "backup", str(offsite)) == 0
    capsys.readouterr()
    code = await safeperson(monkeypatch, channel.url, secret, "restore", str(offsite))
    assert code == 2
    assert capsys.readouterr().err == (
        f"safeperson: a database already exists at {tmp_path / 'safeperson.db'}: add --force "
        "to replace it with the backup\n"
    )


async def test_a_damaged_backup_is_refused(
    channel: Channel,
    secret: bytes,
    offsite: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await safeperson(monkeypatch, channel.url, secret, "backup", str(offsite)) == 0
    with tarfile.open(offsite) as archive:
        member = archive.getmember("database.sqlite3")
    # One byte of the database copy flipped, well inside its data.
    with offsite.open("r+b") as file:
        file.seek(member.offset_data + member.size // 2)
        flipped = bytes([file.read(1)[0] ^ 0xFF])
        file.seek(-1, os.SEEK_CUR)
        file.write(flipped)
    capsys.readouterr()
    fresh = tmp_path_factory.mktemp("fresh")
    fresh_url = f"sqlite+aiosqlite:///{fresh / 'safeperson.db'}"
    code = await safeperson(monkeypatch, fresh_url, secret, "restore", str(offsite))
    assert code == 2
    assert capsys.readouterr().err == (
        "safeperson: the backup is damaged (its database does not match its checksum); "
        "nothing was changed\n"
    )
    assert list(fresh.iterdir()) == []


async def test_a_backup_from_an_older_schema_is_brought_up_to_date(
    channel: Channel,
    secret: bytes,
    offsite: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # As if the backup had been made before this version's last migration.
    await migrate.downgrade(channel.database, "-1")
    older = await migrate.current_revision(channel.database)
    assert older is not None
    assert older != migrate.head_revision()
    await channel.database.dispose()
    assert await safeperson(monkeypatch, channel.url, secret, "backup", str(offsite)) == 0
    capsys.readouterr()

    fresh_url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fresh') / 'safeperson.db'}"
    assert await safeperson(monkeypatch, fresh_url, secret, "restore", str(offsite)) == 0
    out = capsys.readouterr().out
    assert f"(schema {older}, upgraded to {migrate.head_revision()})" in out
    assert (await read_every_case(fresh_url, secret))[channel.old_case] == [OLD_CASE_TEXT]


async def test_a_postgresql_restore_waits_for_other_sessions_to_end(
    postgres_url: str,
    secret: bytes,
    offsite: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    live = await open_channel(postgres_url, secret)
    try:
        assert await safeperson(monkeypatch, postgres_url, secret, "backup", str(offsite)) == 0
        capsys.readouterr()
        # The channel's own connections stay open, as a running bot's do.
        code = await safeperson(
            monkeypatch, postgres_url, secret, "restore", "--force", str(offsite)
        )
        assert code == 2
        assert capsys.readouterr().err == (
            "safeperson: others are connected to the database: stop the bot first "
            "(systemctl stop safeperson, or docker compose stop bot)\n"
        )
        newer = await live.report("canary-after-the-backup")
    finally:
        await live.database.dispose()
    # Once it has stopped, the database goes back to the backup's moment.
    code = await safeperson(monkeypatch, postgres_url, secret, "restore", "--force", str(offsite))
    assert code == 0
    read = await read_every_case(postgres_url, secret)
    assert read == {live.old_case: [OLD_CASE_TEXT]}
    assert newer not in read
