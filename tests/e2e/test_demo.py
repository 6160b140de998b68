"""`safeperson demo`: with no token and no set-up, a working chat page; Ctrl-C stops it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from emulator.client import EmulatorClient
from tests.e2e.harness import free_port


async def test_demo_serves_a_working_chat_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEPERSON_")}
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "demo",
        "--port",
        str(free_port()),
        cwd=tmp_path,  # an empty folder: no .env, no config, no token
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert demo.stdout is not None
        line = (await asyncio.wait_for(demo.stdout.readline(), timeout=60)).decode()
        address = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert address, line
        async with aiohttp.ClientSession() as http, http.get(address.group(0)) as page:
            assert page.status == 200
            assert "Child" in await page.text()
        async with EmulatorClient(address.group(0)) as telegram:
            child = await telegram.create_user(first_name="Ana", language_code="ro")
            await telegram.send_text(child.user_id, "/start")
            screen = await telegram.wait_for(
                child.user_id, lambda s: bool(s.bot_messages), timeout=30
            )
            assert "✓ Română" in screen.bot_messages[-1].button_texts
    finally:
        if demo.returncode is None:
            demo.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(demo.communicate(), timeout=30)
    assert demo.returncode == 0, err.decode()
    assert b"Traceback" not in err
    assert b"stopped" in out
    assert os.listdir(tmp_path) == []  # nothing left behind in the folder it ran in


async def test_a_port_already_in_use_gives_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEPERSON_")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "demo",
            "--port",
            str(port),
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(demo.communicate(), timeout=60)
    assert demo.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, err.decode()
    assert f"port {port} is already in use" in lines[0]
    assert f"make demo PORT={port + 1}" in lines[0]
    assert out == b""
