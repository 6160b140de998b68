"""Load: a bare aiogram 3 echo bot and SafePerson side by side, on the Bot API emulator.

What it measures, for 50, 200 and 500 simulated people (`--sizes`):

  (a) /start, a language, an audience: 3 updates a person;
  (b) a child's whole report: /start, language, "I am a child or young person", "Yes, I am
      safe", the story, "That's all", "Skip", "No, or I am not sure", "Yes, please", "Send" and
      the receipt: 10 updates a person. An officer is enrolled, and the time from the tap on
      Send to the case's code on the officer's screen is measured (in an alert or a digest
      listing several cases, sent or edited);

each **flat out** (a person takes the next step as soon as the answer to the last one is on
their screen; in (b) everyone walks up to Send and then all tap Send together: simultaneous
reports) and **paced** (2-8 s of think time before each step, seeded random). For each:
updates/s (updates the emulator delivered and the bot confirmed), the ratio to the echo bot's,
latency p50/p95/p99 (from the send or tap to the whole answer on the person's screen, as the
emulator stores it), the bot's CPU time per update and peak RSS, and how busy the harness was.

Each bot runs in a process of its own (this file with `--serve echo|safeperson`), so CPU time
(/proc/<pid>/stat) and peak RSS (VmHWM) are the bot's alone; the emulator and the people run in
this process. Every phase starts afresh: a new emulator, bot process and database (SQLite in a
temp folder; PostgreSQL too when 127.0.0.1:5432 answers: a new database, dropped afterwards).
The echo bot answers a text with a message and a tap with answerCallbackQuery, an edit and a
message (as SafePerson does), each with a "Next" button, so people drive it through the same
texts and taps.

With `--instances 1,2,3` (off by default, so the default run keeps its length), (b) flat out
also runs on PostgreSQL with 1, 2 and 3 instances of `safeperson run --webhook` behind HAProxy
(deploy/haproxy.cfg, as tests/e2e/fleet.py starts it), sharing the database and Redis (database
11, flushed), each phase afresh; they are printed beside the polling process of the same run
(which is added if the run lacks it), with the CPU summed over the instances, each instance's
peak RSS, and per report PostgreSQL's CPU (its processes' /proc/<pid>/stat) and counters
(pg_stat_database) besides the bot's.

Last, the escalation ladder: a SQLite database filled with 100,000 pending cases of which 1,000
are due (bulk inserts into the project's tables), one pass of the ladder loop
(`bot/ladder_loop.py`: batches, each its own transaction) timed sweep by sweep, with the query
plans.

To fit a run into about 12 minutes on 2 cores, each phase measures for at most `--window`
seconds (flat (b) 1.5 times that): people still walking then are cut off, and a step still
unanswered counts as "at least" the time it waited (percentiles by Kaplan-Meier; ">" marks one
that lies beyond every answer seen). The default run does every size for SafePerson
on SQLite and for the echo bot flat out; the echo bot paced and PostgreSQL at the largest size
only (`--full-matrix` for all). Figures are printed, with the targets; nothing is asserted,
because timings belong to the machine. Everything listens on 127.0.0.1 and every wait is bounded.

    .venv/bin/python bench/bench_load.py                  # the full default run (~12 min)
    .venv/bin/python bench/bench_load.py --quick          # a smoke run (~1.5 min)
    .venv/bin/python bench/bench_load.py --sizes 500 --scenarios b --modes flat \\
        --bots echo,sqlite --window 300 --ladder-cases 0  # 500 simultaneous reports (~6 min)
    .venv/bin/python bench/bench_load.py --profile /tmp/profiles   # cProfile each bot
    .venv/bin/python bench/bench_load.py --sizes 200 --scenarios b --modes flat \\
        --bots postgres --instances 1,2,3 --window 40 --ladder-cases 0  # instances (~4 min)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import math
import os
import platform
import pstats
import random
import re
import resource
import signal
import socket
import sys
import tempfile
import threading
import time
import tomllib
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import SecretStr

from bot.logs import configure_logging

# The emulator package is loaded whole by any of its modules (its __init__), and it is small.
from emulator.client import EmulatorClient, EmulatorControlError
from emulator.server import BotApiEmulator
from emulator.signals import ChangeSignal
from emulator.state import EmulatorState, StoredMessage

# SafePerson's own modules, SQLAlchemy and asyncpg are imported where they are used, so that
# the echo bot's process carries aiogram and nothing of SafePerson.
if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.app import SafePerson
    from tests.e2e.fleet import Fleet

SCRIPT: Final = Path(__file__).resolve()
ECHO_TOKEN: Final = "100000010:BenchmarkEchoTokenForTheLocalEmulator"  # noqa: S105 - fake, local
SAFEPERSON_TOKEN: Final = "100000011:BenchmarkLoadTokenForTheLocalEmulator"  # noqa: S105 - fake
SECRET: Final = bytes(range(32))
PASSPHRASE: Final = "bench lantern quiet seven"  # noqa: S105 - a throwaway key for the benchmark
CONFIG: Final = '[organisation]\nname = "Bench"\ncountry = "RO"\n[languages]\ndefault = "en"\n'
POSTGRES_ADMIN: Final = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_BASE: Final = "postgresql+asyncpg://postgres@127.0.0.1:5432"
# The instances' shared Redis: a database number no test uses, flushed before each phase.
REDIS_URL: Final = "redis://127.0.0.1:6379/11"
# PostgreSQL's server-wide helpers (their work is shared with whatever else uses the server).
POSTGRES_BACKGROUND: Final = ("checkpointer", "background writer", "walwriter", "autovacuum")
# A backend sends its statistics (pg_stat_database) about a second after it goes idle.
STATS_FLUSH_SECONDS: Final = 1.5
BACKEND_SAMPLE_SECONDS: Final = 0.2
# SafePerson keeps to Telegram's 30 messages a second unless told otherwise; against the local
# emulator it is given its maximum, so that its own work, not a quota, is what is measured.
# Its per-chat limit (one message a second after a burst of 5) is left as in production.
SEND_RATE: Final = 1000.0
EMULATOR_CHAT_BURST: Final = 50
EMULATOR_GLOBAL_PER_SECOND: Final = 10_000.0
THINK_SECONDS: Final = (2.0, 8.0)
DEFAULT_SIZES: Final = "50,200,500"
DEFAULT_WINDOW: Final = 25.0
DEFAULT_SEED: Final = 20261207
# A filed case costs two Argon2id runs (the receipt's hash, the key that locks the reporter's
# private key); SafePerson runs at most two at a time (bot.crypto.SecretHasher).
ARGON2_PER_CASE: Final = 2
ARGON2_AT_ONCE: Final = 2
# Bounds: a bot's start, a step's answer, the officer's screen, a ladder turn, and so on.
STARTUP_LIMIT: Final = 90.0
CHILD_LIFETIME: Final = 1800.0
STOP_GRACE: Final = 3.0
STEP_LIMIT: Final = 120.0
WARM_UP_LIMIT: Final = 60.0
CONFIRM_LIMIT: Final = 5.0
OFFICER_LIMIT: Final = 30.0
LADDER_TURN_LIMIT: Final = 90.0
MAX_BATCHES: Final = 500
CREATE_CHUNK: Final = 50
NEXT: Final = "Next"
ECHO_TAP: Final = "next"

BotKind = Literal["echo", "sqlite", "postgres"]
ScenarioName = Literal["a", "b"]
Mode = Literal["flat", "paced"]
BOT_KINDS: Final[tuple[BotKind, ...]] = ("echo", "sqlite", "postgres")
BOT_NAMES: Final[dict[BotKind, str]] = {
    "echo": "echo",
    "sqlite": "SafePerson/SQLite",
    "postgres": "SafePerson/PG",
}

# The receipt: the case code and the secret word (as tests/e2e/test_reporting.py reads them).
RECEIPT: Final = re.compile(
    r"\b([A-HJ-NP-Z2-9]{6})\b.*?\b([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b", re.S
)
CODE: Final = re.compile(r"\b[A-HJ-NP-Z2-9]{6}\b")


@dataclass(frozen=True)
class Step:
    """One thing a person does: send `value`, or tap the button labelled `value`. `expect` is
    the button the answer offers (the next step's), or None for the receipt."""

    kind: Literal["text", "tap"]
    value: str
    expect: str | None


CHILD_FLOW: Final = (
    Step("text", "/start", "✓ English"),
    Step("tap", "✓ English", "I am a child or young person"),
    Step("tap", "I am a child or young person", "Yes, I am safe"),
    Step("tap", "Yes, I am safe", "That's all"),
    Step("text", "Someone at the camp scares me.", "That's all"),
    Step("tap", "That's all", "Skip"),
    Step("tap", "Skip", "No, or I am not sure"),
    Step("tap", "No, or I am not sure", "Yes, please"),
    Step("tap", "Yes, please", "Send"),
    Step("tap", "Send", None),
)
SCENARIOS: Final[dict[ScenarioName, tuple[str, tuple[Step, ...]]]] = {
    "a": ("/start + language + audience (3 updates a person)", CHILD_FLOW[:3]),
    "b": ("a child's whole report, to the receipt (10 updates a person)", CHILD_FLOW),
}


# The bots, each in its own process ---------------------------------------------------------


def _wait_for_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """The parent closes our stdin to stop us (or dies, which closes it too)."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdin.buffer.read()
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(stop.set)


async def run_until_told(work: Coroutine[Any, Any, None], ready: asyncio.Event) -> None:
    """Run `work`; say READY on stdout once `ready` is set; stop (cancel it) on EOF, SIGTERM
    or the lifetime limit."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    threading.Thread(target=_wait_for_eof, args=(loop, stop), daemon=True).start()
    task = asyncio.create_task(work)
    readiness = asyncio.create_task(ready.wait())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait(
            {task, readiness, stopping}, timeout=STARTUP_LIMIT, return_when=asyncio.FIRST_COMPLETED
        )
        if task.done():
            task.result()  # it died while starting: show why
            return
        if not ready.is_set():
            raise RuntimeError("the bot was not ready in time")
        print("READY", flush=True)
        await asyncio.wait(
            {task, stopping}, timeout=CHILD_LIFETIME, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        readiness.cancel()
        stopping.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def build_app(api_url: str, database_url: str) -> SafePerson:
    """SafePerson as `safeperson run` builds it, with the benchmark's token and secret."""
    from bot.app import build_safeperson
    from bot.settings import OrganisationConfig, Settings

    settings = Settings(
        _env_file=None,
        bot_token=SecretStr(SAFEPERSON_TOKEN),
        telegram_api_url=api_url,
        database_url=database_url,
        send_rate=SEND_RATE,
    )
    config = OrganisationConfig.model_validate(tomllib.loads(CONFIG))
    return build_safeperson(settings, config, token=SAFEPERSON_TOKEN, secret=SECRET)


async def enrol(app: SafePerson, roles: Sequence[tuple[str, int]]) -> None:
    """Staff members as `safeperson staff invite` and the enrolment in the chat make them."""
    from storage import migrate

    await migrate.upgrade(app.database)
    async with app.database.transaction():
        for role, telegram_user_id in roles:
            invitation = await app.staff.invite(role.title(), role, None)
            await app.staff.enrol(invitation.code, telegram_user_id, PASSPHRASE)


async def serve_safeperson(api_url: str, database_url: str, officer: int | None) -> None:
    from bot.app import serve

    configure_logging("WARNING")
    app = build_app(api_url, database_url)
    if officer is not None:
        await enrol(app, [("officer", officer)])
    await run_until_told(serve(app), app.ready)


def _next_button() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=NEXT, callback_data=ECHO_TAP)]]
    )


