"""The `safeperson` command itself: help for everything, and the staff commands' refusals."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.clock import SystemRandom
from bot.contexts import Label
from bot.server_keys import ServerKeys
from bot.setup_files import EXAMPLE_CONFIG
from storage import migrate
from storage.audit import AuditRepository
from storage.cases import StaffRepository
from storage.db import Database
from storage.models import AuditEvent
from storage.vocabulary import StaffRole, StaffStatus
from tests.test_board_figures import seeded_cases


def every_parser(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Each command's parser with the words that reach it: (), ("staff",), ("staff", "list")..."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub_parser in action.choices.items():
                yield from every_parser(sub_parser, (*path, name))


def test_every_command_and_option_has_a_help_text() -> None:
    missing = []
    for path, parser in every_parser(build_parser()):
        for action in parser._actions:
            where = " ".join(("safeperson", *path, *(action.option_strings or [action.dest])))
            if not action.help:
                missing.append(where)
            if isinstance(action, argparse._SubParsersAction):
                # Each sub-command's line in the parent's help.
                helped = {choice.dest for choice in action._choices_actions if choice.help}
                missing += [f"{where} {name}" for name in action.choices if name not in helped]
    assert missing == []


def test_a_missing_argument_is_named_as_it_is_typed(capsys: pytest.CaptureFixture[str]) -> None:
    names_seen = []
    for path, parser in every_parser(build_parser()):
        required = [a for a in parser._actions if a.required]
        if not required:
            continue
        with pytest.raises(SystemExit) as stopped:
            main(list(path))
        assert stopped.value.code == 2
        error = capsys.readouterr().err.strip().splitlines()[-1]
        assert "the following arguments are required: " in error, error
        for name in error.split("required: ", 1)[1].split(", "):
            names_seen.append(name)
            # An option (--name), a placeholder (ID) or the choices ({invite,list,revoke}),
            # never an attribute name such as staff_command or member_id.
            assert name.startswith(("--", "{")) or name.isupper(), error
    assert {"--name", "ID", "{invite,list,revoke}", "--activity"} <= set(names_seen)


SECRET = bytes(range(32))


@pytest.fixture
def cli_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder set up for the CLI, with one enrolled officer (id 1) and a deputy (id 2)."""
    (tmp_path / "safeperson.toml").write_text(EXAMPLE_CONFIG, encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'safeperson.db'}"
    monkeypatch.chdir(tmp_path)
    for name in ("SAFEPERSON_BOT_TOKEN", "SAFEPERSON_CONFIG", "SAFEPERSON_TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SAFEPERSON_SECRET", SECRET.hex())
    monkeypatch.setenv("SAFEPERSON_DATABASE_URL", url)

    async def enrol() -> None:
        database = Database(url)
        try:
            await migrate.upgrade(database)
            for name, role in (("Maria", "officer"), ("Ion", "deputy")):
                await StaffRepository(database).add(
                    name=name,
                    role=StaffRole(role),
                    activity=None,
                    status=StaffStatus.ACTIVE,
                    public_key=b"k" * 32,
                    pseudonym=None,
                    now=datetime.now(UTC),
                )
        finally:
            await database.dispose()

    asyncio.run(enrol())
    return tmp_path


def audit_actions(folder: Path) -> list[str]:
    async def read() -> list[str]:
        database = Database(f"sqlite+aiosqlite:///{folder / 'safeperson.db'}")
        try:
            return [event.action for event in await AuditRepository(database).all_events()]
        finally:
            await database.dispose()

    return asyncio.run(read())


