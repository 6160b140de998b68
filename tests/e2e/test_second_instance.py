"""A second `safeperson run` with the same bot token: it stops with one line, the first goes on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import bot.polling
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import CHOOSE
from tests.e2e.harness import InProcessBot, SubprocessBot

STOP_LINE = "Another process is taking this bot's updates"


async def test_a_second_instance_on_the_same_token_stops_with_one_line(
    safeperson: InProcessBot,
    api_url: str,
    tmp_path: Path,
    secret: bytes,
    make_person: MakePerson,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first instance has been serving for a while (here: counts as such at once).
    monkeypatch.setattr(bot.polling, "NEWCOMER_SECONDS", 0.0)
    # The second is started in the same folder, on the same SQLite database, as an operator
    # who forgot the first one would.
    second = SubprocessBot(api_url=api_url, folder=tmp_path, secret=secret)
    await second.start()
    assert second.process is not None
    try:
        # Before, it repeated "another process is polling" for ever.
        await asyncio.wait_for(second.process.wait(), timeout=45)
    finally:
        code = await second.stop()
    stderr = b"".join(second.log).decode()
    assert code == 2
    assert "Traceback" not in stderr
    assert "ready: @" in stderr
    assert stderr.strip().splitlines()[-1].startswith(f"safeperson: {STOP_LINE}")
    assert stderr.count("Conflict") == 1

    # The first instance still answers.
    assert safeperson.task is not None
    assert not safeperson.task.done()
    person = await make_person(language_code="en")
    await person.send("/start")
    await person.wait_for_bot_text(CHOOSE)