async def echo_text(message: Message) -> None:
    await message.answer(message.text or "…", reply_markup=_next_button())


async def echo_tap(query: CallbackQuery, bot: Bot) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(f"✓ {query.data}")
    await bot.send_message(query.from_user.id, "Tapped", reply_markup=_next_button())


async def serve_echo(api_url: str) -> None:
    configure_logging("WARNING")
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    bot = Bot(ECHO_TOKEN, session=session)
    dispatcher = Dispatcher()
    dispatcher.message.register(echo_text)
    dispatcher.callback_query.register(echo_tap)
    ready = asyncio.Event()

    async def started() -> None:
        ready.set()

    dispatcher.startup.register(started)
    polling = dispatcher.start_polling(bot, handle_signals=False, polling_timeout=25)
    await run_until_told(polling, ready)


def serve_main(options: argparse.Namespace) -> None:
    """A bot process. With --profile-to, SIGUSR1 starts cProfile and SIGUSR2 stops it and
    writes the stats: the parent profiles the measured window only."""
    profiler = cProfile.Profile()

    def stop_profiling() -> None:
        profiler.disable()
        profiler.dump_stats(options.profile_to)

    async def chosen() -> None:
        if options.profile_to:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGUSR1, profiler.enable)
            loop.add_signal_handler(signal.SIGUSR2, stop_profiling)
        if options.serve == "echo":
            await serve_echo(options.api_url)
        else:
            await serve_safeperson(options.api_url, options.database_url, options.officer)

    asyncio.run(chosen())


# What the parent reads of a bot process ---------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the process (all its threads), from /proc/<pid>/stat."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # Fields 14 and 15 of stat (utime, stime); the list starts at field 3.
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def harness_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class BotProcess:
    """One bot, in a subprocess of this script; stderr (its log) goes to a file."""

    arguments: list[str]
    log_path: Path
    profile_to: Path | None = None
    process: asyncio.subprocess.Process | None = None
    # How much of the log was written before the stop was asked (what stopping logs is noise).
    log_size_at_stop: int | None = None

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the bot is not running")
        return self.process.pid

    async def start(self) -> None:
        extra = ["--profile-to", str(self.profile_to)] if self.profile_to else []
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(SCRIPT),
                *self.arguments,
                *extra,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=self.log_path.parent,
            )
        if self.process.stdout is None:
            raise RuntimeError("no stdout from the bot")
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), STARTUP_LIMIT + 10)
        except TimeoutError:
            line = b""
        if line.strip() != b"READY":
            await self.stop()
            raise RuntimeError(f"the bot did not start: {self.log_tail()}")

    def pids(self) -> list[int]:
        return [self.pid]

    def side_pids(self) -> list[int]:
        return []

    def profile(self, which: signal.Signals) -> None:
        """Start (SIGUSR1) or stop and write (SIGUSR2) the bot's profile, if it keeps one."""
        if self.profile_to is not None and self.process is not None:
            self.process.send_signal(which)

    async def stop(self) -> None:
        """Ask it to stop (its stdin closes), and kill it if it has not after a short grace:
        what it still held (a backlog after a cut window) does not matter any more."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            self.log_size_at_stop = self.log_path.stat().st_size
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    def log_lines(self) -> list[str]:
        """What the bot logged until it was asked to stop."""
        try:
            logged = self.log_path.read_bytes()
        except OSError:
            return []
        return logged[: self.log_size_at_stop].decode(errors="replace").splitlines()

    def log_tail(self) -> str:
        return " | ".join(self.log_lines()[-5:]) or "(no log)"


class Driven(Protocol):
    """What a phase reads of the bot it drives: one process, or instances behind HAProxy."""

    def pids(self) -> list[int]:
        """The bot's own processes."""
        ...

    def side_pids(self) -> list[int]:
        """What stands between the emulator and the bot (HAProxy), measured apart."""
        ...

    def profile(self, which: signal.Signals) -> None: ...

    def log_tail(self) -> str: ...


@dataclass
class FleetBots:
    """SafePerson instances in webhook mode behind HAProxy (tests/e2e/fleet.py)."""

    fleet: Fleet

    def pids(self) -> list[int]:
        return [i.process.pid for i in self.fleet.instances if i.process is not None]

    def side_pids(self) -> list[int]:
        return [self.fleet.balancer.pid] if self.fleet.balancer is not None else []

    def profile(self, which: signal.Signals) -> None:
        """Not profiled: `safeperson run` has no profiling hook."""

    def log_tail(self) -> str:
        lines = [line for i in self.fleet.instances for line in i.log().splitlines()]
        return " | ".join(lines[-5:]) or "(no log)"


# The people and their phones ---------------------------------------------------------------

Want = Callable[[list[StoredMessage]], bool]


def buttons_of(message: StoredMessage) -> list[str]:
    return [str(button.get("text", "")) for row in message.buttons for button in row]


def text_of(message: StoredMessage) -> str:
    return message.text if message.text is not None else (message.caption or "")


class Phone(ChangeSignal):
    """A person's chat as the emulator stores it, watched from inside: the moment a change
    completes the expected answer is noted as the change happens."""

    def __init__(self, state: EmulatorState, user_id: int) -> None:
        super().__init__()
        self.state = state
        self.user_id = user_id
        self._want: Want | None = None
        self._seen: asyncio.Future[float] | None = None

    def notify(self) -> None:
        super().notify()
        if self._want is None or self._seen is None or self._seen.done():
            return
        if self._want(self.bot_messages()):
            self._seen.set_result(time.perf_counter())

    def newest_id(self) -> int:
        return self.state.users[self.user_id].next_message_id - 1

    def bot_messages(self) -> list[StoredMessage]:
        found = (
            self.state.messages.get((self.user_id, message_id))
            for message_id in range(1, self.newest_id() + 1)
        )
        return [m for m in found if m is not None and m.sender == "bot" and not m.deleted]

    def newest_offering(self, label: str) -> int | None:
        offering = [m.message_id for m in self.bot_messages() if label in buttons_of(m)]
        return offering[-1] if offering else None

    def receipt_code(self, after: int) -> str | None:
        for message in self.bot_messages():
            found = RECEIPT.search(text_of(message)) if message.message_id > after else None
            if found is not None:
                return found.group(1)
        return None

    def expect(self, want: Want) -> asyncio.Future[float]:
        self._want = want
        self._seen = asyncio.get_running_loop().create_future()
        return self._seen


class OfficerPhone(ChangeSignal):
    """The officer's chat: when each case code first shows in any message, sent or edited."""

    def __init__(self, state: EmulatorState, user_id: int) -> None:
        super().__init__()
        self.state = state
        self.user_id = user_id
        self.first_seen: dict[str, float] = {}
        self._scanned: dict[int, tuple[int | None, str]] = {}

    def notify(self) -> None:
        super().notify()
        now = time.perf_counter()
        user = self.state.users[self.user_id]
        for message_id in range(1, user.next_message_id):
            message = self.state.messages.get((self.user_id, message_id))
            if message is None or message.sender != "bot":
                continue
            shown = (message.edit_date, text_of(message))
            if self._scanned.get(message_id) == shown:
                continue
            self._scanned[message_id] = shown
            for code in CODE.findall(shown[1]):
                self.first_seen.setdefault(code, now)


