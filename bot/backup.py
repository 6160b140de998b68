"""`safeperson backup` and `safeperson restore`: the whole database in one file, and back.

A backup is one tar file holding the database copy and `manifest.json`: the format, the engine,
the schema revision, when it was made (UTC), the SafePerson version, the copy's SHA-256, and a
check value derived from SAFEPERSON_SECRET (never the secret). The file alone cannot be read in
full: pseudonyms and routes open only with the secret, and reports only with a reader's key. A
restore therefore checks that the secret in use is the one the backup needs before it changes
anything, and refuses a backup from a newer SafePerson (older ones are upgraded after).

Nothing here prints message text, names or ids: only paths, dates, revisions and counts.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.exc import DBAPIError

from bot.clock import Clock, SystemClock, SystemRandom
from bot.contexts import Label
from bot.server_keys import ServerKeys
from bot.settings import ConfigError, load_settings, server_secret
from storage import migrate, snapshots
from storage.db import Database

FORMAT: Final = 1
MANIFEST: Final = "manifest.json"
Engine = Literal["sqlite", "postgresql"]
# The database copy's name inside the backup, by engine.
DATABASE_MEMBER: Final[dict[str, str]] = {
    "sqlite": "database.sqlite3",
    "postgresql": "database.pgdump",
}
_MANIFEST_MAX_BYTES: Final = 64 * 1024
_CHUNK: Final = 1024 * 1024
_NOTHING_CHANGED: Final = "nothing was changed"


class BackupError(ConfigError):
    """A backup or restore refused or failed: one line, saying why and what to do."""


class Manifest(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    format: int
    engine: Engine
    schema_revision: str
    created_at: datetime
    app_version: str
    database_sha256: str
    secret_check: str


@dataclass(frozen=True)
class BackupWritten:
    path: Path
    manifest: Manifest
    # The backup landed on the same disk as the database: one failure could still take both.
    same_disk: bool


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    revision: str | None


def secret_check(keys: ServerKeys) -> str:
    """What tells, without the secret, whether a secret is the one a backup was made under."""
    return keys.key_id(Label.BACKUP_KEY_CHECK, f"v{FORMAT}")


def _app_version() -> str:
    try:
        return version("safeperson")
    except PackageNotFoundError:
        return "unknown"


def _engine(database: Database) -> Engine:
    return "sqlite" if database.is_sqlite else "postgresql"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _backup_target(path: Path, database: Database, *, force: bool) -> Path:
    target = path.expanduser().resolve()
    if target.is_dir():
        raise BackupError(
            f"{target} is a folder: name the file, e.g. {target / 'safeperson.backup'}"
        )
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist: create it first")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists: add --force to replace it")
    if database.is_sqlite:
        live = snapshots.sqlite_file(database.url)
        if not live.is_file():
            raise BackupError(f"there is no database at {live}: check SAFEPERSON_DATABASE_URL")
        if target.parent.is_relative_to(live.parent):
            raise BackupError(
                f"{target} is in the database's own folder ({live.parent}): one disk failure "
                "or one deleted folder would take both; write the backup to another disk or "
                "machine"
            )
    return target


async def write_backup(
    database: Database, path: Path, keys: ServerKeys, clock: Clock, *, force: bool
) -> BackupWritten:
    """Copy the database, in use or not, into one new file at `path`."""
    target = _backup_target(path, database, force=force)
    engine = _engine(database)
    member = DATABASE_MEMBER[engine]
    # Staged beside the target, so that the finished file is renamed into place (never a half
    # written backup under the name), and large copies do not fill a small /tmp.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".safeperson-backup-") as work:
        copy = Path(work) / member
        if engine == "sqlite":
            live = snapshots.sqlite_file(database.url)
            revision = await asyncio.to_thread(snapshots.copy_sqlite, live, copy)
        else:
            revision = await migrate.current_revision(database)
            await snapshots.dump_postgres(database.url, copy)
            if await migrate.current_revision(database) != revision:
                raise BackupError("the schema was migrated during the backup: run it again")
        if revision is None:
            raise BackupError("the database has no schema yet: there is nothing to back up")
        manifest = Manifest(
            format=FORMAT,
            engine=engine,
            schema_revision=revision,
            created_at=clock.now().astimezone(UTC),
            app_version=_app_version(),
            database_sha256=await asyncio.to_thread(_sha256, copy),
            secret_check=secret_check(keys),
        )
        archive = Path(work) / "backup.tar"
        await asyncio.to_thread(_write_archive, archive, manifest, copy)
        os.replace(archive, target)
        _fsync_folder(target.parent)
    same_disk = False
    if engine == "sqlite":
        live_folder = snapshots.sqlite_file(database.url).parent
        same_disk = os.stat(live_folder).st_dev == os.stat(target.parent).st_dev
    return BackupWritten(target, manifest, same_disk)


def _write_archive(archive: Path, manifest: Manifest, copy: Path) -> None:
    # Only its owner may read it: it holds everything the database does.
    descriptor = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        with tarfile.open(fileobj=file, mode="w") as tar:
            data = manifest.model_dump_json(indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(manifest.created_at.timestamp())
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(copy, arcname=copy.name)
        # On the disk before it is renamed into place: a power cut leaves the old file or this.
        file.flush()
        os.fsync(file.fileno())


def _read_manifest(tar: tarfile.TarFile, source: Path) -> Manifest:
    not_ours = f"{source} is not a SafePerson backup"
    try:
        info = tar.getmember(MANIFEST)
    except KeyError as exc:
        raise BackupError(f"{not_ours} (it has no {MANIFEST})") from exc
    file = tar.extractfile(info) if info.isfile() and info.size <= _MANIFEST_MAX_BYTES else None
    if file is None:
        raise BackupError(f"{not_ours} (its {MANIFEST} is not a small file)")
    try:
        raw = json.loads(file.read())
        found_format = raw.get("format") if isinstance(raw, dict) else None
        if isinstance(found_format, int) and found_format > FORMAT:
            raise BackupError(
                f"{source} was made by a newer SafePerson (backup format {found_format}): "
                f"upgrade SafePerson first; {_NOTHING_CHANGED}"
            )
        return Manifest.model_validate(raw)
    except (ValueError, ValidationError) as exc:
        raise BackupError(f"{not_ours} (its {MANIFEST} cannot be read)") from exc


def _extract_database(tar: tarfile.TarFile, manifest: Manifest, copy: Path) -> None:
    """The database copy, written to `copy` (by name: never where the archive says) and
    checked against the manifest's checksum."""
    member = DATABASE_MEMBER[manifest.engine]
    try:
        info = tar.getmember(member)
    except KeyError as exc:
        raise BackupError(f"the backup has no {member}: it is incomplete") from exc
    file = tar.extractfile(info) if info.isfile() else None
    if file is None:
        raise BackupError(f"the backup's {member} is not a file: it is damaged")
    digest = hashlib.sha256()
    with copy.open("wb") as out:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if not hmac.compare_digest(digest.hexdigest(), manifest.database_sha256):
        raise BackupError(
            f"the backup is damaged (its database does not match its checksum); {_NOTHING_CHANGED}"
        )


