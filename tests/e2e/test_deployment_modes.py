"""The same bot in webhook mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.languages import ENDONYMS
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import CHOOSE, WHO
from tests.e2e.harness import InProcessBot, free_port, translate


@pytest.fixture
async def webhook_bot(api_url: str, tmp_path: Path, secret: bytes) -> AsyncIterator[InProcessBot]:
    bot = InProcessBot(api_url=api_url, folder=tmp_path, secret=secret, webhook_port=free_port())
    await bot.start()
    yield bot
    await bot.stop()


async def test_webhook_mode_answers_and_refuses_forged_posts(
    webhook_bot: InProcessBot, make_person: MakePerson
) -> None:
    person = await make_person(language_code="ro")
    await person.send("/start")
    await person.wait_for_bot_text(translate("ro", CHOOSE))
    await person.tap(f"✓ {ENDONYMS['ro']}")
    await person.wait_for_bot_text(translate("ro", WHO))
    # Someone who is not Telegram posts a fake update: refused, nothing happens.
    async with aiohttp.ClientSession() as http:
        forged = await http.post(
            f"http://127.0.0.1:{webhook_bot.webhook_port}/telegram",
            json={"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start"}},
        )
        assert forged.status == 401