class Gate:
    """Everyone waits here until all still walking have arrived: simultaneous Sends."""

    def __init__(self, expected: int) -> None:
        self._left = expected
        self._open = asyncio.Event()
        if expected <= 0:
            self._open.set()

    def leave(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self._open.set()

    async def arrive(self, limit: float) -> None:
        self.leave()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._open.wait(), max(0.0, limit))


@dataclass(frozen=True)
class Sample:
    """One step: seconds from the send or tap to the whole answer on the screen; `cut` when
    the answer had not come when the window closed (the seconds are then a lower bound)."""

    step: int
    seconds: float
    cut: bool = False


@dataclass
class Walk:
    """What one person went through."""

    samples: list[Sample] = field(default_factory=list)
    update_ids: list[int] = field(default_factory=list)
    first_action: float | None = None
    last_answer: float | None = None
    sent_at: float | None = None
    code: str | None = None
    error: str | None = None
    cut: bool = False
    finished: bool = False


def answered(step: Step, after: int, echo: bool) -> Want:
    """Whether the answer to `step` is complete: the newest bot message (newer than `after`)
    offers the next step's button; for Send, a receipt with the case code."""
    if echo or step.expect is not None:
        label = NEXT if echo else step.expect

        def offers(messages: list[StoredMessage]) -> bool:
            return bool(
                messages and messages[-1].message_id > after and label in buttons_of(messages[-1])
            )

        return offers

    def receipt(messages: list[StoredMessage]) -> bool:
        return any(m.message_id > after and RECEIPT.search(text_of(m)) for m in messages)

    return receipt


@dataclass(frozen=True)
class Pace:
    """Flat out, or a person's think time before each step (the first step at a random
    moment in the first interval, which spreads the starts)."""

    mode: Mode
    rng: random.Random

    def think(self, number: int) -> float:
        if self.mode == "flat":
            return 0.0
        low, high = THINK_SECONDS
        return self.rng.uniform(0.0 if number == 0 else low, high)


class WindowClosedError(Exception):
    """The phase's measuring window closed while this person was still walking."""


async def walk(
    client: EmulatorClient,
    phone: Phone,
    steps: Sequence[Step],
    *,
    echo: bool,
    pace: Pace,
    gate: Gate | None,
    deadline: float,
    index: int,
) -> Walk:
    """One person through the steps, never past `deadline` (event loop time)."""
    result = Walk()
    loop = asyncio.get_running_loop()
    at_gate = False
    number = 0

    def left() -> float:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise WindowClosedError
        return remaining

    try:
        for number, step in enumerate(steps):
            think = pace.think(number)
            if think > 0:
                await asyncio.sleep(min(think, left()))
            if gate is not None and number == len(steps) - 1:
                at_gate = True
                await gate.arrive(left())
            left()
            mark = phone.newest_id()
            seen = phone.expect(answered(step, mark, echo))
            started = time.perf_counter()
            if step.kind == "text":
                words = step.value if number == 0 else f"{step.value} ({index})"
                update_id = (await client.send_text(phone.user_id, words)).update_id
            else:
                label = NEXT if echo else step.value
                message_id = phone.newest_offering(label)
                if message_id is None:
                    raise LookupError(f"no button {label!r} on the screen")
                pressed = await client.press(
                    phone.user_id, button_text=label, message_id=message_id
                )
                update_id = pressed.update_id
            if result.first_action is None:
                result.first_action = started
            result.update_ids.append(update_id)
            if step.expect is None:
                result.sent_at = started
            try:
                arrived = await asyncio.wait_for(seen, min(STEP_LIMIT, left()))
            except TimeoutError:
                result.samples.append(Sample(number, time.perf_counter() - started, cut=True))
                raise
            result.samples.append(Sample(number, arrived - started))
            result.last_answer = arrived
            if step.expect is None and not echo:
                result.code = phone.receipt_code(mark)
        result.finished = True
    except WindowClosedError:
        result.cut = True
    except TimeoutError:
        if loop.time() >= deadline - 0.01:
            result.cut = True
        else:
            result.error = f"step {number + 1} ({steps[number].value!r}): no answer"
    except (LookupError, EmulatorControlError, aiohttp.ClientError) as exc:
        result.error = f"step {number + 1} ({steps[number].value!r}): {type(exc).__name__}"
    finally:
        if gate is not None and not at_gate:
            gate.leave()
    return result


# PostgreSQL --------------------------------------------------------------------------------


async def postgres_answers() -> bool:
    import asyncpg

    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1.0):
            pass
        connection = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


@contextlib.asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A new database on the local server, dropped afterwards."""
    import asyncpg

    name = f"safeperson_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"{POSTGRES_BASE}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


@dataclass(frozen=True)
class ServerUsage:
    """PostgreSQL's work: CPU seconds of the backends serving one database and of the
    server-wide helpers (WAL writer, checkpointer, ...), and that database's counters."""

    backend_cpu: float
    background_cpu: float
    commits: int
    rows_written: int
    rows_read: int


def postgres_processes(database: str) -> tuple[list[int], list[int]]:
    """The server's processes by their titles ("postgres: 15/main: user database host
    state"): the backends serving `database`, and the server-wide helpers."""
    backends: list[int] = []
    background: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        if not title.startswith("postgres: "):
            continue
        if f" {database} " in title:
            backends.append(int(entry.name))
        elif any(f": {helper}" in title for helper in POSTGRES_BACKGROUND):
            background.append(int(entry.name))
    return backends, background


def total_cpu(pids: Sequence[int]) -> float:
    """CPU seconds of these processes, summed; one that has ended counts nothing."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


class BackendWatch:
    """The CPU time of the backends serving one database, read a few times a second: the
    pool closes its overflow connections as it goes, and a backend that has ended takes its
    CPU time with it, so each counts what it had used when last seen."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    def sample(self, *, starting: bool = False) -> None:
        for pid in postgres_processes(self.database)[0]:
            with contextlib.suppress(OSError):
                used = cpu_seconds(pid)
                # One born after the start counts all it has used.
                self.first.setdefault(pid, used if starting else 0.0)
                self.last[pid] = used

    def start(self, until: float) -> None:
        """Sample until stopped, or until `until` (event loop time) if the phase fails."""
        self.sample(starting=True)
        self._task = asyncio.create_task(self._watch(until))

    async def _watch(self, until: float) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            await asyncio.sleep(BACKEND_SAMPLE_SECONDS)
            self.sample()

    async def stop(self) -> float:
        """CPU seconds the backends used since the start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


async def server_usage(database: str) -> ServerUsage:
    """The backends' CPU here is a snapshot (BackendWatch follows them through a phase)."""
    import asyncpg

    backends, background = postgres_processes(database)
    connection = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
    try:
        row = await connection.fetchrow(
            "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted AS written, "
            "tup_returned AS read FROM pg_stat_database WHERE datname = $1",
            database,
        )
    finally:
        await connection.close()
    return ServerUsage(
        total_cpu(backends),
        total_cpu(background),
        int(row["xact_commit"]) if row else 0,
        int(row["written"]) if row else 0,
        int(row["read"]) if row else 0,
    )


# One phase: one bot, one scenario, one mode, one number of people -------------------------


@dataclass(frozen=True)
class PhaseSpec:
    bot: BotKind
    scenario: ScenarioName
    mode: Mode
    people: int
    # 0: one process polling; N: N webhook instances behind HAProxy (PostgreSQL and Redis).
    instances: int = 0

    @property
    def setup(self) -> str:
        if self.instances:
            return f"{BOT_NAMES[self.bot]} x{self.instances} webhook"
        return BOT_NAMES[self.bot]

    @property
    def name(self) -> str:
        return f"{self.setup} ({self.scenario}) {self.mode} {self.people}"


@dataclass
class PhaseResult:
    spec: PhaseSpec
    window: float
    walks: list[Walk] = field(default_factory=list)
    updates: int = 0
    confirmed: int = 0
    wall: float = math.nan
    cut: bool = False
    bot_cpu: float = math.nan
    peak_rss: float = math.nan
    # Each bot process's peak RSS (one, or one an instance).
    rss: list[float] = field(default_factory=list)
    balancer_cpu: float = math.nan
    harness_cpu: float = math.nan
    # From the window's opening until every case was on the officer's screen: the bot's CPU
    # (all its processes) and, on PostgreSQL, the server's work for this database.
    report_cpu: float = math.nan
    server: ServerUsage | None = None
    officer: list[float] = field(default_factory=list)
    officer_missing: int = 0
    deliveries: float = math.nan
    api_errors: Counter[str] = field(default_factory=Counter)
    log: Counter[str] = field(default_factory=Counter)
    failure: str | None = None
    profile: Path | None = None

    @property
    def samples(self) -> list[Sample]:
        return [sample for w in self.walks for sample in w.samples]

    @property
    def send_samples(self) -> list[Sample]:
        last = len(SCENARIOS[self.spec.scenario][1]) - 1
        return [s for s in self.samples if s.step == last]

    @property
    def errors(self) -> list[str]:
        return [w.error for w in self.walks if w.error]

    @property
    def finished(self) -> int:
        return sum(1 for w in self.walks if w.finished)

    @property
    def sends(self) -> int:
        return sum(1 for w in self.walks if w.sent_at is not None)

    @property
    def rate(self) -> float:
        return self.confirmed / self.wall if self.wall > 0 else math.nan

    @property
    def steps_reached(self) -> float:
        """How many steps a person had taken on average (answered or not)."""
        return sum(len(w.update_ids) for w in self.walks) / len(self.walks) if self.walks else 0


