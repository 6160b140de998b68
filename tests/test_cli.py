"""The `safeperson` command itself: help for everything, and the staff commands' refusals."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.setup_files import EXAMPLE_CONFIG
from storage import migrate
from storage.audit import AuditRepository
from storage.cases import StaffRepository
from storage.db import Database


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
                    role=role,
                    activity=None,
                    status="active",
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
    assert "member 2 (deputy) was already revoked on " in out
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