def _backup_source(path: Path) -> Path:
    source = path.expanduser().resolve()
    if not source.is_file():
        raise BackupError(f"there is no backup at {source}")
    return source


def _check_belongs(manifest: Manifest, database: Database, keys: ServerKeys) -> None:
    engine = _engine(database)
    if manifest.engine != engine:
        raise BackupError(
            f"the backup is of a {manifest.engine} database but SAFEPERSON_DATABASE_URL names a "
            f"{engine} one: restore it into {manifest.engine}; {_NOTHING_CHANGED}"
        )
    if not hmac.compare_digest(manifest.secret_check, secret_check(keys)):
        raise BackupError(
            "the backup was made under another SAFEPERSON_SECRET: put the .env kept with the "
            f"backup in place first; {_NOTHING_CHANGED}"
        )
    if not migrate.is_known_revision(manifest.schema_revision):
        raise BackupError(
            f"the backup's schema ({manifest.schema_revision}) is newer than this SafePerson "
            f"knows (up to {migrate.head_revision()}): upgrade SafePerson first; "
            + _NOTHING_CHANGED
        )


async def restore_backup(
    database: Database, source: Path, keys: ServerKeys, *, force: bool
) -> Restored:
    """Check that the backup at `source` and the secret belong together, then replace the
    database with it, and bring its schema up to this code's."""
    source = _backup_source(source)
    try:
        with tarfile.open(source, mode="r:") as tar:
            manifest = _read_manifest(tar, source)
            _check_belongs(manifest, database, keys)
            if database.is_sqlite:
                await _restore_sqlite(database, tar, manifest, force=force)
            else:
                await _restore_postgres(database, tar, manifest, force=force)
    except tarfile.TarError as exc:
        raise BackupError(f"{source} is damaged or not a SafePerson backup ({exc})") from exc
    return Restored(manifest, await migrate.current_revision(database))


_STOP_THE_BOT: Final = "stop the bot first (systemctl stop safeperson, or docker compose stop bot)"


