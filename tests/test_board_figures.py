"""The board's figures from seeded cases: exact counts, times and shares, the small-count rule,
the period's bounds on the organisation's clock; and the PNG and PDF they are drawn into."""

from __future__ import annotations

import io
import itertools
import tomllib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from aiogram.utils.i18n import I18n
from PIL import Image

from bot.board_charts import ChartWords, dashboard_png, report_pdf, table_lines
from bot.board_figures import (
    BoardFigures,
    BoardStatistics,
    Count,
    Duration,
    Period,
    Share,
    Withheld,
    compute,
    protect,
)
from bot.catalogs import LOCALES_DIR
from bot.settings import OrganisationConfig
from handlers import stats_texts
from handlers.stats import requested_period
from storage.db import Database
from storage.figures import CaseFacts, FiguresRepository
from storage.models import ReportCase
from storage.vocabulary import CaseKind, CaseStatus, Urgency

BUCHAREST = ZoneInfo("Europe/Bucharest")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
FIRST_QUARTER = Period(date(2026, 1, 1), date(2026, 3, 31))
ACTIVITIES = ("football", "music")
CONFIG = OrganisationConfig.model_validate(
    tomllib.loads(
        """
[organisation]
name = "Împreună Test"
country = "RO"

[languages]
enabled = ["ro", "sq", "rom", "en"]
default = "ro"

[[activities]]
code = "football"
name = "Fotbal"

[[activities]]
code = "music"
name = "Muzică"
"""
    )
)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def shown(breakdown_counts: list[tuple[str, int]], *, total_shown: bool = True) -> list[str]:
    protected = protect(breakdown_counts, total_shown=total_shown)
    assert protected is not None
    return [cell.count.mark for cell in protected.cells]


# The small-count rule.


def test_one_and_two_are_shown_as_under_three_while_zero_and_three_are_shown() -> None:
    assert Count.of(0).mark == "0"
    assert Count.of(1).mark == "<3"
    assert Count.of(2).mark == "<3"
    assert Count.of(3).mark == "3"
    # Nothing hidden, nothing more to hide.
    assert shown([("a", 3), ("b", 0), ("c", 12)]) == ["3", "0", "12"]


def test_a_withheld_count_keeps_no_value() -> None:
    assert Count.of(2) == Count(None, Withheld.SMALL)


def test_one_hidden_cell_next_to_a_total_hides_the_next_smallest_too() -> None:
    # Total 13 minus 7 and 5 would give the 1 away: the 5 goes too (the smallest above 2).
    assert shown([("a", 1), ("b", 7), ("c", 5)]) == ["<3", "7", "≥3"]
    assert shown([("a", 2), ("b", 3), ("c", 9)]) == ["<3", "≥3", "9"]


def test_secondary_suppression_goes_on_until_the_hidden_values_cannot_be_worked_out() -> None:
    # Hiding the 3 is not enough: the hidden sum 4 could only be 1 + 3.
    assert shown([("a", 1), ("b", 3), ("c", 9)]) == ["<3", "≥3", "≥3"]
    # Two ones next to a total of 7: the hidden sum 2 says both are 1.
    assert shown([("a", 1), ("b", 1), ("c", 5)]) == ["<3", "<3", "≥3"]
    # A 1 and a 2 hidden together: 3 could be 1 + 2 or 2 + 1, so nothing more to hide.
    assert shown([("a", 1), ("b", 2), ("c", 5)]) == ["<3", "<3", "5"]


def test_a_breakdown_that_cannot_be_made_safe_asks_for_its_total_to_go() -> None:
    assert protect([("a", 1), ("b", 1), ("c", 1)], total_shown=True) is None
    # Without the total, the small counts alone are hidden.
    assert shown([("a", 1), ("b", 1), ("c", 1)], total_shown=False) == ["<3", "<3", "<3"]


# Figures from the database.


def concern(received_at: datetime, **extra: object) -> ReportCase:
    fields: dict[str, object] = {
        "kind": CaseKind.CONCERN,
        "audience": "child",
        "urgency": Urgency.STANDARD,
        "activity": "football",
        "status": CaseStatus.ACKNOWLEDGED,
        "deadline_at": received_at + timedelta(hours=24),
        **extra,
    }
    return _case(received_at, fields)


_numbers = itertools.count(1)


def _case(received_at: datetime, fields: dict[str, object]) -> ReportCase:
    number = next(_numbers)
    defaults: dict[str, object] = {"tier": 0, "alert_round": 1}
    return ReportCase(
        code=f"C{number:05d}",
        category=None,
        about_officer=False,
        wants_reply=False,
        received_at=received_at,
        updated_at=received_at,
        receipt_hash="x",
        submission_key=f"submission-{number}",
        **(defaults | fields),
    )


