"""Run the emulator on its own: `python -m emulator --port 8081`, stop with Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random

from emulator.server import BotApiEmulator


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="A local Telegram Bot API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port to listen on (0: any)")
    parser.add_argument("--bot-username", default="SafePersonDemoBot")
    parser.add_argument("--seed", type=int, default=None, help="seed for reproducible ids")
    return parser.parse_args()


async def _serve(arguments: argparse.Namespace) -> None:
    emulator = BotApiEmulator(
        bot_username=arguments.bot_username,
        # Not for security: a seed only makes the ids reproducible between runs.
        rng=random.Random(arguments.seed),  # noqa: S311
    )
    url = await emulator.start(arguments.host, arguments.port)
    print(f"Telegram Bot API emulator at {url}", flush=True)
    print(f"  bot API base: {url}  (TelegramAPIServer.from_base)", flush=True)
    print(f"  demo chat:    {url}/", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()
        print("Emulator stopped.", flush=True)


def main() -> None:
    # asyncio.run cancels the server task on Ctrl-C, so `finally` above shuts down cleanly.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(_arguments()))


if __name__ == "__main__":
    main()
