"""The board's figures: counts, times and shares over the concerns and consent requests received
in a period, from triage metadata only, with the small-count rule applied once, here.

Împreună monitors and evaluates project by project, and reports to its board and in its annual
report. Those figures must never single out a child, so:

- a count of 1 or 2 is shown as "<3" (SMALL). A count of 0 is shown as 0: it says that nothing
  happened, which points at nobody;
- where a breakdown's total is shown, a hidden count could be recovered by subtraction. Other
  cells are then hidden too (secondary suppression, shown as "≥3", which is what they are),
  the smallest first, until the hidden cells' values cannot be worked out from the total. If no
  cell can do that (every cell is a 1 or a 2), the total is hidden instead, everywhere;
- a median, a 90th percentile or a share over fewer than 3 cases is not shown (FEW_CASES), and a
  share is not shown either when it would give away a count of 1 or 2 (3 of 4 in time says that
  1 was late): it is a count in disguise.

The text, the PNG and the PDF all take the figures from here: none of them sees a hidden value.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from bot.audience import AUDIENCES
from bot.clock import Clock
from bot.local_time import from_the_wall, on_the_wall
from storage.figures import CaseFacts, FiguresRepository
from storage.vocabulary import CaseKind, StaffRole, Urgency

# The smallest count shown as it is (0 aside).
SMALLEST_SHOWN: Final = 3
SMALL_MARK: Final = "<3"
PROTECTING_MARK: Final = "≥3"
# The key of the cell for cases without an activity.
NO_ACTIVITY: Final = ""


class Withheld(StrEnum):
    # A count of 1 or 2.
    SMALL = "small"
    # Hidden so that a count of 1 or 2 elsewhere cannot be worked out from a total.
    PROTECTS = "protects"
    # A median, percentile or share over fewer than 3 cases.
    FEW_CASES = "few_cases"


@dataclass(frozen=True)
class Count:
    """A count as it may be shown: `value` is None when withheld (the value is not kept)."""

    value: int | None
    withheld: Withheld | None = None

    @classmethod
    def of(cls, value: int) -> Count:
        return cls(None, Withheld.SMALL) if is_small(value) else cls(value)

    @property
    def mark(self) -> str:
        """The count as text in any language: digits, "<3" or "≥3"."""
        if self.value is not None:
            return str(self.value)
        return SMALL_MARK if self.withheld == Withheld.SMALL else PROTECTING_MARK


@dataclass(frozen=True)
class Cell:
    key: str
    count: Count


@dataclass(frozen=True)
class Breakdown:
    """The concerns split one way (by month, audience…): every case in exactly one cell."""

    cells: tuple[Cell, ...]

    def count(self, key: str) -> Count:
        return next(cell.count for cell in self.cells if cell.key == key)


@dataclass(frozen=True)
class Duration:
    value: timedelta | None
    withheld: Withheld | None = None


@dataclass(frozen=True)
class Share:
    """A fraction from 0 to 1, or withheld."""

    value: float | None
    withheld: Withheld | None = None


def is_small(value: int) -> bool:
    return 0 < value < SMALLEST_SHOWN


def _values_hidden_safely(hidden_sum: int, small: int, protecting: int) -> bool:
    """Whether a reader who knows the total (hence the hidden cells' sum), that each small cell
    holds 1 or 2 and each protecting cell at least 3, still cannot tell any small cell's value."""
    if small == 0:
        return True
    if protecting == 0:
        # All 1s (sum == small) or all 2s (sum == 2 * small) would be certain.
        return small < hidden_sum < 2 * small
    # The small cells may sum to anything from `small` to what the protecting ones leave: more
    # than one possible sum, so more than one possible value for each small cell.
    return hidden_sum - SMALLEST_SHOWN * protecting >= small + 1


def protect(counts: Sequence[tuple[str, int]], *, total_shown: bool) -> Breakdown | None:
    """The breakdown with the small-count rule applied; None if it cannot be made safe while its
    total is shown (the caller then hides the total)."""
    values = dict(counts)
    small = {key for key, value in counts if is_small(value)}
    protecting: set[str] = set()
    if total_shown:
        while not _values_hidden_safely(
            sum(values[key] for key in small | protecting), len(small), len(protecting)
        ):
            candidates = [
                (value, position, key)
                for position, (key, value) in enumerate(counts)
                if value >= SMALLEST_SHOWN and key not in protecting
            ]
            if not candidates:
                return None
            protecting.add(min(candidates)[2])
    return Breakdown(
        tuple(
            Cell(
                key,
                Count(None, Withheld.PROTECTS) if key in protecting else Count.of(value),
            )
            for key, value in counts
        )
    )


def _share(numerator: int, denominator: int) -> Share:
    if denominator < SMALLEST_SHOWN:
        return Share(None, Withheld.FEW_CASES)
    if is_small(numerator) or is_small(denominator - numerator):
        return Share(None, Withheld.PROTECTS)
    return Share(numerator / denominator)


def _median_and_p90(durations: Sequence[timedelta]) -> tuple[Duration, Duration]:
    if len(durations) < SMALLEST_SHOWN:
        return Duration(None, Withheld.FEW_CASES), Duration(None, Withheld.FEW_CASES)
    seconds = [d.total_seconds() for d in durations]
    # "inclusive": the percentile lies within the times seen, as on a spreadsheet.
    p90 = statistics.quantiles(seconds, n=10, method="inclusive")[-1]
    return (
        Duration(timedelta(seconds=statistics.median(seconds))),
        Duration(timedelta(seconds=p90)),
    )


@dataclass(frozen=True)
class Period:
    """Local days, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period cannot end before it starts")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def twelve_months_to(cls, today: date) -> Period:
        """The last 12 calendar months, this one (up to today) included."""
        months_back = today.year * 12 + today.month - 1 - 11
        return cls(date(months_back // 12, months_back % 12 + 1, 1), today)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """From the first day's midnight on the zone's clocks to the midnight after the last."""
        start = from_the_wall(datetime.combine(self.first, time()), zone)[0]
        end = from_the_wall(datetime.combine(self.last + timedelta(days=1), time()), zone)[0]
        return start, end

    def months(self) -> tuple[date, ...]:
        """The first day of each month the period touches."""
        months: list[date] = []
        month = self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return tuple(months)


def month_key(month: date) -> str:
    return f"{month:%Y-%m}"


@dataclass(frozen=True)
class BoardFigures:
    period: Period
    concerns: Count
    by_month: Breakdown
    by_audience: Breakdown
    by_urgency: Breakdown
    by_activity: Breakdown
    # Received to acknowledged, over the concerns acknowledged.
    ack_median: Duration
    ack_p90: Duration
    # Referred or closed by the deadline, over the concerns whose deadline has passed or that
    # were referred or closed already (one still open before its deadline is not decided yet).
    within_deadline: Share
    # Concerns whose ladder climbed past tier 1 (to the deputies or the board).
    climbed: Count
    consent_requests: Count
    # Done by the deadline, over the requests decided as above.
    consent_within_deadline: Share

    @property
    def breakdowns(self) -> tuple[Breakdown, ...]:
        return (self.by_month, self.by_audience, self.by_urgency, self.by_activity)


def _in_time(case: CaseFacts, now: datetime) -> bool | None:
    """Whether the case was handled by its deadline; None while that is not decided yet."""
    handled = min((t for t in (case.referred_at, case.closed_at) if t is not None), default=None)
    if handled is not None:
        return handled <= case.deadline_at
    return False if now > case.deadline_at else None


def _within_deadline(cases: Iterable[CaseFacts], now: datetime) -> Share:
    decided = [verdict for c in cases if (verdict := _in_time(c, now)) is not None]
    return _share(sum(decided), len(decided))


def compute(
    facts: Sequence[CaseFacts],
    period: Period,
    zone: ZoneInfo,
    now: datetime,
    activities: Sequence[str],
) -> BoardFigures:
    """The figures for cases received in `period` (`facts` already limited to it)."""
    concerns = [c for c in facts if c.kind == CaseKind.CONCERN]
    consents = [c for c in facts if c.kind == CaseKind.CONSENT]

    def split(keys: Sequence[str], key_of: Callable[[CaseFacts], str]) -> list[tuple[str, int]]:
        counted = Counter(key_of(c) for c in concerns)
        # Keys the caller did not expect (an activity since removed from the config) too.
        extra = sorted(set(counted) - set(keys))
        return [(key, counted[key]) for key in (*keys, *extra)]

    activity_keys = [*activities, *([NO_ACTIVITY] if any(not c.activity for c in concerns) else [])]
    splits = [
        split(
            [month_key(m) for m in period.months()],
            lambda c: month_key(on_the_wall(c.received_at, zone).date()),
        ),
        split(AUDIENCES, lambda c: c.audience),
        split([u.value for u in Urgency], lambda c: str(c.urgency)),
        split(activity_keys, lambda c: c.activity or NO_ACTIVITY),
    ]
    total = Count.of(len(concerns))
    protected = [protect(s, total_shown=total.value is not None) for s in splits]
    if any(p is None for p in protected):
        total = Count(None, Withheld.PROTECTS)
        protected = [protect(s, total_shown=False) for s in splits]
    month, audience, urgency, activity = (p for p in protected if p is not None)
    # The ladder's figure and the concerns that stayed at tier 1 make a breakdown of their own,
    # but only one number of it is shown: when it cannot be made safe, that number goes, not
    # the total of every other figure.
    climbed = sum(1 for c in concerns if c.tier >= 1)
    ladder = protect(
        [("climbed", climbed), ("stayed", len(concerns) - climbed)],
        total_shown=total.value is not None,
    )
    climbed_count = ladder.count("climbed") if ladder else Count(None, Withheld.PROTECTS)

    acknowledged = [
        c.acknowledged_at - c.received_at for c in concerns if c.acknowledged_at is not None
    ]
    median, p90 = _median_and_p90(acknowledged)
    return BoardFigures(
        period=period,
        concerns=total,
        by_month=month,
        by_audience=audience,
        by_urgency=urgency,
        by_activity=activity,
        ack_median=median,
        ack_p90=p90,
        within_deadline=_within_deadline(concerns, now),
        climbed=climbed_count,
        consent_requests=Count.of(len(consents)),
        consent_within_deadline=_within_deadline(consents, now),
    )


class BoardStatistics:
    """The figures for a period, from the database, on the organisation's clock."""

    def __init__(
        self,
        figures: FiguresRepository,
        clock: Clock,
        zone: ZoneInfo,
        activities: Sequence[str],
    ) -> None:
        self._figures = figures
        self._clock = clock
        self._zone = zone
        self._activities = tuple(activities)

    def today(self) -> date:
        return on_the_wall(self._clock.now(), self._zone).date()

    async def figures(self, period: Period) -> BoardFigures:
        start, end = period.bounds(self._zone)
        facts = await self._figures.received_between(start, end)
        return compute(facts, period, self._zone, self._clock.now(), self._activities)


# The board oversees; the officer prepares the annual report.
FIGURES_ROLES: Final = frozenset({StaffRole.BOARD, StaffRole.OFFICER})


def may_see_figures(role: StaffRole) -> bool:
    return role in FIGURES_ROLES
