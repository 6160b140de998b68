"""How fast the real bot answers, end to end through the Bot API emulator over HTTP.

Each simulated person sends /start and taps a language (two updates, four replies: picker,
welcome, help numbers, audience menu). Prints throughput, reply latency and memory; asserts
nothing, because timings belong to the machine, not to a test.

    .venv/bin/python bench/bench_first_conversation.py [people]
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from pydantic import SecretStr

from bot.app import build_safeperson, serve
from bot.settings import OrganisationConfig, Settings
from emulator.client import EmulatorClient
from emulator.server import BotApiEmulator

TOKEN = "100000002:BenchmarkTokenForTheLocalEmulator"  # noqa: S105 - fake, local only
CONFIG = '[organisation]\nname = "Bench"\ncountry = "AL"\n[languages]\ndefault = "en"\n'


async def one_person(client: EmulatorClient, index: int) -> tuple[float, float]:
    user = await client.create_user(first_name=f"P{index}", language_code="sq")
    started = time.perf_counter()
    await client.send_text(user.user_id, "/start")
    screen = await client.wait_for(user.user_id, lambda s: bool(s.bot_messages), timeout=120)
    picker_latency = time.perf_counter() - started
    started = time.perf_counter()
    await client.press(user.user_id, button_text=screen.bot_messages[-1].button_texts[0])
    await client.wait_for(user.user_id, lambda s: len(s.bot_messages) >= 4, timeout=120)
    return picker_latency, time.perf_counter() - started


async def main(people: int) -> None:
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
            await one_person(client, -1)  # warm-up: migrations, first connections
            started = time.perf_counter()
            results = await asyncio.gather(*(one_person(client, i) for i in range(people)))
            elapsed = time.perf_counter() - started
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await emulator.stop()

    pickers = sorted(r[0] for r in results)
    menus = sorted(r[1] for r in results)
    updates = 2 * people

    def pct(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))] * 1000

    print(f"people: {people}, updates: {updates}, wall time: {elapsed:.2f} s")
    print(f"throughput: {updates / elapsed:.1f} updates/s (SQLite, one process, in order)")
    print(
        f"/start -> picker latency ms: p50 {pct(pickers, 0.5):.0f}, p95 {pct(pickers, 0.95):.0f}"
        f", mean {statistics.mean(pickers) * 1000:.0f}"
    )
    print(f"tap -> audience menu latency ms: p50 {pct(menus, 0.5):.0f}, p95 {pct(menus, 0.95):.0f}")
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (bot + emulator + clients in one process): {rss_mib:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
