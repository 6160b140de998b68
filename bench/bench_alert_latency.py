"""How soon the officer's phone gets the alert after a child taps Send, end to end over HTTP.

The real bot (SQLite, long polling, the outbox sender, the ladder sweep) against the Bot API
emulator. An officer is enrolled; children each make a report; for each one the time from the
tap on «Send» to the alert on the officer's screen is measured. Prints the figures; asserts
nothing, because timings belong to the machine, not to a test.

    .venv/bin/python bench/bench_alert_latency.py [reports]
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from bot.app import build_safeperson, serve
from bot.outbox import PER_CHAT_INTERVAL
from bot.settings import OrganisationConfig, Settings
from emulator.client import EmulatorClient, Screen
from emulator.server import BotApiEmulator

TOKEN = "100000003:BenchmarkTokenForTheLocalEmulator"  # noqa: S105 - fake, local only
CONFIG = '[organisation]\nname = "Bench"\ncountry = "RO"\n[languages]\ndefault = "en"\n'
PASSPHRASE = "bench lantern quiet seven"  # noqa: S105 - a throwaway key for the benchmark


async def press_when_offered(client: EmulatorClient, user_id: int, label: str) -> None:
    def offered(screen: Screen) -> bool:
        return bool(screen.bot_messages) and label in screen.bot_messages[-1].button_texts

    screen = await client.wait_for(user_id, offered, timeout=60)
    await client.press(user_id, button_text=label, message_id=screen.bot_messages[-1].message_id)


async def child_taps_send(client: EmulatorClient, index: int) -> tuple[float, float]:
    """A child's whole report; returns the moment «Send» was tapped, and how long the child
    waited for the receipt."""
    user = await client.create_user(first_name=f"C{index}", language_code="en")
    await client.send_text(user.user_id, "/start")
    await press_when_offered(client, user.user_id, "✓ English")
    await press_when_offered(client, user.user_id, "I am a child or young person")
    await press_when_offered(client, user.user_id, "Yes, I am safe")
    await client.wait_for(user.user_id, lambda s: "What happened?" in s.texts[-1], timeout=60)
    await client.send_text(user.user_id, f"Something worries me ({index}).")
    await press_when_offered(client, user.user_id, "That's all")
    await press_when_offered(client, user.user_id, "Skip")
    await press_when_offered(client, user.user_id, "No, or I am not sure")
    await press_when_offered(client, user.user_id, "Yes, please")
    await client.wait_for(
        user.user_id, lambda s: "Send" in s.bot_messages[-1].button_texts, timeout=60
    )
    tapped = time.perf_counter()
    await press_when_offered(client, user.user_id, "Send")
    await client.wait_for(
        user.user_id, lambda s: any("Your code:" in t for t in s.texts), timeout=60
    )
    return tapped, time.perf_counter() - tapped


def alerts_at_least(count: int) -> Callable[[Screen], bool]:
    return lambda screen: sum("New case" in text for text in screen.texts) >= count


async def main(reports: int) -> None:
    emulator = BotApiEmulator(per_chat_burst=50, global_per_second=10_000)
    url = await emulator.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            bot_token=SecretStr(TOKEN),
            telegram_api_url=url,
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
        )
        config = OrganisationConfig.model_validate(tomllib.loads(CONFIG))
        app = build_safeperson(settings, config, token=TOKEN, secret=bytes(32))
        task = asyncio.create_task(serve(app))
        async with EmulatorClient(url) as client:
            await app.ready.wait()
            officer = await client.create_user(first_name="Officer", language_code="en")
            desk = app.staff
            async with app.database.transaction():
                invitation = await desk.invite("Officer", "officer", None)
                await desk.enrol(invitation.code, officer.user_id, PASSPHRASE)
            latencies, receipts = [], []
            for index in range(reports):
                tapped, receipt = await child_taps_send(client, index)
                receipts.append(receipt)
                await client.wait_for(officer.user_id, alerts_at_least(index + 1), timeout=60)
                latencies.append(time.perf_counter() - tapped)
                # Telegram allows about one message a second per chat, and the outbox keeps to
                # it: reports a second apart measure delivery, not that limit.
                await asyncio.sleep(PER_CHAT_INTERVAL.total_seconds())
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await emulator.stop()

    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    print(f"reports: {reports} (one after another, SQLite, one process)")
    receipt_p50 = sorted(receipts)[len(receipts) // 2] * 1000
    print(f"tap on Send -> receipt on the child's screen, ms: p50 {receipt_p50:.0f}")
    print(
        f"tap on Send -> alert on the officer's screen, ms: p50 {pct(0.5):.0f}, "
        f"p95 {pct(0.95):.0f}, max {ordered[-1] * 1000:.0f}, "
        f"mean {statistics.mean(ordered) * 1000:.0f}"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