@dataclass(frozen=True)
class Options:
    bots: tuple[BotKind, ...]
    sizes: tuple[int, ...]
    window: float
    full_matrix: bool
    seed: int
    ladder_cases: int
    ladder_due: int
    profile_dir: Path | None
    instances: tuple[int, ...] = ()


def window_for(spec: PhaseSpec, options: Options) -> float:
    """Flat (b) walks everyone up to Send first: it gets half as long again."""
    return options.window * (1.5 if spec.scenario == "b" and spec.mode == "flat" else 1.0)


def bot_arguments(spec: PhaseSpec, api_url: str, database_url: str, officer: int) -> list[str]:
    if spec.bot == "echo":
        return ["--serve", "echo", "--api-url", api_url]
    return [
        "--serve",
        "safeperson",
        "--api-url",
        api_url,
        "--database-url",
        database_url,
        "--officer",
        str(officer),
    ]


@contextlib.asynccontextmanager
async def database_for(spec: PhaseSpec, folder: Path) -> AsyncIterator[str]:
    if spec.bot == "postgres":
        async with fresh_postgres() as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{folder / 'safeperson.db'}"


async def create_people(client: EmulatorClient, count: int, prefix: str) -> list[int]:
    ids: list[int] = []
    for start in range(0, count, CREATE_CHUNK):
        made = await asyncio.gather(
            *(
                client.create_user(first_name=f"{prefix}{i}", language_code="en")
                for i in range(start, min(count, start + CREATE_CHUNK))
            )
        )
        ids.extend(user.user_id for user in made)
    return ids


async def run_phase(spec: PhaseSpec, options: Options, folder: Path) -> PhaseResult:
    result = PhaseResult(spec, window_for(spec, options))
    emulator = BotApiEmulator(
        per_chat_burst=EMULATOR_CHAT_BURST,
        global_per_second=EMULATOR_GLOBAL_PER_SECOND,
        rng=random.Random(options.seed),  # noqa: S311 - ids only, seeded for repeatability
    )
    api_url = await emulator.start(host="127.0.0.1")
    profile_to = None
    if options.profile_dir is not None:
        profile_to = options.profile_dir / f"{spec.bot}-{spec.scenario}-{spec.mode}-{spec.people}"
    try:
        async with (
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
            database_for(spec, folder) as database_url,
        ):
            client = EmulatorClient(api_url, session=session)
            officer_user = await client.create_user(first_name="Officer", language_code="en")
            officer = OfficerPhone(emulator.state, officer_user.user_id)
            emulator.state.users[officer_user.user_id].screen_changed = officer
            bot = BotProcess(
                bot_arguments(spec, api_url, database_url, officer_user.user_id),
                folder / f"{spec.bot}.log",
                profile_to,
            )
            await bot.start()
            database = database_name(database_url) if spec.bot == "postgres" else None
            try:
                await drive(
                    spec, options.seed, client, emulator.state, officer, bot, result, database
                )
            finally:
                await bot.stop()
                result.log = summarise_log(bot.log_lines())
                result.profile = profile_to
    except Exception as exc:
        result.failure = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        await emulator.stop()
    return result


async def flush_redis() -> None:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


async def run_fleet_phase(spec: PhaseSpec, options: Options, folder: Path) -> PhaseResult:
    """As run_phase, with `spec.instances` webhook instances of `safeperson run` behind
    HAProxy on a new PostgreSQL database and a flushed Redis database."""
    from tests.e2e.fleet import Fleet

    result = PhaseResult(spec, window_for(spec, options))
    emulator = BotApiEmulator(
        per_chat_burst=EMULATOR_CHAT_BURST,
        global_per_second=EMULATOR_GLOBAL_PER_SECOND,
        rng=random.Random(options.seed),  # noqa: S311 - ids only, seeded for repeatability
    )
    api_url = await emulator.start(host="127.0.0.1")
    try:
        async with (
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
            fresh_postgres() as database_url,
        ):
            await flush_redis()
            client = EmulatorClient(api_url, session=session)
            officer_user = await client.create_user(first_name="Officer", language_code="en")
            officer = OfficerPhone(emulator.state, officer_user.user_id)
            emulator.state.users[officer_user.user_id].screen_changed = officer
            # The officer is enrolled (and the schema made) here, before any instance starts.
            app = build_app(api_url, database_url)
            try:
                await enrol(app, [("officer", officer_user.user_id)])
            finally:
                await app.close()
            fleet = Fleet(
                api_url=api_url,
                folder=folder,
                secret=SECRET,
                database_url=database_url,
                redis_url=REDIS_URL,
                size=spec.instances,
                config_toml=CONFIG,
                # As the single bot process runs: warnings and errors only.
                environment={"SAFEPERSON_LOG_LEVEL": "WARNING"},
            )
            try:
                await fleet.start()
                await drive(
                    spec,
                    options.seed,
                    client,
                    emulator.state,
                    officer,
                    FleetBots(fleet),
                    result,
                    database_name(database_url),
                )
            finally:
                logs = await fleet.stop()
                result.log = summarise_log([line for log in logs for line in log.splitlines()])
    except Exception as exc:
        result.failure = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        await emulator.stop()
    return result


async def drive(
    spec: PhaseSpec,
    seed: int,
    client: EmulatorClient,
    state: EmulatorState,
    officer: OfficerPhone,
    bot: Driven,
    result: PhaseResult,
    database: str | None = None,
) -> None:
    """The people through the scenario; with `database`, PostgreSQL's work for it too."""
    echo = spec.bot == "echo"
    steps = SCENARIOS[spec.scenario][1]
    ids = await create_people(client, spec.people + 1, "P")
    phones = [Phone(state, user_id) for user_id in ids]
    for phone in phones:
        state.users[phone.user_id].screen_changed = phone
    loop = asyncio.get_running_loop()
    # Warm-up, not counted: one person's first three steps (connections, catalogs, caches).
    warm = await walk(
        client,
        phones[0],
        CHILD_FLOW[:3],
        echo=echo,
        pace=Pace("flat", random.Random(0)),  # noqa: S311 - think times, not secrets
        gate=None,
        deadline=loop.time() + WARM_UP_LIMIT,
        index=-1,
    )
    if not warm.finished:
        raise RuntimeError(f"the warm-up person failed ({warm.error}): {bot.log_tail()}")

    people = phones[1:]
    gate = Gate(len(people)) if spec.scenario == "b" and spec.mode == "flat" else None
    server_before = await server_usage(database) if database else None
    backends = BackendWatch(database) if database else None
    deadline = loop.time() + result.window
    if backends is not None:
        backends.start(deadline + CONFIRM_LIMIT + OFFICER_LIMIT + STOP_GRACE)
    bot.profile(signal.SIGUSR1)
    cpu_before, harness_before = total_cpu(bot.pids()), harness_cpu()
    side_before = total_cpu(bot.side_pids())
    began = time.perf_counter()
    walks = await asyncio.gather(
        *(
            walk(
                client,
                phone,
                steps,
                echo=echo,
                pace=Pace(spec.mode, random.Random(seed * 1000 + index)),  # noqa: S311
                gate=gate,
                deadline=deadline,
                index=index,
            )
            for index, phone in enumerate(people)
        )
    )
    ended = time.perf_counter()
    result.bot_cpu = total_cpu(bot.pids()) - cpu_before
    result.harness_cpu = harness_cpu() - harness_before
    if bot.side_pids():
        result.balancer_cpu = total_cpu(bot.side_pids()) - side_before
    bot.profile(signal.SIGUSR2)
    result.walks = list(walks)
    result.cut = any(w.cut for w in walks)
    update_ids = {u for w in walks for u in w.update_ids}
    result.updates = len(update_ids)
    if result.cut:
        # The bot goes on with its backlog: count what it had confirmed when the window closed.
        result.wall = ended - began
        result.confirmed = count_confirmed_now(state, update_ids)
    else:
        starts = [w.first_action for w in walks if w.first_action is not None]
        ends = [w.last_answer for w in walks if w.last_answer is not None]
        result.wall = max(ends) - min(starts) if starts and ends else math.nan
        result.confirmed = await count_confirmed(state, update_ids)
    ours = [u for u in state.updates if u.update_id in update_ids]
    result.deliveries = sum(u.delivered_count for u in ours) / len(ours) if ours else math.nan
    if not echo and spec.scenario == "b":
        await see_officer(officer, walks, result)
    result.report_cpu = total_cpu(bot.pids()) - cpu_before
    if database and server_before is not None and backends is not None:
        # The CPU times now; the counters once the backends have gone idle and sent them.
        backend_cpu = await backends.stop()
        cpu_now = await server_usage(database)
        await asyncio.sleep(STATS_FLUSH_SECONDS)
        counted = await server_usage(database)
        result.server = ServerUsage(
            backend_cpu,
            cpu_now.background_cpu - server_before.background_cpu,
            counted.commits - server_before.commits,
            counted.rows_written - server_before.rows_written,
            counted.rows_read - server_before.rows_read,
        )
    result.rss = [peak_rss_mib(pid) for pid in bot.pids()]
    result.peak_rss = max(result.rss, default=math.nan)
    result.api_errors = Counter(
        f"{call.method} {call.status}" for call in state.calls if call.status >= 400
    )


def count_confirmed_now(state: EmulatorState, update_ids: set[int]) -> int:
    return sum(1 for u in state.updates if u.update_id in update_ids and u.confirmed)