async def _restore_sqlite(
    database: Database, tar: tarfile.TarFile, manifest: Manifest, *, force: bool
) -> None:
    live = snapshots.sqlite_file(database.url)
    if not live.parent.is_dir():
        raise BackupError(f"the folder {live.parent} does not exist: create it first")
    if snapshots.sqlite_in_use(live):
        raise BackupError(f"the database at {live} is open in another process: {_STOP_THE_BOT}")
    if live.exists() and live.stat().st_size > 0 and not force:
        raise BackupError(
            f"a database already exists at {live}: add --force to replace it with the backup"
        )
    # Staged beside the database: the same disk, and room for a copy of its size.
    with tempfile.TemporaryDirectory(dir=live.parent, prefix=".safeperson-restore-") as work:
        copy = Path(work) / DATABASE_MEMBER["sqlite"]
        await asyncio.to_thread(_extract_database, tar, manifest, copy)
        try:
            revision = await asyncio.to_thread(snapshots.read_sqlite_copy, copy)
        except snapshots.SnapshotError as problem:
            raise BackupError(f"{problem}; {_NOTHING_CHANGED}") from problem
        if revision != manifest.schema_revision:
            raise BackupError(
                f"the backup's database is at schema {revision}, not the "
                f"{manifest.schema_revision} its manifest says: it is damaged; {_NOTHING_CHANGED}"
            )
        # Upgraded while still staged: the live file only ever holds a complete, current schema.
        staged = Database(f"sqlite+aiosqlite:///{copy}")
        try:
            await migrate.upgrade(staged)
        finally:
            await staged.dispose()
        await asyncio.to_thread(snapshots.put_back_sqlite, copy, live)


async def _restore_postgres(
    database: Database, tar: tarfile.TarFile, manifest: Manifest, *, force: bool
) -> None:
    if await snapshots.postgres_sessions_elsewhere(database):
        raise BackupError(f"others are connected to the database: {_STOP_THE_BOT}")
    if await snapshots.postgres_holds_data(database) and not force:
        raise BackupError(
            "the database already holds SafePerson's tables: add --force to replace them with "
            "the backup"
        )
    with tempfile.TemporaryDirectory(prefix="safeperson-restore-") as work:
        copy = Path(work) / DATABASE_MEMBER["postgresql"]
        await asyncio.to_thread(_extract_database, tar, manifest, copy)
        await database.dispose()  # psql is then the only session while it replaces the schema
        await snapshots.put_back_postgres(database.url, copy, Path(work))
    await migrate.upgrade(database)


def _unreachable(problem: DBAPIError) -> str:
    # The driver's own first line (no statement, no parameters: they may be sealed data).
    reason = str(problem.orig).strip().splitlines()[0] if str(problem.orig).strip() else ""
    return f"the database did not answer as expected ({reason or type(problem.orig).__name__})"


def _database_and_keys() -> tuple[Database, ServerKeys]:
    settings = load_settings()
    keys = ServerKeys(server_secret(settings), SystemRandom())
    return Database(settings.database_url), keys


_Done = TypeVar("_Done")


async def _one_line_errors(database: Database, work: Coroutine[Any, Any, _Done]) -> _Done:
    """Run a command's work; whatever goes wrong becomes one BackupError line (never a
    statement or its parameters), and the database's connections are closed either way."""
    try:
        return await work
    except ConnectionError as problem:
        raise BackupError(f"the database did not answer ({problem})") from problem
    except (snapshots.SnapshotError, sqlite3.Error, OSError) as problem:
        raise BackupError(str(problem)) from problem
    except DBAPIError as problem:
        raise BackupError(_unreachable(problem)) from problem
    finally:
        await database.dispose()


def backup_command(path: Path, *, force: bool) -> None:
    """`safeperson backup PATH`."""
    database, keys = _database_and_keys()

    written = asyncio.run(
        _one_line_errors(database, write_backup(database, path, keys, SystemClock(), force=force))
    )
    manifest = written.manifest
    print(
        f"backup written to {written.path} ({manifest.engine}, schema "
        f"{manifest.schema_revision}, {manifest.created_at:%Y-%m-%d %H:%M} UTC)"
    )
    if written.same_disk:
        print("note: it is on the same disk as the database; copy it to another machine too")
    print("Keep it and .env in different places: a restore needs both.")


def restore_command(path: Path, *, force: bool) -> None:
    """`safeperson restore PATH`."""
    database, keys = _database_and_keys()

    restored = asyncio.run(
        _one_line_errors(database, restore_backup(database, path, keys, force=force))
    )
    manifest = restored.manifest
    upgraded = (
        f", upgraded to {restored.revision}"
        if restored.revision != manifest.schema_revision
        else ""
    )
    print(
        f"restored the backup of {manifest.created_at:%Y-%m-%d %H:%M} UTC "
        f"(schema {manifest.schema_revision}{upgraded})"
    )
