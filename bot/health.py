"""Is this instance working? `GET /healthz` answers for the container's health check, a
monitoring probe and the systemd watchdog.

Healthy means: the database answers (SELECT 1, within seconds); Telegram answered a call
recently (every Bot API call that got an answer counts; when none was made for a while, as in a
quiet webhook, the check asks getMe itself); the ladder's, the outbox's and the heartbeat's loops
each came round recently. The answer also carries the backlog (messages queued and not sent,
people whose updates are being handled), so an operator sees a jam before it becomes an outage.
200 when all is well, 503 otherwise. Counts and ages only: never a case, a code or a chat.

With NOTIFY_SOCKET set (systemd's Type=notify), the bot says READY=1 once it takes updates and
WATCHDOG=1 after each healthy check, so systemd restarts a bot that hangs as well as one that
exits. The protocol is one datagram per state on a unix socket: a few lines, no dependency.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramServerError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import web

from bot.clock import Clock
from storage.liveness import LivenessRepository

logger = logging.getLogger(__name__)

HEALTH_PATH: Final = "/healthz"
DATABASE_TIMEOUT_SECONDS: Final = 3.0
# Telegram counts as reachable if it answered within this long; with no call for half of it,
# the check asks getMe.
TELEGRAM_FRESH: Final = timedelta(minutes=5)
TELEGRAM_PROBE_AFTER: Final = timedelta(minutes=2)
TELEGRAM_PROBE_TIMEOUT_SECONDS: Final = 10.0
# A loop that has not come round for this long is stuck (the ladder turns every second, the
# outbox at least every half minute, the heartbeat every half minute).
LOOP_STALE_AFTER: Final = timedelta(minutes=2)
# Between two checks of the systemd watchdog when systemd does not say (WATCHDOG_USEC).
WATCHDOG_DEFAULT_SECONDS: Final = 15.0


class TelegramContact(BaseRequestMiddleware):
    """A session middleware: when Telegram last answered a call (an answer refusing it counts:
    Telegram was there to refuse; a network failure or a 5xx does not)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.last_answer: datetime | None = None

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            response = await make_request(bot, method)
        except (TelegramNetworkError, TelegramServerError):
            raise
        except TelegramAPIError:
            self.last_answer = self._clock.now()
            raise
        self.last_answer = self._clock.now()
        return response


@dataclass(frozen=True)
class HealthReport:
    healthy: bool
    # What /healthz answers: counts, ages in seconds and yes/no, nothing more.
    details: dict[str, object]

    @property
    def status(self) -> int:
        return 200 if self.healthy else 503


class HealthMonitor:
    def __init__(
        self,
        clock: Clock,
        liveness: LivenessRepository,
        contact: TelegramContact,
        *,
        probe: Callable[[], Awaitable[object]],
        updates_in_hand: Callable[[], int],
    ) -> None:
        self._clock = clock
        self._liveness = liveness
        self._contact = contact
        self._probe = probe
        self._updates_in_hand = updates_in_hand
        self._ticks: dict[str, datetime] = {}

    def watch(self, loop_name: str) -> Callable[[], None]:
        """Watch a loop from now on; the callback it calls each time it comes round."""
        self._ticks[loop_name] = self._clock.now()

        def ticked() -> None:
            self._ticks[loop_name] = self._clock.now()

        return ticked

    async def check(self) -> HealthReport:
        database_ok, outbox_backlog = await self._database()
        telegram_ok, telegram_age = await self._telegram()
        now = self._clock.now()
        loops: dict[str, object] = {}
        loops_ok = True
        for name, last in sorted(self._ticks.items()):
            fresh = now - last <= LOOP_STALE_AFTER
            loops_ok = loops_ok and fresh
            loops[name] = {"ok": fresh, "last_tick_seconds_ago": _seconds(now - last)}
        healthy = database_ok and telegram_ok and loops_ok
        return HealthReport(
            healthy,
            {
                "status": "ok" if healthy else "unhealthy",
                "database": {"ok": database_ok},
                "telegram": {"ok": telegram_ok, "last_answer_seconds_ago": telegram_age},
                "loops": loops,
                "backlog": {
                    "outbox_unsent": outbox_backlog,
                    "updates_in_hand": self._updates_in_hand(),
                },
            },
        )

    async def _database(self) -> tuple[bool, int | None]:
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
                await self._liveness.ping()
                return True, await self._liveness.outbox_backlog()
        except Exception as exc:
            logger.warning("health: the database did not answer (%s)", type(exc).__name__)
            return False, None

    async def _telegram(self) -> tuple[bool, int | None]:
        last = self._contact.last_answer
        if last is None or self._clock.now() - last > TELEGRAM_PROBE_AFTER:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(TELEGRAM_PROBE_TIMEOUT_SECONDS):
                    await self._probe()
            last = self._contact.last_answer
        if last is None:
            return False, None
        age = self._clock.now() - last
        return age <= TELEGRAM_FRESH, _seconds(age)