async def count_confirmed(state: EmulatorState, update_ids: set[int]) -> int:
    """The updates the bot confirmed (it asked past them), waiting briefly for the last."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + CONFIRM_LIMIT
    while True:
        confirmed = count_confirmed_now(state, update_ids)
        if confirmed >= len(update_ids) or loop.time() >= give_up:
            return confirmed
        await asyncio.sleep(0.05)


async def see_officer(officer: OfficerPhone, walks: Sequence[Walk], result: PhaseResult) -> None:
    """Wait (bounded) until every case code is on the officer's screen; note how long each
    took from the tap on Send."""
    sent = {w.code: w.sent_at for w in walks if w.code is not None and w.sent_at is not None}
    loop = asyncio.get_running_loop()
    give_up = loop.time() + OFFICER_LIMIT
    while any(code not in officer.first_seen for code in sent) and loop.time() < give_up:
        await officer.wait_at_most(give_up - loop.time())
    seen = officer.first_seen
    result.officer = [seen[code] - at for code, at in sent.items() if code in seen]
    result.officer_missing = sum(1 for code in sent if code not in seen)


def summarise_log(lines: list[str]) -> Counter[str]:
    """The bot's warnings and errors, without their timestamps, counted."""
    found: Counter[str] = Counter()
    for line in lines:
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[2] in {"WARNING", "ERROR", "CRITICAL"}:
            found[f"{parts[2]} {parts[3][:160]}"] += 1
        elif "Traceback" in line or line.startswith(("Error", "RuntimeError")):
            found[line[:160]] += 1
    return found


async def argon2_seconds() -> float:
    """Wall time per Argon2id run when SafePerson's hasher runs them two at a time."""
    from bot.clock import SystemRandom
    from bot.crypto import SecretHasher

    hasher = SecretHasher(SystemRandom())
    await hasher.hash("warm-up1")
    began = time.perf_counter()
    await asyncio.gather(*(hasher.hash("K7P4Q9XM") for _ in range(8)))
    return (time.perf_counter() - began) / 8


# The escalation ladder's sweep on a big database -------------------------------------------


@dataclass
class Sweep:
    """One sweep function in one turn of the ladder loop: its batches (transactions)."""

    name: str
    batches: int = 0
    seconds: float = 0.0
    longest: float = 0.0
    statements: int = 0
    cases: int = 0
    finished: bool = True


@dataclass
class LadderResult:
    cases: int
    due: int
    fill_seconds: float = math.nan
    turns: list[tuple[str, list[Sweep]]] = field(default_factory=list)
    plans: list[tuple[str, list[str]]] = field(default_factory=list)
    failure: str | None = None

    def turn_seconds(self, index: int) -> float:
        if index >= len(self.turns):
            return math.nan
        return sum(sweep.seconds for sweep in self.turns[index][1])


class StatementLog:
    """The SQL the sweeps sent (every statement, with its parameters)."""

    def __init__(self, engine: Engine) -> None:
        from sqlalchemy import event

        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any
    ) -> None:
        self.statements.append((statement, parameters))


def case_rows(
    count: int, due: int, members: list[int], now: datetime
) -> Iterator[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    """Pending cases, all waiting for an acknowledgement: `due` of them due now (an alert round
    and a reminder), the rest with their next alert and next reminder still ahead."""
    picker = random.Random(7)  # noqa: S311 - the spread of times, not a secret
    for number in range(1, count + 1):
        if number <= due:
            received = now - timedelta(hours=23, minutes=30)
            next_alert = now - timedelta(seconds=picker.uniform(1, 600))
            next_reminder = now - timedelta(seconds=1)
        else:
            received = now - timedelta(minutes=picker.uniform(1, 11 * 60))
            next_alert = now + timedelta(minutes=picker.uniform(1, 30))
            next_reminder = received + timedelta(hours=12)
        case = {
            "id": number,
            "kind": "concern",
            "code": f"L{number:07d}",
            "audience": "child",
            "urgency": "urgent",
            "category": None,
            "activity": None,
            "about_officer": False,
            "wants_reply": False,
            "status": "alerted",
            "received_at": received,
            "deadline_at": received + timedelta(hours=24),
            "updated_at": received,
            "receipt_hash": "$argon2id$bench",
            "submission_key": f"bench-submission-{number}",
            "tier": 0,
            "alert_round": 1,
            "next_alert_at": next_alert,
            "next_reminder_at": next_reminder,
        }
        entry = {
            "id": number,
            "case_id": number,
            "token": f"bench-entry-{number}",
            "kind": "report",
            "author": "reporter",
            "suite": "bench",
            "format_version": 1,
            "nonce": b"n" * 12,
            "ciphertext": b"c" * 64,
            "created_at": received,
        }
        # Only the due cases' readers are ever looked up; the others' keys would only take time.
        keys = [
            {"entry_id": number, "reader_id": m, "wrapped_key": b"k" * 32}
            for m in (members if number <= due else [])
        ]
        yield case, entry, keys


def fill_cases(engine: Engine, count: int, due: int, members: list[int], now: datetime) -> None:
    from sqlalchemy import insert

    from storage.models import CaseEntry, EntryKey, ReportCase

    chunk: list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]] = []

    def flush() -> None:
        with engine.begin() as connection:
            connection.execute(insert(ReportCase), [c for c, _, _ in chunk])
            connection.execute(insert(CaseEntry), [e for _, e, _ in chunk])
            keys = [k for _, _, ks in chunk for k in ks]
            if keys:
                connection.execute(insert(EntryKey), keys)
        chunk.clear()

    for rows in case_rows(count, due, members, now):
        chunk.append(rows)
        if len(chunk) >= 5000:
            flush()
    if chunk:
        flush()


def backdate_pending(engine: Engine, due: int, members: list[int], now: datetime) -> int:
    """Turn the pending cases into older ones: acknowledged, still being assessed, the report
    deadline long past and the board's breach alert sent back then (its outbox row exists),
    no reminder left. Nothing about them is due; return how many."""
    from sqlalchemy import insert, text, update

    from bot.clock import SystemRandom
    from bot.contexts import Label
    from bot.server_keys import ServerKeys
    from storage.models import OutboxMessage, ReportCase

    keys = ServerKeys(SECRET, SystemRandom())
    then = now - timedelta(days=3)
    with engine.begin() as connection:
        board = [
            int(row[0])
            for row in connection.execute(text("SELECT id FROM staff_member WHERE role = 'board'"))
        ]
        connection.execute(
            update(ReportCase)
            .where(ReportCase.id > due)
            .values(
                status="assessing",
                deadline_at=then,
                next_alert_at=None,
                next_reminder_at=None,
                acknowledged_by=members[0],
                acknowledged_at=then,
            )
        )
        older = connection.execute(
            text("SELECT code FROM report_case WHERE id > :due"), {"due": due}
        )
        codes = [str(row[0]) for row in older]
        rows = [
            {
                "priority": 1,
                "route": b"r",
                "payload": b"p",
                "dedupe_key": keys.key_id(Label.OUTBOX, f"breach|{code}|{member}"),
                "status": "sent",
                "not_before": then,
                "attempts": 1,
                "created_at": then,
                "sent_at": then,
            }
            for code in codes
            for member in board
        ]
        for start in range(0, len(rows), 5000):
            connection.execute(insert(OutboxMessage), rows[start : start + 5000])
    return len(codes)


async def ladder_turn(app: SafePerson, log: StatementLog) -> list[Sweep]:
    """One pass of the ladder loop (`bot/ladder_loop.py`), timed sweep by sweep: each sweep in
    batches, each batch its own transaction, until a batch comes back short (Telegram's
    shown-message deletions left out: they call Telegram)."""
    from bot.app import ladder_sweeps
    from bot.deadlines import SWEEP_BATCH

    loop = asyncio.get_running_loop()
    give_up = loop.time() + LADDER_TURN_LIMIT
    sweeps: list[Sweep] = []
    for name, sweep in ladder_sweeps(app):
        timing = Sweep(name)
        before = len(log.statements)
        while True:
            if timing.batches >= MAX_BATCHES or loop.time() >= give_up:
                timing.finished = False
                break
            began = time.perf_counter()
            try:
                async with asyncio.timeout(give_up - loop.time()), app.database.transaction():
                    looked_at = await sweep()
            except TimeoutError:
                timing.finished = False
                break
            finally:
                took = time.perf_counter() - began
                timing.seconds += took
                timing.longest = max(timing.longest, took)
                timing.batches += 1
            timing.cases += looked_at
            if looked_at < SWEEP_BATCH:
                break
        timing.statements = len(log.statements) - before
        sweeps.append(timing)
    return sweeps


