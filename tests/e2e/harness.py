"""Running the real bot against the Bot API emulator, in this process or as a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import gettext
import json
import os
import signal
import socket
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import SafePerson, build_safeperson, ladder_loop, serve
from bot.catalogs import LOCALES_DIR
from bot.crypto import ReaderKeyPair, generate_reader_keys
from bot.housekeeping import Swept
from bot.ladder_loop import LadderLoop, LadderPass
from bot.sealing import open_case_entry
from bot.settings import OrganisationConfig, Settings
from emulator.client import EmulatorClient, Screen, ScreenMessage, SimUser
from storage import migrate
from storage.cases import CaseRepository, StaffRepository
from storage.db import Database
from storage.models import Base, FsmRecord, OutboxMessage, ReportCase
from storage.outbox import PENDING, WITH_COURIER
from storage.vocabulary import StaffRole, StaffStatus

TOKEN = "123456789:TESTtokenForTheLocalEmulator_x"

# A Romanian organisation speaking all four languages, English by default.
CONFIG_TOML = """
[organisation]
name = "Împreună Test"
country = "RO"

[languages]
enabled = ["ro", "sq", "rom", "en"]
default = "en"

[[activities]]
code = "summer_camp"
name = "Summer camp"

# The daily message would come in the middle of other tests (tests/e2e/test_heartbeat.py turns
# it on).
[heartbeat]
enabled = false
"""


def translate(language: str, message: str) -> str:
    """What the bot should say in that language (from the compiled catalog)."""
    catalog = gettext.translation("messages", LOCALES_DIR, languages=[language])
    return catalog.gettext(message)


@dataclass
class InProcessBot:
    """The real SafePerson, built by the composition root, polling the emulator."""

    api_url: str
    folder: Path
    secret: bytes
    redis_url: str | None = None
    webhook_port: int | None = None
    # The small /healthz port (SAFEPERSON_HEALTH_PORT), when a test wants it.
    health_port: int | None = None
    database_url_override: str | None = None
    # Where Telegram is told to post (webhook mode): this instance's own port unless several
    # instances sit behind one address (WebhookBalancer).
    webhook_url_override: str | None = None
    # The organisation's config; a test may run the bot with settings of its own.
    config_toml: str = CONFIG_TOML
    clock: MovableClock = field(default_factory=lambda: MovableClock())
    app: SafePerson | None = None
    # The running instance's ladder loop, which a test can also step (sweep_ladder_once).
    ladder: LadderLoop | None = None
    task: asyncio.Task[None] | None = None

    @property
    def database_url(self) -> str:
        if self.database_url_override:
            return self.database_url_override
        return f"sqlite+aiosqlite:///{self.folder / 'safeperson.db'}"

    def build(self) -> SafePerson:
        settings = Settings(
            _env_file=None,
            bot_token=SecretStr(TOKEN),
            telegram_api_url=self.api_url,
            database_url=self.database_url,
            redis_url=self.redis_url,
            webhook_url=(
                self.webhook_url_override
                or (f"http://127.0.0.1:{self.webhook_port}/telegram" if self.webhook_port else None)
            ),
            webhook_secret=SecretStr("webhook-secret-for-tests") if self.webhook_port else None,
            webhook_port=self.webhook_port or 8080,
            health_port=self.health_port,
        )
        config = OrganisationConfig.model_validate(tomllib.loads(self.config_toml))
        return build_safeperson(settings, config, token=TOKEN, secret=self.secret, clock=self.clock)

    async def start(self) -> None:
        self.app = self.build()
        self.ladder = ladder_loop(self.app)
        self.task = asyncio.create_task(
            serve(self.app, "webhook" if self.webhook_port else "polling", ladder=self.ladder)
        )
        if not self.webhook_port:
            ready = asyncio.ensure_future(self.app.ready.wait())
            await asyncio.wait({ready, self.task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
            ready.cancel()
            if self.task.done():
                self.task.result()  # it died while starting: show why

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def enrol_reader(
        self, name: str, role: str, activity: str | None = None
    ) -> tuple[int, ReaderKeyPair]:
        """A reader key, as the officer side's enrolment will create it."""
        return await enrol_reader(self.database_url, name, role, activity)

    async def read_case(self, code: str, reader: tuple[int, ReaderKeyPair]) -> OpenedCase:
        return await read_case(self.database_url, code, reader)

    async def count_cases(self) -> int:
        return await count_rows(self.database_url, ReportCase)

    async def count_drafts(self) -> int:
        return await count_rows(self.database_url, FsmRecord, FsmRecord.destiny == "default")

    async def sweep_ladder_once(self) -> LadderPass:
        """One full pass of the ladder at the bot's clock, now (after any pass in progress)."""
        assert self.ladder is not None
        return await self.ladder.sweep_once()

    async def drain_outbox(self, timeout: float = 20.0) -> int:
        """Send what the outbox holds due now, then wait until nothing in it is unsent (a
        chat's next message waits its turn, a courier finishes its send); how many this sent.
        After this, every message queued so far is on the phone it was going to."""
        assert self.app is not None
        sender = self.app.outbox_sender
        sent = await sender.drain()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while await self.count_unsent():
            if loop.time() > deadline:
                raise AssertionError("the outbox never emptied")
            await asyncio.sleep(0.05)
            sent += await sender.drain()
        return sent

    async def settle(self) -> LadderPass:
        """What is due by the bot's clock is done and delivered: one ladder pass, then the
        outbox drained. A check that nothing (more) arrived comes after this, never after a
        wait for the background loops, which may not have come round yet."""
        done = await self.sweep_ladder_once()
        await self.drain_outbox()
        return done

    async def tick_heartbeat(self) -> int:
        """One turn of the heartbeat at the bot's clock, now; how many messages it queued."""
        assert self.app is not None
        return await self.app.heartbeat.tick()

    async def count_unsent(self) -> int:
        return await count_rows(
            self.database_url, OutboxMessage, OutboxMessage.status.in_((PENDING, WITH_COURIER))
        )

    async def sweep_as_if_later(self, hours: float) -> Swept:
        """Move the bot's clock forward and run its housekeeping now."""
        assert self.app is not None
        self.clock.ahead = timedelta(hours=hours)
        return await self.app.housekeeping.sweep()