def _seconds(age: timedelta) -> int:
    return max(0, int(age.total_seconds()))


def health_handler(
    monitor: HealthMonitor,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def healthz(_request: web.Request) -> web.Response:
        report = await monitor.check()
        return web.Response(
            status=report.status,
            text=json.dumps(report.details, sort_keys=True),
            content_type="application/json",
        )

    return healthz


def add_health_route(web_app: web.Application, monitor: HealthMonitor) -> None:
    web_app.router.add_get(HEALTH_PATH, health_handler(monitor))


async def serve_health_port(monitor: HealthMonitor, host: str, port: int) -> None:
    """The small health port (SAFEPERSON_HEALTH_PORT), until cancelled."""
    web_app = web.Application()
    add_health_route(web_app, monitor)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            # Loud, but the bot goes on: its work matters more than its health port.
            logger.error(
                "cannot answer health checks on %s:%d (%s): check SAFEPERSON_HEALTH_PORT",
                host,
                port,
                type(exc).__name__,
            )
            return
        logger.info("health check on http://%s:%d%s", host, port, HEALTH_PATH)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


class SystemdNotifier:
    """systemd's notify protocol: a datagram per state to $NOTIFY_SOCKET (a path, or an
    abstract socket when it starts with @). Does nothing without one."""

    def __init__(self, address: str | None) -> None:
        if address and address.startswith("@"):
            address = "\0" + address[1:]
        self._address = address or None

    @classmethod
    def from_environment(cls) -> SystemdNotifier:
        return cls(os.environ.get("NOTIFY_SOCKET"))

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, state: str) -> None:
        if self._address is None:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(state.encode(), self._address)
        except OSError as exc:
            logger.warning("systemd notify failed (%s)", type(exc).__name__)


def watchdog_interval() -> float:
    """Half of systemd's WatchdogSec (it says WATCHDOG_USEC), so one late check is not fatal."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    if usec.isdigit() and int(usec) > 0:
        return int(usec) / 2_000_000
    return WATCHDOG_DEFAULT_SECONDS


async def tell_systemd(
    notifier: SystemdNotifier,
    monitor: HealthMonitor,
    ready: asyncio.Event,
    interval: float,
) -> None:
    """READY=1 once updates are taken; then WATCHDOG=1 after each healthy check, until
    cancelled (then STOPPING=1)."""
    try:
        await ready.wait()
        notifier.notify("READY=1")
        while True:
            try:
                report = await monitor.check()
            except Exception:
                logger.exception("health check failed")
            else:
                if report.healthy:
                    notifier.notify("WATCHDOG=1")
                else:
                    logger.warning("unhealthy: %s", json.dumps(report.details, sort_keys=True))
            await asyncio.sleep(interval)
    finally:
        notifier.notify("STOPPING=1")