def query_plans(engine: Engine, statements: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    """EXPLAIN QUERY PLAN of each distinct SELECT a turn ran, with how often it ran."""
    counts = Counter(statement for statement, _ in statements)
    plans: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    with engine.connect() as connection:
        for statement, parameters in statements:
            if statement in seen or not statement.lstrip().upper().startswith("SELECT"):
                continue
            seen.add(statement)
            if "take the write lock" in statement:
                continue
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            one_line = " ".join(statement.split())
            if one_line.startswith("SELECT") and " FROM " in one_line:
                # The column list says little; what is asked of which table says it all.
                one_line = "SELECT ... FROM " + one_line.split(" FROM ", 1)[1]  # noqa: S608 - shown
            plans.append((f"{counts[statement]:>5} x {one_line[:140]}", [str(r[3]) for r in rows]))
    return plans


async def run_ladder_bench(cases: int, due: int, folder: Path) -> LadderResult:
    from sqlalchemy import create_engine, text

    result = LadderResult(cases, due)
    path = folder / "ladder.db"
    # Nothing is sent: the alerts only go into the outbox.
    app = build_app("http://127.0.0.1:9", f"sqlite+aiosqlite:///{path}")
    sync = create_engine(f"sqlite:///{path}")
    try:
        roles = ("officer", "deputy", "board")
        await enrol(app, [(role, 7_100_000_000 + n) for n, role in enumerate(roles)])
        with sync.connect() as connection:
            members = [int(r[0]) for r in connection.execute(text("SELECT id FROM staff_member"))]
        now = datetime.now(UTC)
        began = time.perf_counter()
        fill_cases(sync, cases, due, members, now)
        result.fill_seconds = time.perf_counter() - began
        log = StatementLog(app.database.engine.sync_engine)
        result.turns.append((f"{due:,} due", await ladder_turn(app, log)))
        result.plans = query_plans(sync, log.statements)
        result.turns.append(("the next turn, nothing due", await ladder_turn(app, log)))
        older = backdate_pending(sync, due, members, now)
        result.turns.append(
            (
                f"{older:,} of them older: acknowledged, past the deadline, breach sent",
                await ladder_turn(app, log),
            )
        )
    except Exception as exc:
        result.failure = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        sync.dispose()
        await app.close()
    return result


# Figures -----------------------------------------------------------------------------------


def percentile(samples: Sequence[Sample], q: float) -> tuple[float, bool]:
    """The q-quantile of the step times, by Kaplan-Meier: a step still unanswered when the
    window closed counts as "at least what it waited", no more. With no such steps this is the
    nearest rank. True with it when the quantile lies beyond every answer seen (the value is
    then the longest wait: a lower bound)."""
    if not samples:
        return math.nan, False
    # At equal times, answers before cut-offs (the usual convention).
    ordered = sorted(samples, key=lambda sample: (sample.seconds, sample.cut))
    at_risk = len(ordered)
    surviving = 1.0
    for sample in ordered:
        if not sample.cut:
            surviving *= 1 - 1 / at_risk
            if 1 - surviving >= q - 1e-9:
                return sample.seconds, False
        at_risk -= 1
    return ordered[-1].seconds, True


def ms(seconds: float, at_least: bool = False) -> str:
    if math.isnan(seconds):
        return "-"
    return f"{'>' if at_least else ''}{seconds * 1000:,.0f}"


def pct_ms(samples: Sequence[Sample], q: float) -> str:
    return ms(*percentile(samples, q))


def number(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:,.{digits}f}"


def echo_of(results: Sequence[PhaseResult], spec: PhaseSpec) -> PhaseResult | None:
    for result in results:
        other = result.spec
        if (other.bot, other.scenario, other.mode, other.people) == (
            "echo",
            spec.scenario,
            spec.mode,
            spec.people,
        ):
            return result
    return None


def vs_echo(results: Sequence[PhaseResult], result: PhaseResult) -> float:
    echo = echo_of(results, result.spec)
    if result.spec.bot == "echo" or echo is None or not echo.rate > 0:
        return math.nan
    return result.rate / echo.rate


def print_table(rows: list[list[str]], right: set[int]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        print("  " + "  ".join(cells).rstrip())


def print_load(results: Sequence[PhaseResult], scenario: ScenarioName, mode: Mode) -> None:
    chosen = [r for r in results if r.spec.scenario == scenario and r.spec.mode == mode]
    if not chosen:
        return
    how = "flat out" if mode == "flat" else "paced, 2-8 s of think time before each step"
    print(f"\n({scenario}) {SCENARIOS[scenario][0]}: {how}")
    header = ["bot", "people", "done", "updates", "wall s", "upd/s", "vs echo"]
    header += ["p50 ms", "p95 ms", "p99 ms", "max ms", "CPU ms/upd", "bot CPU%", "RSS MiB"]
    header += ["harness CPU%", "errors"]
    rows = [header]
    for r in chosen:
        if r.failure:
            rows.append([BOT_NAMES[r.spec.bot], str(r.spec.people), "failed"] + ["-"] * 13)
            continue
        samples = r.samples
        ratio = vs_echo(results, r)
        longest = max(samples, key=lambda s: s.seconds) if samples else None
        rows.append(
            [
                BOT_NAMES[r.spec.bot],
                str(r.spec.people),
                f"{r.finished}/{r.spec.people}",
                f"{r.confirmed:,}",
                f"{number(r.wall)}{' cut' if r.cut else ''}",
                number(r.rate),
                "-" if math.isnan(ratio) else f"{ratio:.0%}",
                pct_ms(samples, 0.50),
                pct_ms(samples, 0.95),
                pct_ms(samples, 0.99),
                ms(longest.seconds, longest.cut) if longest else "-",
                number(r.bot_cpu / r.confirmed * 1000 if r.confirmed else math.nan, 1),
                number(r.bot_cpu / r.wall * 100 if r.wall > 0 else math.nan, 0),
                number(r.peak_rss, 0),
                number(r.harness_cpu / r.wall * 100 if r.wall > 0 else math.nan, 0),
                str(len(r.errors)),
            ]
        )
    print_table(rows, right=set(range(1, len(header))))
    if scenario == "b":
        print_officer([r for r in chosen if not r.failure])


def per(total: float, count: int, scale: float = 1.0, digits: int = 1) -> str:
    return number(total / count * scale, digits) if count and not math.isnan(total) else "-"


def print_instances(results: Sequence[PhaseResult], fleet: Sequence[PhaseResult]) -> None:
    """Each (b) flat phase with webhook instances beside the polling process on PostgreSQL."""
    if not fleet:
        return
    print(
        f"\n(b) {SCENARIOS['b'][0]}, flat out, on PostgreSQL: one process polling, and N "
        "instances in webhook mode behind HAProxy sharing the database and Redis"
    )
    print(
        f"  These machines have {os.cpu_count()} CPU cores: the instances compete with each "
        "other, HAProxy, the emulator and the simulated people (this process) and PostgreSQL "
        "for the same cores, so scaling is bounded by that, not by the instances."
    )
    chosen = [
        r
        for people in sorted({r.spec.people for r in fleet})
        for r in [*results, *fleet]
        if (r.spec.bot, r.spec.scenario, r.spec.mode, r.spec.people)
        == ("postgres", "b", "flat", people)
    ]
    header = ["setup", "people", "done", "updates", "wall s", "upd/s", "vs 1 process"]
    header += ["p50 ms", "p95 ms", "p99 ms", "CPU ms/upd", "bot CPU%", "RSS MiB each"]
    header += ["HAProxy CPU ms/upd", "harness CPU%", "errors"]
    rows = [header]
    for r in chosen:
        if r.failure:
            rows.append([r.spec.setup, str(r.spec.people), "failed"] + ["-"] * 13)
            continue
        baseline = phase(results, "postgres", "b", "flat", r.spec.people)
        ratio = r.rate / baseline.rate if baseline is not None and baseline.rate > 0 else math.nan
        rows.append(
            [
                r.spec.setup if r.spec.instances else f"{r.spec.setup} polling",
                str(r.spec.people),
                f"{r.finished}/{r.spec.people}",
                f"{r.confirmed:,}",
                f"{number(r.wall)}{' cut' if r.cut else ''}",
                number(r.rate),
                "-" if math.isnan(ratio) else f"{ratio:.2f}x",
                pct_ms(r.samples, 0.50),
                pct_ms(r.samples, 0.95),
                pct_ms(r.samples, 0.99),
                per(r.bot_cpu, r.confirmed, 1000),
                number(r.bot_cpu / r.wall * 100 if r.wall > 0 else math.nan, 0),
                " ".join(number(rss, 0) for rss in r.rss) or "-",
                per(r.balancer_cpu, r.confirmed, 1000),
                number(r.harness_cpu / r.wall * 100 if r.wall > 0 else math.nan, 0),
                str(len(r.errors)),
            ]
        )
    print_table(rows, right=set(range(1, len(header))))
    print(
        "  CPU ms/upd and bot CPU%: the instances' CPU time summed (/proc/<pid>/stat) over the "
        "window, per update confirmed; RSS: each instance's peak."
    )
    print(
        "\n  Per report, from the window's opening until every case was on the officer's "
        "screen: the bot's CPU (instances summed), PostgreSQL's backends serving the bench's "
        "database, the server-wide helpers (WAL writer, checkpointer, background writer, "
        "autovacuum: shared with anything else using the server), and that database's "
        "counters (pg_stat_database)."
    )
    header = ["setup", "people", "reports", "Send->officer p99 ms", "bot CPU ms/report"]
    header += ["PG backends CPU ms/report", "PG helpers CPU ms/report", "commits/report"]
    header += ["rows written/report", "rows read/report"]
    rows = [header]
    for r in chosen:
        if r.failure:
            continue
        reports = sum(1 for w in r.walks if w.code is not None)
        server = r.server
        rows.append(
            [
                r.spec.setup,
                str(r.spec.people),
                f"{reports}{' (cut)' if r.cut else ''}",
                pct_ms([Sample(0, seconds) for seconds in r.officer], 0.99),
                per(r.report_cpu, reports, 1000),
                per(server.backend_cpu, reports, 1000) if server else "-",
                per(server.background_cpu, reports, 1000) if server else "-",
                per(server.commits, reports) if server else "-",
                per(server.rows_written, reports) if server else "-",
                per(server.rows_read, reports, 1, 0) if server else "-",
            ]
        )
    print_table(rows, right=set(range(1, len(header))))
    if any(r.cut for r in chosen):
        print(
            "  (cut): the window closed before everyone had sent; the work of the walks cut "
            "short is in the figures too, so a cut phase's per-report cost is overstated."
        )


def print_officer(chosen: Sequence[PhaseResult]) -> None:
    header = ["bot", "people", "tapped Send", "Send->receipt p50 ms", "p99 ms"]
    header += ["Send->officer p50 ms", "p95 ms", "p99 ms", "max ms", "cases seen"]
    rows = [header]
    for r in chosen:
        sends = r.send_samples
        officer = [Sample(0, seconds) for seconds in r.officer]
        echo = r.spec.bot == "echo"
        rows.append(
            [
                BOT_NAMES[r.spec.bot],
                str(r.spec.people),
                str(r.sends),
                pct_ms(sends, 0.50),
                pct_ms(sends, 0.99),
                *(
                    ["-"] * 4
                    if echo
                    else [
                        pct_ms(officer, 0.50),
                        pct_ms(officer, 0.95),
                        pct_ms(officer, 0.99),
                        ms(max(r.officer) if r.officer else math.nan),
                    ]
                ),
                "-" if echo else f"{len(r.officer)}/{len(r.officer) + r.officer_missing}",
            ]
        )
    print_table(rows, right=set(range(1, len(header))))


def print_notes(results: Sequence[PhaseResult]) -> None:
    lines: list[str] = []
    for r in results:
        if r.failure:
            lines.append(f"{r.spec.name}: the phase failed: {r.failure}")
        if r.cut:
            lines.append(
                f"{r.spec.name}: window closed after {r.window:.0f} s with "
                f"{r.spec.people - r.finished - len(r.errors)} people still walking; "
                f"{r.steps_reached:.1f} of {len(SCENARIOS[r.spec.scenario][1])} steps taken "
                f"on average, {r.sends} Sends"
            )
        if r.errors:
            first = Counter(r.errors).most_common(2)
            lines.append(f"{r.spec.name}: {len(r.errors)} people stopped: {first}")
        if r.api_errors:
            lines.append(f"{r.spec.name}: Bot API errors: {dict(r.api_errors.most_common(4))}")
        for line, count in r.log.most_common(3):
            lines.append(f"{r.spec.name}: bot log, {count} times: {line}")
    redelivered = [
        f"{r.spec.name} {r.deliveries:.0f}"
        for r in results
        if not math.isnan(r.deliveries) and r.deliveries >= 1.5
    ]
    if redelivered:
        lines.append(
            "getUpdates answers carried each update this many times on average (an update "
            "is sent again with every poll until confirmed): " + "; ".join(redelivered)
        )
    if lines:
        print("\nNotes")
        for line in lines:
            print(f"  - {line}")


def print_ladder(ladder: LadderResult | None) -> None:
    if ladder is None:
        return
    print(
        f"\nEscalation ladder: SQLite, {ladder.cases:,} pending cases waiting for an "
        f"acknowledgement, each with its sealed report entry, {ladder.due:,} of them due (an "
        f"alert round and a reminder; sealed for 3 readers: officer, deputy, board); filled in "
        f"{number(ladder.fill_seconds)} s. "
        "One pass of the ladder loop: each sweep in batches, each batch its own transaction."
    )
    if ladder.failure:
        print(f"  failed: {ladder.failure}")
    rows = [["turn", "sweep", "batches", "seconds", "longest batch s", "statements", "cases"]]
    for turn, sweeps in ladder.turns:
        for sweep in sweeps:
            rows.append(
                [
                    turn,
                    sweep.name,
                    str(sweep.batches),
                    f"{sweep.seconds:.3f}{'' if sweep.finished else ' (cut)'}",
                    f"{sweep.longest:.3f}",
                    f"{sweep.statements:,}",
                    f"{sweep.cases:,}",
                ]
            )
            turn = ""
    print_table(rows, right={2, 3, 4, 5, 6})
    if ladder.plans:
        print("  EXPLAIN QUERY PLAN of each SELECT of the first turn (times run x statement):")
        for statement, plan in ladder.plans:
            print(f"    {statement}")
            for line in plan:
                print(f"        {line}")


def verdict(met: bool, how: str) -> str:
    return f"{'MET' if met else 'NOT MET'}: {how}"


def phase(
    results: Sequence[PhaseResult], bot: BotKind, scenario: ScenarioName, mode: Mode, people: int
) -> PhaseResult | None:
    for r in results:
        if (r.spec.bot, r.spec.scenario, r.spec.mode, r.spec.people) == (
            bot,
            scenario,
            mode,
            people,
        ) and not r.failure:
            return r
    return None


def print_targets(
    results: Sequence[PhaseResult],
    ladder: LadderResult | None,
    sizes: Sequence[int],
    argon2: float,
) -> None:
    print("\nTargets")
    top = max(sizes) if sizes else 0
    at = "" if top == 500 else f" (largest size run: {top}, not 500)"
    for bot in ("sqlite", "postgres"):
        if not any(r.spec.bot == bot for r in results):
            continue
        name = BOT_NAMES[bot]
        ratios = []
        for people in sizes:
            flat = phase(results, bot, "b", "flat", people)
            if flat is not None and not math.isnan(vs_echo(results, flat)):
                how = "cut" if flat.cut else "whole flows"
                ratios.append(f"{people}: {vs_echo(results, flat):.0%} ({how})")
        flat = phase(results, bot, "b", "flat", top)
        if flat is not None and not math.isnan(vs_echo(results, flat)):
            ratio = vs_echo(results, flat)
            echo = echo_of(results, flat.spec)
            how = (
                f"{flat.rate:.1f} vs echo {echo.rate if echo else math.nan:.1f} updates/s = "
                f"{ratio:.0%}, {ratio / 0.5:.2f} of the target{at}"
            )
            if flat.cut:
                how += (
                    f"; the window closed after {flat.steps_reached:.1f} of 10 steps on average,"
                    " so Send, the costliest step, is not in it"
                )
            print(
                f"  - {name}, child flow >= 50% of echo's updates/s: {verdict(ratio >= 0.5, how)}"
            )
            print(f"      by size: {'; '.join(ratios)}")
        for scenario in ("a", "b"):
            paced = phase(results, bot, scenario, "paced", top)
            if paced is None:
                continue
            p99, at_least = percentile(paced.samples, 0.99)
            how = f"p99 {ms(p99, at_least)} ms vs 250 ms"
            if not math.isnan(p99):
                how += f", {'at least ' if at_least else ''}{p99 / 0.25:.1f}x the target"
            if paced.cut:
                how += f" (phase cut at {paced.window:.0f} s)"
            met = not math.isnan(p99) and p99 < 0.25 and not paced.errors and not at_least
            print(f"  - {name}, paced ({scenario}) p99 < 250 ms: {verdict(met, how)}{at}")
        print_officer_target(results, bot, top, argon2)
    if ladder is not None:
        total = ladder.turn_seconds(0)
        sweeps = ladder.turns[0][1] if ladder.turns else []
        done = bool(sweeps) and all(s.finished for s in sweeps) and not ladder.failure
        longest = max((s.longest for s in sweeps), default=math.nan)
        how = (
            f"one turn {total:.3f} s vs 1 s ({total:.1f}x), in "
            f"{sum(s.batches for s in sweeps)} transactions, the longest {longest:.3f} s"
            if done
            else f"the turn did not finish within its bound ({ladder.failure or 'cut'})"
        )
        print(
            f"  - ladder sweep, {ladder.cases:,} pending and {ladder.due:,} due < 1 s: "
            f"{verdict(done and total < 1.0, how)}"
        )


def print_officer_target(
    results: Sequence[PhaseResult], bot: BotKind, top: int, argon2: float
) -> None:
    name = BOT_NAMES[bot]
    flat = [
        r for r in results if r.spec.bot == bot and r.spec.scenario == "b" and r.spec.mode == "flat"
    ]
    if not flat:
        return
    bursts = [r for r in flat if r.officer]
    biggest = max(bursts, key=lambda r: r.spec.people, default=None)
    if biggest is not None:
        cases = len(biggest.officer) + biggest.officer_missing
        worst = max(biggest.officer)
        over = sum(1 for s in biggest.officer if s >= 2.0)
        how = (
            f"{biggest.sends} simultaneous reports: {len(biggest.officer)}/{cases} cases seen, "
            f"max {ms(worst)} ms vs 2,000 ms ({worst / 2:.1f}x), {over} over 2 s"
        )
        met = biggest.officer_missing == 0 and worst < 2.0 and biggest.sends >= top
        print(f"  - {name}, every case on the officer's phone < 2 s: {verdict(met, how)}")
    if biggest is None or biggest.sends < top:
        bound = top * ARGON2_PER_CASE * argon2
        print(
            f"  - {name}, officer < 2 s at {top} simultaneous reports: not measured in this run "
            f"(the walk-up to Send did not finish in the window); lower bound for the last "
            f"case: {top} x {ARGON2_PER_CASE} Argon2id at {ARGON2_AT_ONCE} at a time, "
            f"{argon2 * 1000:.0f} ms each = {bound:.1f} s: "
            f"{'NOT MET' if bound >= 2.0 else 'open'}"
        )


def print_profiles(results: Sequence[PhaseResult]) -> None:
    for r in results:
        if r.profile is None or not r.profile.exists():
            continue
        out = io.StringIO()
        stats = pstats.Stats(str(r.profile), stream=out)
        stats.sort_stats("tottime").print_stats(15)
        print(f"\nProfile of {r.spec.name} (the measured window, by own time): {r.profile}")
        body = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(body) if "ncalls" in line), 0)
        for line in body[start : start + 16]:
            print(f"  {line}")