def consent(received_at: datetime, done_after: timedelta | None) -> ReportCase:
    return _case(
        received_at,
        {
            "kind": CaseKind.CONSENT,
            "audience": "parent",
            "urgency": Urgency.STANDARD,
            "activity": "music",
            "status": CaseStatus.DONE if done_after else CaseStatus.RECEIVED,
            "deadline_at": received_at + timedelta(days=30),
            "closed_at": received_at + done_after if done_after else None,
        },
    )


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def seeded_cases() -> Iterator[ReportCase]:
    minutes = timedelta(minutes=1)
    # Just before the period on Bucharest's clocks (23:30 on 31 December): not counted.
    yield concern(at(2025, 12, 31, 21, 30))
    # 00:30 on 1 January in Bucharest, still 2025 in UTC: counted in January.
    yield concern(
        at(2025, 12, 31, 22, 30),
        acknowledged_at=at(2025, 12, 31, 22, 40),
        referred_at=at(2026, 1, 1, 8),
        urgency=Urgency.IMMEDIATE,
        tier=1,
    )
    # January: 6 concerns in all.
    yield concern(at(2026, 1, 5), acknowledged_at=at(2026, 1, 5) + 20 * minutes)
    yield concern(at(2026, 1, 6), acknowledged_at=at(2026, 1, 6) + 30 * minutes, audience="parent")
    yield concern(at(2026, 1, 7), acknowledged_at=at(2026, 1, 7) + 40 * minutes, tier=2)
    yield concern(
        at(2026, 1, 8),
        acknowledged_at=at(2026, 1, 8) + 100 * minutes,
        referred_at=at(2026, 1, 8, 20),
        urgency=Urgency.URGENT,
    )
    yield concern(at(2026, 1, 9), urgency=Urgency.IMMEDIATE, activity="music", tier=1)
    # February: 1.
    yield concern(
        at(2026, 2, 10), closed_at=at(2026, 2, 10, 12), urgency=Urgency.URGENT, audience="parent"
    )
    # March: 4, the last at 23:30 on 31 March in Bucharest (summer time since the 29th).
    yield concern(at(2026, 3, 2), closed_at=at(2026, 3, 2, 15), urgency=Urgency.IMMEDIATE)
    # Referred an hour after its deadline.
    yield concern(at(2026, 3, 3), referred_at=at(2026, 3, 4, 11))
    yield concern(at(2026, 3, 4), referred_at=at(2026, 3, 4, 11), audience="parent")
    yield concern(at(2026, 3, 31, 20, 30), urgency=Urgency.URGENT, activity="music")
    # 00:30 on 1 April in Bucharest: after the period.
    yield concern(at(2026, 3, 31, 21, 30))
    # Consent requests: three done within 30 days, one not done in time.
    yield consent(at(2026, 1, 12), timedelta(days=3))
    yield consent(at(2026, 2, 12), timedelta(days=29))
    yield consent(at(2026, 3, 12), timedelta(days=10))
    yield consent(at(2026, 3, 20), None)


@pytest.fixture
async def seeded(database_url: str) -> AsyncIterator[BoardStatistics]:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            session.add_all(list(seeded_cases()))
        yield BoardStatistics(FiguresRepository(database), FixedClock(), BUCHAREST, ACTIVITIES)
    finally:
        await database.dispose()


async def test_figures_of_seeded_cases_on_the_organisations_clock(
    seeded: BoardStatistics,
) -> None:
    figures = await seeded.figures(FIRST_QUARTER)

    assert figures.concerns == Count(11)
    marks = {
        name: [(cell.key, cell.count.mark) for cell in breakdown.cells]
        for name, breakdown in zip(
            ("month", "audience", "urgency", "activity"), figures.breakdowns, strict=True
        )
    }
    # February's 1 is hidden; 11 - 6 would give it away if March's 4 were shown.
    assert marks["month"] == [("2026-01", "6"), ("2026-02", "<3"), ("2026-03", "≥3")]
    assert marks["audience"] == [("child", "8"), ("parent", "3"), ("staff", "0"), ("other", "0")]
    assert marks["urgency"] == [("immediate", "3"), ("urgent", "3"), ("standard", "5")]
    assert marks["activity"] == [("football", "≥3"), ("music", "<3")]
    # Acknowledged after 10, 20, 30, 40 and 100 minutes.
    assert figures.ack_median == Duration(timedelta(minutes=30))
    assert figures.ack_p90 == Duration(timedelta(minutes=76))
    # Referred or closed by the 24-hour deadline: 5 of 11.
    assert figures.within_deadline == Share(5 / 11)
    assert figures.climbed == Count(3)
    assert figures.consent_requests == Count(4)
    # 3 of 4 in time would say that 1 was late.
    assert figures.consent_within_deadline == Share(None, Withheld.PROTECTS)


async def test_times_and_shares_over_fewer_than_three_cases_are_not_shown(
    seeded: BoardStatistics,
) -> None:
    figures = await seeded.figures(Period(date(2026, 3, 1), date(2026, 3, 31)))

    # 3 from children and 1 from a parent: next to a total of 4, hiding the 3 as well would
    # still give the 1 away, so the total goes instead.
    assert figures.concerns == Count(None, Withheld.PROTECTS)
    assert [c.count.mark for c in figures.by_audience.cells] == ["3", "<3", "0", "0"]
    # No concern of March was acknowledged.
    assert figures.ack_median == Duration(None, Withheld.FEW_CASES)
    # Two consent requests received in March.
    assert figures.consent_requests == Count(None, Withheld.SMALL)
    assert figures.consent_within_deadline == Share(None, Withheld.FEW_CASES)


