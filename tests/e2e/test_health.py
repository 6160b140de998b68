"""`GET /healthz` in both run modes, its 503s, and systemd's notify protocol."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.health import LOOP_STALE_AFTER, HealthMonitor, TelegramContact, serve_health_port
from storage import migrate
from storage.db import Database
from storage.liveness import LivenessRepository
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import alerts, child_report, enrolled
from tests.e2e.harness import InProcessBot, free_port

LOOPS = {"heartbeat", "ladder", "outbox"}


async def get_health(port: int, timeout: float = 20.0) -> tuple[int, dict[str, Any]]:
    """GET /healthz on the port, once it listens."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                    return answer.status, await answer.json()
            except aiohttp.ClientConnectionError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.05)


def assert_healthy(status: int, body: dict[str, Any]) -> None:
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["telegram"]["ok"] is True
    assert set(body["loops"]) == LOOPS
    assert all(loop["ok"] for loop in body["loops"].values())
    assert isinstance(body["backlog"]["outbox_unsent"], int)
    assert isinstance(body["backlog"]["updates_in_hand"], int)


async def test_polling_mode_answers_healthz_on_its_small_port(
    api_url: str, tmp_path: Path, secret: bytes, make_person: MakePerson
) -> None:
    port = free_port()
    bot = InProcessBot(api_url=api_url, folder=tmp_path, secret=secret, health_port=port)
    await bot.start()
    try:
        assert_healthy(*await get_health(port))
        # Work going through changes nothing, and the answer never carries a case.
        officer = await enrolled(bot, make_person, "Maria", "officer")
        child = await make_person(first_name="Ana", language_code="en")
        code, _secret, _screen = await child_report(child, "en")
        await officer.wait_for(lambda s: bool(alerts(s)))
        status, body = await get_health(port)
        assert_healthy(status, body)
        assert code not in str(body)
    finally:
        await bot.stop()
    # Stopped: nothing listens there any more.
    with pytest.raises(aiohttp.ClientConnectionError):
        await get_health(port, timeout=0)


async def test_webhook_mode_answers_healthz_beside_the_webhook(
    api_url: str, tmp_path: Path, secret: bytes
) -> None:
    bot = InProcessBot(api_url=api_url, folder=tmp_path, secret=secret, webhook_port=free_port())
    await bot.start()
    try:
        assert bot.webhook_port is not None
        assert_healthy(*await get_health(bot.webhook_port))
    finally:
        await bot.stop()


class FakeClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'safeperson.db'}")
    await migrate.upgrade(database)
    yield database
    await database.dispose()


def monitor_of(
    database: Database, clock: FakeClock, probe: Callable[[], Awaitable[object]]
) -> tuple[HealthMonitor, TelegramContact]:
    contact = TelegramContact(clock)
    monitor = HealthMonitor(
        clock, LivenessRepository(database), contact, probe=probe, updates_in_hand=lambda: 0
    )
    return monitor, contact


async def test_a_loop_that_stopped_coming_round_makes_it_unhealthy(database: Database) -> None:
    clock = FakeClock()
    contact_made: list[TelegramContact] = []

    async def probe() -> object:
        contact_made[0].last_answer = clock.now()
        return None

    monitor, contact = monitor_of(database, clock, probe)
    contact_made.append(contact)
    ladder_ticked = monitor.watch("ladder")
    outbox_ticked = monitor.watch("outbox")
    assert (await monitor.check()).healthy

    clock.moment += LOOP_STALE_AFTER + timedelta(seconds=1)
    outbox_ticked()  # the outbox came round; the ladder did not
    report = await monitor.check()
    assert not report.healthy
    assert report.status == 503
    loops = report.details["loops"]
    assert isinstance(loops, dict)
    assert loops["ladder"]["ok"] is False
    assert loops["outbox"]["ok"] is True

    ladder_ticked()
    assert (await monitor.check()).healthy


async def test_unreachable_telegram_makes_it_unhealthy(database: Database) -> None:
    clock = FakeClock()

    async def probe() -> object:
        raise ConnectionError("no route to Telegram")

    monitor, contact = monitor_of(database, clock, probe)
    report = await monitor.check()
    assert not report.healthy
    assert report.details["telegram"] == {"ok": False, "last_answer_seconds_ago": None}
    # An answer a minute ago is recent enough.
    contact.last_answer = clock.now() - timedelta(minutes=1)
    assert (await monitor.check()).healthy


async def test_an_unreachable_database_answers_503_on_the_health_port(tmp_path: Path) -> None:
    clock = FakeClock()
    missing = Database(f"sqlite+aiosqlite:///{tmp_path / 'no such folder' / 'safeperson.db'}")

    async def probe() -> object:
        return None

    monitor, contact = monitor_of(missing, clock, probe)
    contact.last_answer = clock.now()
    port = free_port()
    serving = asyncio.create_task(serve_health_port(monitor, "127.0.0.1", port))
    try:
        status, body = await get_health(port)
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await missing.dispose()
    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["database"] == {"ok": False}
    assert body["telegram"]["ok"] is True


async def receive_states(sock: socket.socket, *wanted: str, timeout: float = 20.0) -> list[str]:
    """Datagrams from the socket until each wanted state was among them."""
    loop = asyncio.get_running_loop()
    got: list[str] = []
    async with asyncio.timeout(timeout):
        while not set(wanted) <= set(got):
            got.append((await loop.sock_recv(sock, 4096)).decode())
    return got


async def test_systemd_hears_ready_then_watchdog_then_stopping(
    api_url: str, tmp_path: Path, secret: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short path: a unix socket's address holds about a hundred bytes.
    folder = Path(tempfile.mkdtemp(prefix="sd-", dir="/tmp"))
    address = folder / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(address))
        sock.setblocking(False)
        monkeypatch.setenv("NOTIFY_SOCKET", str(address))
        monkeypatch.setenv("WATCHDOG_USEC", "200000")  # a check every 0.1 s
        bot = InProcessBot(api_url=api_url, folder=tmp_path, secret=secret)
        await bot.start()
        try:
            states = await receive_states(sock, "READY=1", "WATCHDOG=1")
            assert states[0] == "READY=1"
        finally:
            await bot.stop()
        assert "STOPPING=1" in await receive_states(sock, "STOPPING=1")
    shutil.rmtree(folder)
