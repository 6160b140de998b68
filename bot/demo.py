"""`safeperson demo`: the project's Bot API emulator, the real bot, and a chat page.

Nothing to set up: a throwaway SQLite file and a fresh secret in a temporary folder, deleted on
exit. The chat page lets one person play a child, a parent and the officer side by side.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path

from pydantic import SecretStr

from bot.app import build_safeperson, serve
from bot.settings import OrganisationConfig, Settings
from emulator.server import BotApiEmulator

DEMO_TOKEN = "100000001:SafePersonDemoTokenForTheLocalEmulator"  # noqa: S105 - fake, local only

DEMO_CONFIG = """
report_deadline = "24h"
reminders = ["12h", "1h"]

[organisation]
name = "Demo Organisation"
country = "RO"

[languages]
enabled = ["ro", "sq", "rom", "en"]
default = "en"

[ack]
immediate = "2m"
urgent = "10m"
standard = "1h"

[[activities]]
code = "summer_camp"
name = "Summer camp"
"""


async def run_demo(port: int) -> None:
    with tempfile.TemporaryDirectory(prefix="safeperson-demo-") as folder:
        emulator = BotApiEmulator()
        base_url = await emulator.start(host="127.0.0.1", port=port)
        settings = Settings(
            _env_file=None,
            bot_token=SecretStr(DEMO_TOKEN),
            telegram_api_url=base_url,
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}",
            config=Path(folder) / "safeperson.toml",
        )
        config = OrganisationConfig.model_validate(tomllib.loads(DEMO_CONFIG))
        app = build_safeperson(settings, config, token=DEMO_TOKEN, secret=os.urandom(32))
        print(f"SafePerson demo: open {base_url}/ in your browser. Ctrl-C stops it.", flush=True)
        try:
            await serve(app)
        finally:
            await emulator.stop()
            print("SafePerson demo stopped; its data is deleted.", flush=True)
