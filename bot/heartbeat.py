"""The daily heartbeat, and the word after an outage.

An organisation runs SafePerson unattended for years, and a bot that stopped says nothing: the
officer only notices when no alert comes, which looks the same as a quiet week. So once a day,
at a local time the organisation chooses, the officer (and the board, if it wants) gets one short
message: the channel works, how many cases are open and their nearest deadline, how many consent
requests are due, and the audit log's fingerprint. Counts and times only: no codes, no names, no
words of any report (the message stays in a chat on a phone for a long time).

The bot also writes an *alive mark* to the database every half minute. At start the gap since
the last one says how long it was down; after a short catch-up (the updates Telegram held come
in first), the officer is told for how long and how many messages arrived late. Telegram keeps
undelivered updates for 24 hours only, so a longer outage is said to have lost some.

Both are once-only outbox purposes (the day, the start), so a restart or a second instance never
sends one twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any, Final, Protocol
from zoneinfo import ZoneInfo

from aiogram.types import TelegramObject, Update

from bot.audit import AuditLog
from bot.case_model import CaseKind, CaseStatus, StaffRole, deadline_runs, is_open
from bot.clock import Clock
from bot.heartbeat_schedule import HeartbeatSchedule
from bot.local_time import from_the_wall, on_the_wall
from bot.loops import raise_if_cancelled
from bot.notifier import Notice, StaffNotifier, text_only
from bot.outbox import PRIORITY_STANDARD, PRIORITY_URGENT
from storage.cases import StaffRepository
from storage.db import Database
from storage.liveness import LivenessRepository, Workload
from storage.models import StaffMember

logger = logging.getLogger(__name__)

# How often the alive mark is written (and the heartbeat's time checked).
TICK_SECONDS: Final = 30.0
# A gap longer than this since the last alive mark is an outage worth telling (a restart for an
# upgrade takes well under it).
DOWN_AFTER: Final = timedelta(minutes=5)
# After a start, how long the updates Telegram held are counted before the outage is told.
CATCH_UP: Final = timedelta(minutes=1)
# How long Telegram keeps updates the bot has not fetched.
TELEGRAM_KEEPS: Final = timedelta(hours=24)


@dataclass(frozen=True)
class DailyFacts:
    """What the heartbeat says: counts and deadlines only."""

    # When it was written: its day, on the organisation's clock, is the day it speaks of.
    at: datetime
    cases: Workload
    consent: Workload
    fingerprint: str | None


@dataclass(frozen=True)
class Outage:
    """How long the bot was down before this start, and how many messages came in late."""

    down_for: timedelta
    late: int

    @property
    def lost_some(self) -> bool:
        """Down longer than Telegram keeps updates: the oldest messages are gone."""
        return self.down_for > TELEGRAM_KEEPS


class HeartbeatRenderer(Protocol):
    """Words in a reader's language (the handlers layer provides them)."""

    def heartbeat(self, facts: DailyFacts, language: str) -> str: ...

    def outage(self, outage: Outage, language: str) -> str: ...


def due_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """When the heartbeat of `day` is due, in UTC (the earlier one on an autumn night)."""
    return from_the_wall(datetime.combine(day, at), zone)[0]


class LateArrivals:
    """Counts the messages handled since the start that were written before it: Telegram held
    them while the bot was down. An outer middleware of the dispatcher's updates; a retried
    update is counted once."""

    def __init__(self) -> None:
        self._since: datetime | None = None
        self._late: set[int] = set()

    def start(self, moment: datetime) -> None:
        self._since = moment
        self._late.clear()

    @property
    def count(self) -> int:
        return len(self._late)

    def note(self, update: Update) -> None:
        if self._since is None:
            return
        message = update.message or update.edited_message
        # Button taps carry no time of their own (their message's is older): not counted.
        # Telegram's times are whole seconds: one written in the second of the start is not late.
        if message is not None and message.date < self._since.replace(microsecond=0):
            self._late.add(update.update_id)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update):
            self.note(event)
        return await handler(event, data)