# The run -----------------------------------------------------------------------------------


def planned(
    options: Options, scenarios: Sequence[ScenarioName], modes: Sequence[Mode]
) -> list[PhaseSpec]:
    """The phases, each size's bots side by side. Unless --full-matrix, PostgreSQL and the
    paced echo bot run at the largest size only."""
    top = max(options.sizes)
    specs = []
    for scenario in scenarios:
        for mode in modes:
            for people in options.sizes:
                for bot in options.bots:
                    smaller = people != top and not options.full_matrix
                    if smaller and (bot == "postgres" or (bot == "echo" and mode == "paced")):
                        continue
                    specs.append(PhaseSpec(bot, scenario, mode, people))
    if options.instances and "postgres" in options.bots:
        # The instances are set beside one polling process on PostgreSQL, measured alike.
        for people in fleet_sizes(options):
            baseline = PhaseSpec("postgres", "b", "flat", people)
            if baseline not in specs:
                specs.append(baseline)
    return specs


def fleet_sizes(options: Options) -> tuple[int, ...]:
    return options.sizes if options.full_matrix else (max(options.sizes),)


def planned_fleet(options: Options) -> list[PhaseSpec]:
    """The child's report flat out with N webhook instances, for each N asked for."""
    if "postgres" not in options.bots:
        return []
    return [
        PhaseSpec("postgres", "b", "flat", people, instances)
        for people in fleet_sizes(options)
        for instances in options.instances
    ]