@dataclass
class WebhookBalancer:
    """One webhook address in front of several instances in webhook mode, as a load balancer
    is in production; the test says which instance the next updates go to (`to`)."""

    to: InProcessBot
    port: int = field(default_factory=lambda: free_port())
    # How many posts went to each instance (by its webhook port).
    routed: dict[int, int] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    async def start(self) -> None:
        self._http = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_post("/telegram", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        port = self.to.webhook_port
        target = f"http://127.0.0.1:{port}/telegram"
        if port is not None:
            self.routed[port] = self.routed.get(port, 0) + 1
        passed = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        try:
            async with self._http.post(target, data=await request.read(), headers=passed) as answer:
                return web.Response(
                    status=answer.status,
                    body=await answer.read(),
                    content_type=answer.content_type,
                )
        except aiohttp.ClientConnectionError:
            # The instance is not listening yet: Telegram (the emulator) tries again.
            return web.Response(status=502)


@dataclass(frozen=True)
class OpenedCase:
    case: ReportCase
    report: dict[str, Any]
    voices: list[bytes]
    follow_ups: list[bytes]
    readers: set[int]


async def enrol_reader(
    database_url: str, name: str, role: str, activity: str | None = None
) -> tuple[int, ReaderKeyPair]:
    database = Database(database_url)
    try:
        await migrate.upgrade(database)
        pair = generate_reader_keys()
        member = await StaffRepository(database).add(
            name=name,
            role=StaffRole(role),
            activity=activity,
            status=StaffStatus.ACTIVE,
            public_key=pair.public_key,
            pseudonym=None,
            now=datetime.now(UTC),
        )
        return member.id, pair
    finally:
        await database.dispose()


async def read_case(database_url: str, code: str, reader: tuple[int, ReaderKeyPair]) -> OpenedCase:
    """Open a sealed case with a reader's private key, as the officer side will."""
    reader_id, pair = reader
    database = Database(database_url)
    try:
        cases = CaseRepository(database)
        case = await cases.by_code(code)
        assert case is not None, f"no case {code}"
        stored = await cases.entries(case.id)
        opened = [
            (
                s.entry.kind,
                open_case_entry(code, s.entry, s.wrapped_keys[reader_id], pair.private_key),
            )
            for s in stored
        ]
        return OpenedCase(
            case=case,
            report=json.loads(next(body for kind, body in opened if kind == "report")),
            voices=[body for kind, body in opened if kind == "voice"],
            follow_ups=[body for kind, body in opened if kind == "follow_up"],
            readers=set(stored[0].wrapped_keys),
        )
    finally:
        await database.dispose()


class MovableClock:
    """The real time, plus however far a test has moved it forward."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead


async def count_rows(database_url: str, model: type[Base], *where: Any) -> int:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            query = select(func.count()).select_from(model).where(*where)
            return int((await session.execute(query)).scalar_one())
    finally:
        await database.dispose()


async def run_cli(bot: InProcessBot, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """`safeperson ARGS` against the bot's database, as an operator runs it on that machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEPERSON_")}
    (bot.folder / "safeperson.toml").write_text(CONFIG_TOML, encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=bot.folder,
        env={
            **env,
            "SAFEPERSON_SECRET": bot.secret.hex(),
            "SAFEPERSON_DATABASE_URL": bot.database_url,
        },
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class SubprocessBot:
    """`safeperson run`, exactly as an operator starts it, so it can be killed for real."""

    api_url: str
    folder: Path
    secret: bytes
    process: asyncio.subprocess.Process | None = None
    log: list[bytes] = field(default_factory=list)

    def prepare_folder(self) -> None:
        (self.folder / "safeperson.toml").write_text(CONFIG_TOML, encoding="utf-8")
        (self.folder / ".env").write_text(
            f"SAFEPERSON_BOT_TOKEN={TOKEN}\n"
            f"SAFEPERSON_SECRET={self.secret.hex()}\n"
            f"SAFEPERSON_TELEGRAM_API_URL={self.api_url}\n",
            encoding="utf-8",
        )

    async def start(self) -> None:
        self.prepare_folder()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEPERSON_")}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=self.folder,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process is None:
            return 0
        if self.process.returncode is None:
            self.process.send_signal(sig)
        _, stderr = await asyncio.wait_for(self.process.communicate(), timeout=30)
        self.log.append(stderr)
        code = self.process.returncode
        self.process = None
        return code if code is not None else 0

    async def kill(self) -> None:
        await self.stop(signal.SIGKILL)


class Person:
    """A simulated Telegram user, with the checks a person would make on their screen."""

    def __init__(self, telegram: EmulatorClient, user: SimUser) -> None:
        self.telegram = telegram
        self.user = user

    async def send(self, text: str) -> int:
        """Write `text`; the update's id."""
        return (await self.telegram.send_text(self.user.user_id, text)).update_id

    async def tap(self, button_text: str, *, message_id: int | None = None) -> int:
        """Tap a button; the update's id."""
        pressed = await self.telegram.press(
            self.user.user_id, button_text=button_text, message_id=message_id
        )
        return pressed.update_id

    async def screen(self) -> Screen:
        return await self.telegram.screen(self.user.user_id)

    async def wait_for(self, check: Callable[[Screen], bool], timeout: float = 20.0) -> Screen:
        return await self.telegram.wait_for(self.user.user_id, check, timeout=timeout)

    async def wait_for_bot_text(self, fragment: str, *, count: int = 1) -> Screen:
        """Wait until `count` bot messages contain fragment."""
        return await self.wait_for(lambda s: len(bot_messages_with(s, fragment)) >= count)


def bot_messages_with(screen: Screen, fragment: str) -> list[ScreenMessage]:
    return [m for m in screen.bot_messages if fragment in m.text]


async def wait_until_outbox_sent(bot: InProcessBot, timeout: float = 20.0) -> None:
    """Until every message the bot queued in its outbox has gone to Telegram (or been given up):
    after this, a message that was going to reach a phone is on it."""
    await bot.drain_outbox(timeout)


async def wait_until_confirmed(
    telegram: EmulatorClient, *update_ids: int, timeout: float = 20.0
) -> None:
    """Until the bot has confirmed these updates to Telegram (getUpdates' offset passed them)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        pending = {u.update_id for u in await telegram.updates() if not u.confirmed}
        if not pending & set(update_ids):
            return
        if loop.time() > deadline:
            raise AssertionError(f"updates {sorted(pending & set(update_ids))} never confirmed")
        await asyncio.sleep(0.05)