class Heartbeat:
    def __init__(
        self,
        database: Database,
        liveness: LivenessRepository,
        staff: StaffRepository,
        notifier: StaffNotifier,
        audit: AuditLog,
        render: HeartbeatRenderer,
        schedule: HeartbeatSchedule,
        zone: ZoneInfo,
        clock: Clock,
        late: LateArrivals,
    ) -> None:
        self._database = database
        self._liveness = liveness
        self._staff = staff
        self._notifier = notifier
        self._audit = audit
        self._render = render
        self._schedule = schedule
        self._zone = zone
        self._clock = clock
        self._late = late
        self._started_at: datetime | None = None
        # The outage to tell, once caught up: when the bot was last alive, and for how long not.
        self._down: tuple[datetime, timedelta] | None = None
        self._one_tick_at_a_time = asyncio.Lock()

    async def started(self) -> timedelta | None:
        """At start: how long the bot was down (None if not long, or never run before); the
        alive mark is written at once, so a crash loop does not tell the same gap twice."""
        now = self._clock.now()
        async with self._database.transaction():
            last = await self._liveness.last_alive()
            await self._liveness.mark_alive(now)
        self._started_at = now
        self._late.start(now)
        if last is None or now - last <= DOWN_AFTER:
            self._down = None
            return None
        self._down = (last, now - last)
        logger.warning("SafePerson was not running for %s", now - last)
        return now - last

    async def tick(self) -> int:
        """One turn now: the alive mark, the outage notice once caught up, the day's heartbeat
        once due; how many messages were queued."""
        async with self._one_tick_at_a_time:
            now = self._clock.now()
            down = self._down if self._caught_up(now) else None
            async with self._database.transaction():
                await self._liveness.mark_alive(now)
                queued = await self._tell_outage(down) if down is not None else 0
                queued += await self._send_daily(now)
            if down is not None:
                self._down = None  # told (committed), or nobody to tell
            return queued

    def _caught_up(self, now: datetime) -> bool:
        """Whether the updates Telegram held have had their time to come in since the start."""
        return self._started_at is not None and now - self._started_at >= CATCH_UP

    async def _tell_outage(self, down: tuple[datetime, timedelta]) -> int:
        last_alive, down_for = down
        outage = Outage(down_for, self._late.count)
        # Keyed by when it began: two instances started after the same outage tell it once.
        since = int(last_alive.timestamp())
        return await self._notifier.tell_all(
            [
                Notice(
                    member,
                    f"outage|{since}|{member.id}",
                    text_only(partial(self._render.outage, outage)),
                    priority=PRIORITY_URGENT,
                )
                for member in await self._recipients()
            ]
        )

    async def _send_daily(self, now: datetime) -> int:
        if not self._schedule.enabled:
            return 0
        today = on_the_wall(now, self._zone).date()
        if now < due_moment(today, self._schedule.at, self._zone):
            return 0
        facts = await self.facts(now)
        return await self._notifier.tell_all(
            [
                Notice(
                    member,
                    # Once a day for each member, however often this runs and on how many
                    # instances; a start later in the day sends the day's if not yet sent.
                    f"heartbeat|{today.isoformat()}|{member.id}",
                    text_only(partial(self._render.heartbeat, facts)),
                    priority=PRIORITY_STANDARD,
                )
                for member in await self._recipients()
            ]
        )

    async def facts(self, now: datetime) -> DailyFacts:
        open_statuses = [s for s in CaseStatus if is_open(s)]
        running = [s for s in CaseStatus if is_open(s) and deadline_runs(s)]
        return DailyFacts(
            at=now,
            cases=await self._liveness.workload(CaseKind.CONCERN, open_statuses, running, now),
            consent=await self._liveness.workload(CaseKind.CONSENT, open_statuses, running, now),
            fingerprint=await self._audit.head_fingerprint(),
        )

    async def _recipients(self) -> list[StaffMember]:
        roles = [StaffRole.OFFICER]
        if self._schedule.to_board:
            roles.append(StaffRole.BOARD)
        return list(await self._staff.active_readers(tuple(roles)))

    async def run_forever(
        self, interval: float = TICK_SECONDS, on_tick: Callable[[], None] | None = None
    ) -> None:
        while True:
            try:
                await self.tick()
                if on_tick is not None:
                    on_tick()
            except Exception:
                raise_if_cancelled()
                logger.exception("heartbeat failed; trying again")
            await asyncio.sleep(interval)