def print_header(options: Options, postgres: str) -> None:
    print("SafePerson under load, beside a bare aiogram echo bot (bench/bench_load.py)")
    print(
        f"  machine: {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; sizes {', '.join(map(str, options.sizes))}"
    )
    print(
        "  emulator and simulated people: this process (the harness), 127.0.0.1; emulator "
        f"flood limits: bursts of {EMULATOR_CHAT_BURST} a chat then 1/s, "
        f"{EMULATOR_GLOBAL_PER_SECOND:,.0f}/s in all"
    )
    print(
        f"  SafePerson: send_rate {SEND_RATE:,.0f}/s (its maximum; 30/s by default), its own "
        "per-chat limit as in production (bursts of 5, then 1 message a second a chat)"
    )
    print(
        f"  measuring window: at most {options.window:.0f} s a phase "
        f"({options.window * 1.5:.0f} s for flat (b)), then people still walking are cut off"
    )
    print(
        f"  paced: {THINK_SECONDS[0]:g}-{THINK_SECONDS[1]:g} s of think time before each step "
        f"(seed {options.seed}); the paced duration is scaled down to the window, so in (b) a "
        f"person gets through about {min(10, round(options.window / 5))} of the 10 steps"
    )
    print(
        "  flat (b): everyone walks up to Send, then all tap Send together (simultaneous "
        "reports); latency: from the send or tap to the whole answer on the person's screen"
    )
    if not options.full_matrix:
        print("  echo paced and PostgreSQL: at the largest size only (--full-matrix for all)")
    print(f"  PostgreSQL: {postgres}")
    if options.instances:
        ran = "postgres" in options.bots
        print(
            f"  webhook instances behind HAProxy: {', '.join(map(str, options.instances))}; "
            f"(b) flat at {', '.join(map(str, fleet_sizes(options)))} people, Redis {REDIS_URL}"
            + ("" if ran else ": not run, PostgreSQL is needed")
        )


async def bench(
    options: Options, scenarios: Sequence[ScenarioName], modes: Sequence[Mode], postgres: str
) -> None:
    began = time.perf_counter()
    print_header(options, postgres)
    results: list[PhaseResult] = []
    fleet: list[PhaseResult] = []
    ladder: LadderResult | None = None
    with tempfile.TemporaryDirectory(prefix="safeperson-load-") as temporary:
        root = Path(temporary)
        for spec in planned(options, scenarios, modes):
            folder = root / f"{spec.bot}-{spec.scenario}-{spec.mode}-{spec.people}"
            folder.mkdir()
            progress(began, f"{spec.name} ...")
            result = await run_phase(spec, options, folder)
            results.append(result)
            progress(began, summary(result))
        for spec in planned_fleet(options):
            folder = root / f"fleet{spec.instances}-{spec.people}"
            progress(began, f"{spec.name} ...")
            result = await run_fleet_phase(spec, options, folder)
            fleet.append(result)
            progress(began, summary(result))
        if options.ladder_cases > 0:
            progress(began, f"ladder, {options.ladder_cases:,} cases ...")
            folder = root / "ladder"
            folder.mkdir()
            ladder = await run_ladder_bench(options.ladder_cases, options.ladder_due, folder)
    argon2 = await argon2_seconds() if any(r.spec.bot != "echo" for r in results) else math.nan
    for scenario in scenarios:
        for mode in modes:
            print_load(results, scenario, mode)
    print_instances(results, fleet)
    print_notes([*results, *fleet])
    print_ladder(ladder)
    print_profiles(results)
    print_targets(results, ladder, options.sizes, argon2)
    print(f"\nWhole run: {time.perf_counter() - began:.0f} s")


def progress(began: float, what: str) -> None:
    print(f"[{time.perf_counter() - began:6.1f} s] {what}", file=sys.stderr, flush=True)


def summary(result: PhaseResult) -> str:
    if result.failure:
        return f"  failed: {result.failure}"
    cut = " (cut)" if result.cut else ""
    return (
        f"  {result.confirmed}/{result.updates} updates in {number(result.wall)} s{cut}, "
        f"{number(result.rate)}/s, p99 {pct_ms(result.samples, 0.99)} ms, "
        f"{result.finished}/{result.spec.people} done, {len(result.errors)} errors"
    )


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default=None, help=f"people per phase (default {DEFAULT_SIZES})")
    parser.add_argument("--quick", action="store_true", help="a smoke run (about 1.5 minutes)")
    parser.add_argument("--postgres", choices=("auto", "on", "off"), default="auto")
    parser.add_argument(
        "--window",
        type=float,
        default=None,
        help=f"measure each phase for at most this many seconds (default {DEFAULT_WINDOW:g})",
    )
    parser.add_argument("--full-matrix", action="store_true", help="every bot at every size")
    parser.add_argument("--bots", default="echo,sqlite,postgres", help="which bots to run")
    parser.add_argument("--scenarios", default="a,b", help="a, b or a,b")
    parser.add_argument("--modes", default="flat,paced", help="flat, paced or flat,paced")
    parser.add_argument("--ladder-cases", type=int, default=None, help="0 leaves the ladder out")
    parser.add_argument("--ladder-due", type=int, default=None)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--instances",
        default="",
        help="also run (b) flat out on PostgreSQL with this many webhook instances behind "
        "HAProxy, e.g. 1,2,3, at the largest size (off by default)",
    )
    parser.add_argument("--profile", type=Path, default=None, help="cProfile the bots into DIR")
    # Inside a bot process.
    parser.add_argument("--serve", choices=("echo", "safeperson"), help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--officer", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    arguments = parse(argv)
    if arguments.serve:
        serve_main(arguments)
        return
    quick = bool(arguments.quick)
    wanted = arguments.bots.split(",")
    instances = tuple(int(n) for n in arguments.instances.split(",") if n.strip())
    if instances and "postgres" not in wanted:
        wanted.append("postgres")
    if "postgres" not in wanted or arguments.postgres == "off":
        postgres, why = False, "no (left out)"
    elif arguments.postgres == "on":
        postgres, why = True, "yes (asked for)"
    elif quick:
        postgres, why = False, "no (--quick; --postgres on to add it)"
    else:
        postgres = asyncio.run(postgres_answers())
        why = "yes (127.0.0.1:5432 answered)" if postgres else "no (127.0.0.1:5432 did not answer)"
    if arguments.profile is not None:
        arguments.profile.mkdir(parents=True, exist_ok=True)
    sizes = arguments.sizes or ("10" if quick else DEFAULT_SIZES)
    options = Options(
        bots=tuple(b for b in BOT_KINDS if b in wanted and (b != "postgres" or postgres)),
        sizes=tuple(sorted({int(size) for size in sizes.split(",") if size.strip()})),
        window=arguments.window or (8.0 if quick else DEFAULT_WINDOW),
        full_matrix=bool(arguments.full_matrix),
        seed=arguments.seed,
        ladder_cases=(
            arguments.ladder_cases
            if arguments.ladder_cases is not None
            else (10_000 if quick else 100_000)
        ),
        ladder_due=(
            arguments.ladder_due if arguments.ladder_due is not None else (100 if quick else 1000)
        ),
        profile_dir=arguments.profile.resolve() if arguments.profile else None,
        instances=instances,
    )
    scenarios: list[ScenarioName] = [s for s in ("a", "b") if s in arguments.scenarios.split(",")]
    modes: list[Mode] = [m for m in ("flat", "paced") if m in arguments.modes.split(",")]
    asyncio.run(bench(options, scenarios, modes, why))


if __name__ == "__main__":
    main()
