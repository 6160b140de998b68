"""The `safeperson` command itself: help for everything, arguments named as typed."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from bot.cli import build_parser, main


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
