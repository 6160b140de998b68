"""Several SafePerson instances behind a real load balancer, as docs and compose.yaml deploy them.

N processes run `safeperson run --webhook`, each on its own port, on one PostgreSQL database and
one Redis; HAProxy (Debian's package, started here in the foreground) takes Telegram's webhook
posts on one port and spreads them round-robin over the instances that answer its health check
(`/healthz`). An instance can be killed for real (SIGKILL), as a crashed machine would be.
The end-to-end test and the load bench both use this.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.e2e.harness import CONFIG_TOML, TOKEN, free_port

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
DEPLOYED_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "haproxy.cfg"
# What Telegram posts to carries this secret (the instances check it).
WEBHOOK_SECRET = "fleet-webhook-secret"
STARTUP_SECONDS = 60.0


def haproxy_config(front_port: int, instance_ports: list[int]) -> str:
    """deploy/haproxy.cfg as shipped, with local addresses: a plain-HTTP bind on `front_port`
    instead of TLS on 8443, and the instances by port instead of by Docker's DNS."""
    shipped = DEPLOYED_CONFIG.read_text(encoding="utf-8")
    lines: list[str] = []
    in_resolvers = False
    for line in shipped.splitlines():
        if line.startswith("resolvers "):
            in_resolvers = True
            continue
        if in_resolvers:
            in_resolvers = bool(line.strip())
            continue
        if line.strip().startswith("bind "):
            line = f"    bind 127.0.0.1:{front_port}"
        elif line.strip().startswith("default-server "):
            line = line.replace(" resolvers docker init-addr none", "")
        elif line.strip().startswith("server-template "):
            lines += [
                f"    server instance{n} 127.0.0.1:{port} check"
                for n, port in enumerate(instance_ports)
            ]
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float) -> None:
    """Until `check` holds, asking five times a second; TimeoutError after `timeout`."""
    async with asyncio.timeout(timeout):
        for _ in itertools.count():
            if await check():
                return
            await asyncio.sleep(0.2)


@dataclass
class Instance:
    port: int
    # What it prints goes to a file: a pipe nobody reads would fill and stop it.
    log_path: Path
    process: asyncio.subprocess.Process | None = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


@dataclass
class Fleet:
    """`size` instances of the bot and HAProxy in front of them."""

    api_url: str
    folder: Path
    secret: bytes
    database_url: str
    redis_url: str
    size: int = 3
    config_toml: str = CONFIG_TOML
    # Settings over the defaults below, for every instance (the load bench quiets the log).
    environment: dict[str, str] = field(default_factory=dict)
    front_port: int = field(default_factory=free_port)
    instances: list[Instance] = field(default_factory=list)
    balancer: asyncio.subprocess.Process | None = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.front_port}/telegram"

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "safeperson.toml").write_text(self.config_toml, encoding="utf-8")
        self.instances = [
            Instance(free_port(), self.folder / f"instance{n}.log") for n in range(self.size)
        ]
        config = self.folder / "haproxy.cfg"
        config.write_text(
            haproxy_config(self.front_port, [i.port for i in self.instances]), encoding="utf-8"
        )
        # -db: in the foreground, not a daemon; its own output is not needed.
        self.balancer = await asyncio.create_subprocess_exec(
            HAPROXY,
            "-db",
            "-f",
            str(config),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        # One first, so the schema is migrated once; the others start together after it.
        await self._start_instance(self.instances[0])
        await asyncio.gather(*(self._start_instance(i) for i in self.instances[1:]))

    def cli_command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "bot.cli", *args]

    def cli_environment(self) -> dict[str, str]:
        """`safeperson` on the command line, against the same database."""
        return self._environment(0)

    def _environment(self, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEPERSON_")}
        env.update(
            SAFEPERSON_BOT_TOKEN=TOKEN,
            SAFEPERSON_SECRET=self.secret.hex(),
            SAFEPERSON_TELEGRAM_API_URL=self.api_url,
            SAFEPERSON_DATABASE_URL=self.database_url,
            SAFEPERSON_REDIS_URL=self.redis_url,
            SAFEPERSON_WEBHOOK_URL=self.webhook_url,
            SAFEPERSON_WEBHOOK_SECRET=WEBHOOK_SECRET,
            SAFEPERSON_WEBHOOK_PORT=str(port),
            # Three instances and the tests share PostgreSQL's 100 connections.
            SAFEPERSON_DATABASE_POOL_SIZE="16",
            # The emulator takes far more than Telegram's 30 a second.
            SAFEPERSON_SEND_RATE="1000",
        )
        env.update(self.environment)
        return env

    async def _start_instance(self, instance: Instance) -> None:
        with instance.log_path.open("ab") as log:
            instance.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                "--webhook",
                cwd=self.folder,
                env=self._environment(instance.port),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log,
            )
        await self._until_healthy(instance)

    async def _until_healthy(self, instance: Instance) -> None:
        """Until the instance answers its health check (or died, or took too long)."""
        url = f"http://127.0.0.1:{instance.port}/healthz"
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:
                if instance.process is None or instance.process.returncode is not None:
                    raise RuntimeError("an instance stopped while starting: " + instance.log())
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(url) as answer:
                        return answer.status == 200
                return False

            await eventually(healthy, timeout=STARTUP_SECONDS)

    async def kill(self, index: int) -> None:
        """SIGKILL, as a crash: no shutdown, no last commit, connections cut."""
        process = self.instances[index].process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGKILL)
            await process.wait()

    def alive(self) -> list[int]:
        return [
            n
            for n, i in enumerate(self.instances)
            if i.process is not None and i.process.returncode is None
        ]

    async def stop(self) -> list[str]:
        """Stop everything; the instances' logs, for a failing test to show."""
        logs = []
        for instance in self.instances:
            process = instance.process
            if process is None:
                continue
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), timeout=30)
            if process.returncode is None:
                process.kill()
                await process.wait()
            logs.append(instance.log())
        if self.balancer is not None and self.balancer.returncode is None:
            self.balancer.terminate()
            await self.balancer.wait()
        return logs
