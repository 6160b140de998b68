"""Routes (the chat a message goes to) are wiped as soon as nothing needs them any more."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage import migrate
from storage.cases import CaseRepository
from storage.db import Database
from storage.models import OutboxMessage, ReportCase
from storage.outbox import OutboxRepository
from storage.vocabulary import CaseStatus

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def case_row(code: str, status: str) -> ReportCase:
    return ReportCase(
        code=code,
        audience="child",
        urgency="standard",
        about_officer=False,
        wants_reply=True,
        status=status,
        received_at=NOW,
        deadline_at=NOW,
        updated_at=NOW,
        receipt_hash="$argon2id$test",
        reply_route=b"sealed route of " + code.encode(),
        submission_key=f"submission {code}",
    )


async def test_housekeeping_wipes_the_reply_routes_of_closed_cases_only(database_url: str) -> None:
    database = Database(database_url)
    try:
        await migrate.upgrade(database)
        async with database.transaction() as session:
            for code, status in (
                ("OPEN22", "acknowledged"),
                ("SHUT22", "closed"),
                ("DONE22", "done"),
            ):
                session.add(case_row(code, status))
        cases = CaseRepository(database)
        assert await cases.forget_reply_routes((CaseStatus.CLOSED, CaseStatus.DONE)) == 2
        assert await cases.forget_reply_routes((CaseStatus.CLOSED, CaseStatus.DONE)) == 0
        async with database.transaction() as session:
            rows = await session.execute(select(ReportCase.code, ReportCase.reply_route))
            routes = {code: route for code, route in rows}
        # An open case still relays replies to its reporter.
        assert routes == {"OPEN22": b"sealed route of OPEN22", "SHUT22": None, "DONE22": None}
    finally:
        await database.dispose()


async def test_an_outbox_message_sent_or_given_up_keeps_no_route(database_url: str) -> None:
    database = Database(database_url)
    try:
        await migrate.upgrade(database)
        outbox = OutboxRepository(database)
        ids: dict[str, int] = {}
        for purpose in ("sent", "failed", "waiting"):
            added = await outbox.enqueue(
                priority=1, route=b"route", payload=b"text", dedupe_key=purpose, now=NOW
            )
            assert added is not None
            ids[purpose] = added
        await outbox.mark_sent([ids["sent"]], 42, NOW)
        await outbox.give_up([ids["failed"]])
        async with database.transaction() as session:
            rows = await session.execute(
                select(OutboxMessage.dedupe_key, OutboxMessage.route, OutboxMessage.payload)
            )
            kept = {key: (route, payload) for key, route, payload in rows}
        assert kept == {
            "sent": (b"", b""),
            "failed": (b"", b""),
            "waiting": (b"route", b"text"),  # still to be sent: still needed
        }
        # A row finished by an earlier version, route and all, is wiped by housekeeping.
        async with database.transaction() as session:
            row = await session.get(OutboxMessage, ids["sent"])
            assert row is not None
            row.route = b"old route"
        assert await outbox.forget_finished_routes() == 1
        assert await outbox.forget_finished_routes() == 0
        # The sent row itself stays: its dedupe key keeps one message per purpose.
        assert (
            await outbox.enqueue(
                priority=1, route=b"route", payload=b"text", dedupe_key="sent", now=NOW
            )
            is None
        )
    finally:
        await database.dispose()