def facts(received_at: datetime) -> CaseFacts:
    return CaseFacts(
        CaseKind.CONCERN, "child", Urgency.URGENT, None, 0, received_at,
        received_at + timedelta(hours=24), None, None, None,
    )  # fmt: skip


def test_a_total_every_cell_of_a_breakdown_would_give_away_is_hidden_everywhere() -> None:
    # Three concerns in three months: the total 3 would say each month had exactly 1.
    cases = [facts(at(2026, month, 10)) for month in (1, 2, 3)]
    figures = compute(cases, FIRST_QUARTER, BUCHAREST, NOW, ACTIVITIES)

    assert figures.concerns == Count(None, Withheld.PROTECTS)
    assert [c.count.mark for c in figures.by_month.cells] == ["<3", "<3", "<3"]
    # Without the total, the other breakdowns need no more hiding than their own small counts.
    assert [c.count.mark for c in figures.by_urgency.cells] == ["0", "3", "0"]


def test_the_default_period_is_the_last_twelve_months_and_a_year_is_a_calendar_year() -> None:
    assert Period.twelve_months_to(date(2026, 12, 6)) == Period(date(2026, 1, 1), date(2026, 12, 6))
    assert Period.twelve_months_to(date(2026, 3, 15)) == Period(date(2025, 4, 1), date(2026, 3, 15))
    assert len(Period.twelve_months_to(date(2026, 3, 15)).months()) == 12
    assert Period.year(2025).bounds(BUCHAREST) == (
        datetime(2024, 12, 31, 22, 0, tzinfo=UTC),
        datetime(2025, 12, 31, 22, 0, tzinfo=UTC),
    )


# Charts.


@pytest.fixture
def figures() -> BoardFigures:
    cases = [
        *(facts(at(2026, 1, day)) for day in range(1, 7)),
        facts(at(2026, 2, 3)),
        *(facts(at(2026, 3, day)) for day in range(1, 5)),
    ]
    return compute(cases, FIRST_QUARTER, BUCHAREST, NOW, ACTIVITIES)


def words_in(language: str, figures: BoardFigures) -> ChartWords:
    i18n = I18n(path=LOCALES_DIR, default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale(language):
        return stats_texts.chart_words(figures, CONFIG)


def test_the_dashboard_is_a_png_of_sane_size(figures: BoardFigures) -> None:
    picture = Image.open(io.BytesIO(dashboard_png(figures, words_in("ro", figures))))

    assert picture.format == "PNG"
    width, height = picture.size
    assert 800 <= width <= 2000
    assert 500 <= height <= 1500
    # Telegram takes photos up to 10000 pixels wide and high together, 20 times wider than high.
    assert width + height <= 10_000
    assert max(width, height) / min(width, height) <= 20


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    try:
        return "\n".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()


def test_the_report_pdf_is_in_the_readers_language_and_hides_small_counts(
    figures: BoardFigures,
) -> None:
    text = pdf_text(report_pdf(figures, words_in("ro", figures)))

    assert "Cifrele de la 1 ianuarie 2026 până la 31 martie 2026" in text
    assert "Sesizări pe luni" in text
    assert "Sesizări pe luni: feb. 2026" in text
    assert "<3" in text
    assert "≥3" in text
    assert "Concerns" not in text


def test_the_report_pdf_in_romani_shows_months_in_digits(figures: BoardFigures) -> None:
    text = pdf_text(report_pdf(figures, words_in("rom", figures)))

    assert "Raportura pe čhona: 02.2026" in text
    assert "01.01.2026" in text


def test_the_table_lines_show_the_marks_not_the_values(figures: BoardFigures) -> None:
    lines = table_lines(figures, words_in("en", figures))

    assert lines[0] == "Figures from 1 January 2026 to 31 March 2026"
    month_lines = [line for line in lines if line.startswith("Concerns by month")]
    assert [line.split()[-1] for line in month_lines] == ["6", "<3", "≥3"]


async def test_stats_asks_for_the_last_twelve_months_or_one_year_up_to_this_one(
    sqlite_url: str,
) -> None:
    database = Database(sqlite_url)
    statistics = BoardStatistics(FiguresRepository(database), FixedClock(), BUCHAREST, ())

    assert requested_period(None, statistics) == Period(date(2025, 7, 1), date(2026, 6, 1))
    assert requested_period(" 2025 ", statistics) == Period.year(2025)
    assert requested_period("2026", statistics) == Period.year(2026)
    for wrong in ("2027", "1999", "last year", "2025-01"):
        assert requested_period(wrong, statistics) is None
    await database.dispose()