@pytest.mark.parametrize("name", ["", "   ", "\t", "x" * 101])
def test_an_empty_or_overlong_name_is_refused(
    cli_folder: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert main(["staff", "invite", "--name", name, "--role", "deputy"]) == 2
    assert "--name" in capsys.readouterr().err
    assert audit_actions(cli_folder) == []


def test_staff_list_has_column_headers(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["staff", "list"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["ID", "NAME", "ROLE", "ACTIVITY", "STATUS", "KEY"]
    assert [row.split()[:3] for row in rows] == [["1", "Maria", "officer"], ["2", "Ion", "deputy"]]


def test_revoking_twice_says_already_revoked_and_audits_once(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["staff", "revoke", "2"]) == 0
    assert "revoked Ion (deputy)" in capsys.readouterr().out
    assert main(["staff", "revoke", "2"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"member 2 \(deputy\) was already revoked on \d\d\.\d\d\.\d{4}:", out)
    assert "nothing changed" in out
    assert audit_actions(cli_folder) == ["revoked staff:2"]


def test_revoking_the_last_enrolled_officer_needs_yes(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["staff", "revoke", "1"]) == 2
    refusal = capsys.readouterr().err
    assert "member 1 is the last enrolled officer" in refusal
    assert "new cases alert the deputies or the board first" in refusal
    assert "add --yes" in refusal
    assert "\n" not in refusal.strip()
    assert audit_actions(cli_folder) == []

    assert main(["staff", "revoke", "1", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "revoked Maria (officer)" in out
    assert "WARNING: NO OFFICER IS ENROLLED" in out
    assert audit_actions(cli_folder) == ["revoked staff:1"]


# The audit log's anchor: deleting its newest events, or its anchor, is caught by `audit verify`.


def record_events(count: int) -> None:
    """`count` audit events, each as an operator makes one: by inviting a member."""
    for i in range(count):
        assert main(["staff", "invite", "--name", f"Member {i}", "--role", "deputy"]) == 0


# A statement, with its parameters if it has any.
Statement = str | tuple[str, tuple[int, ...]]


def tamper(folder: Path, *statements: Statement) -> None:
    """Someone with the database file but not the secret changes it directly."""
    with contextlib.closing(sqlite3.connect(folder / "safeperson.db")) as connection:
        for statement in statements:
            sql, parameters = (statement, ()) if isinstance(statement, str) else statement
            connection.execute(sql, parameters)
        connection.commit()


def delete_newest(events: int) -> Statement:
    sql = (
        "DELETE FROM audit_event WHERE id IN (SELECT id FROM audit_event ORDER BY id DESC LIMIT ?)"
    )
    return sql, (events,)


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "verify", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def fingerprint(out: str) -> str:
    line = next(line for line in out.splitlines() if line.startswith("head fingerprint: "))
    return line.removeprefix("head fingerprint: ")


# The empty log's fingerprint under SECRET: keyed, so another secret gives another one.
EMPTY_LOG_FINGERPRINT = "7f69-f968-af1e-6754"


def test_verify_prints_the_head_fingerprint_and_nothing_about_anyone(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify(capsys) == (
        0,
        f"audit log intact: 0 events\nhead fingerprint: {EMPTY_LOG_FINGERPRINT}\n",
    )
    record_events(3)
    code, out = verify(capsys)
    assert code == 0
    assert out.startswith("audit log intact: 3 events\nhead fingerprint: ")
    assert re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){3}", fingerprint(out))
    assert "Member" not in out


@pytest.mark.parametrize("deleted", [1, 5])
def test_deleting_the_newest_events_is_caught(
    cli_folder: Path, capsys: pytest.CaptureFixture[str], deleted: int
) -> None:
    record_events(7)
    assert verify(capsys)[0] == 0
    tamper(cli_folder, delete_newest(deleted))
    code, out = verify(capsys)
    assert code == 1
    assert (
        out
        == "audit log BROKEN at its end: events were deleted from its end (its anchor counts 7)\n"
    )


def test_deleting_or_editing_the_anchor_is_caught(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_events(4)
    tamper(cli_folder, delete_newest(2), "UPDATE audit_anchor SET events = 2")
    assert verify(capsys) == (1, "audit log BROKEN at its end: its anchor was edited\n")
    tamper(cli_folder, "DELETE FROM audit_anchor")
    assert verify(capsys) == (1, "audit log BROKEN at its end: its anchor was deleted\n")
    # The bot goes on recording, and does not make a new anchor that would hide the deletion.
    record_events(1)
    assert verify(capsys) == (1, "audit log BROKEN at its end: its anchor was deleted\n")


def test_expect_checks_that_the_log_extends_a_head_noted_earlier(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_events(3)
    noted = fingerprint(verify(capsys)[1])
    record_events(2)
    code, out = verify(capsys, "--expect", noted)
    assert code == 0
    assert out.endswith("it extends the expected head (at event 3)\n")
    # As it was read out: spaces, capitals.
    assert verify(capsys, "--expect", noted.replace("-", " ").upper())[0] == 0

    # Rolled back to before the noted head, anchor and all: only the fingerprint can tell.
    tamper(cli_folder, "DELETE FROM audit_event", "DELETE FROM audit_anchor")
    assert verify(capsys)[0] == 0  # to the database alone, a log nothing was recorded in
    code, out = verify(capsys, "--expect", noted)
    assert code == 1
    assert out.endswith("audit log ROLLED BACK: it does not extend the expected head\n")


def test_rows_and_anchor_deleted_are_caught_with_or_without_expect(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_events(5)
    noted = fingerprint(verify(capsys)[1])
    tamper(cli_folder, delete_newest(2), "DELETE FROM audit_anchor")
    code, out = verify(capsys, "--expect", noted)
    assert code == 1
    assert out == (
        "audit log BROKEN at its end: its anchor was deleted\n"
        "audit log ROLLED BACK: it does not extend the expected head\n"
    )


def test_an_expected_fingerprint_must_look_like_one(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = verify(capsys, "--expect", "12ab")
    assert code == 2
    assert "--expect takes the 16-digit fingerprint" in out


@pytest.mark.parametrize("events", [0, 3])
def test_a_wrong_secret_is_not_called_tampering(
    cli_folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    events: int,
) -> None:
    record_events(events)
    monkeypatch.setenv("SAFEPERSON_SECRET", bytes(range(1, 33)).hex())
    code, out = verify(capsys)
    if events == 0:  # nothing was written under any key: nothing can tell
        assert code == 0
        return
    assert code == 2
    assert out == "safeperson: this secret does not belong to this database\n"


def test_a_log_from_before_the_upgrade_is_anchored_from_its_next_event(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def old_log() -> None:
        """Two events as the bot recorded them before the anchor existed."""
        database = Database(f"sqlite+aiosqlite:///{cli_folder / 'safeperson.db'}")
        keys = ServerKeys(SECRET, SystemRandom())
        try:
            await migrate.downgrade(database, "0011")
            previous = "0" * 64
            async with database.transaction() as session:
                for action in ("invited staff:1", "invited staff:2"):
                    at = datetime(2026, 11, 30, tzinfo=UTC)
                    fields = (previous, at.isoformat(), "operator", action, "")
                    digest = keys.key_id(Label.AUDIT, "\x1f".join(fields))
                    session.add(
                        AuditEvent(
                            at=at,
                            actor="operator",
                            action=action,
                            case_code=None,
                            previous=previous,
                            digest=digest,
                        )
                    )
                    previous = digest
        finally:
            await database.dispose()

    asyncio.run(old_log())
    code, out = verify(capsys)  # upgrades the database
    assert code == 0
    assert out.startswith(
        "audit log intact: 2 events (its end is anchored from the next recorded event)\n"
    )
    record_events(1)
    assert verify(capsys)[1].startswith("audit log intact: 3 events\n")
    tamper(cli_folder, delete_newest(1))
    assert verify(capsys)[0] == 1


def test_stats_prints_the_table_and_writes_the_picture_and_the_report(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def seed() -> None:
        database = Database(f"sqlite+aiosqlite:///{cli_folder / 'safeperson.db'}")
        try:
            async with database.transaction() as session:
                session.add_all(list(seeded_cases()))
        finally:
            await database.dispose()

    asyncio.run(seed())
    png, pdf = cli_folder / "figures.png", cli_folder / "figures.pdf"

    period = ["--from", "2026-01-01", "--to", "2026-03-31"]
    code = main(["stats", *period, "--language", "en", "--png", str(png), "--pdf", str(pdf)])

    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Figures from 1 January 2026 to 31 March 2026"
    assert re.search(r"^Concerns received\s+11$", out, re.MULTILINE)
    assert re.search(r"^Concerns by month: Feb 2026\s+<3$", out, re.MULTILINE)
    assert re.search(r"^Concerns by month: Mar 2026\s+≥3$", out, re.MULTILINE)
    assert png.read_bytes().startswith(b"\x89PNG")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert f"wrote {pdf}" in out


def test_stats_refuses_a_period_that_ends_before_it_starts(
    cli_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--from", "2026-03-01", "--to", "2026-02-01"]) == 2
    assert "--to is before --from" in capsys.readouterr().err
