"""A new case alerts tier 1 at once, through the outbox, with triage facts only."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import delete, select, update

from bot.staff import StaffDesk
from emulator.client import EmulatorClient, Screen
from storage.db import Database
from storage.models import AuditAnchor, AuditEvent
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import (
    CANARY,
    NEW_CASE,
    alerts,
    child_report,
    enrolled,
    local_day,
    parent_report,
)
from tests.e2e.harness import InProcessBot, run_cli


def staff_desk(bot: InProcessBot) -> StaffDesk:
    assert bot.app is not None
    desk = bot.app.dispatcher["staff"]
    assert isinstance(desk, StaffDesk)
    return desk


async def test_a_childs_report_alerts_the_officer_and_the_activitys_safe_person(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    camp = await enrolled(safeperson, make_person, "Dan", "safe_person", "summer_camp")
    deputy = await enrolled(safeperson, make_person, "Ion", "deputy")
    child = await make_person(first_name="Ana", language_code="ro")
    code, _secret, _screen = await child_report(child, "ro", start="/start act_summer_camp")

    for reader in (officer, camp):
        screen = await reader.wait_for(lambda s: bool(alerts(s)))
        alert = next(m for m in screen.bot_messages if NEW_CASE.search(m.text))
        assert f"New case {code}" in alert.text
        assert "urgent" in alert.text
        assert "a child or young person" in alert.text
        assert "Summer camp" in alert.text
        assert "Deadline:" in alert.text
        assert CANARY not in alert.text  # facts only, never content
        assert "scares" not in alert.text
        assert alert.button_texts == ["Acknowledge", "Read"]
    await safeperson.drain_outbox()
    assert alerts(await deputy.screen()) == []  # the deputy is tier 2


async def test_a_case_about_the_officer_alerts_the_board_and_not_the_officer(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    board = await enrolled(safeperson, make_person, "Elena", "board")
    parent = await make_person(first_name="Vera", language_code="en")
    code, _secret, _screen = await parent_report(
        parent,
        "en",
        "The coordinator shouts at my daughter.",
        about_staff="Yes, the Child Protection Officer",
    )
    screen = await board.wait_for(lambda s: bool(alerts(s)))
    assert f"New case {code}" in alerts(screen)[0]
    assert "It concerns someone who works with us." in alerts(screen)[0]
    await safeperson.drain_outbox()
    assert alerts(await officer.screen()) == []


async def test_alerts_arrive_though_a_third_of_telegram_calls_fail(
    safeperson: InProcessBot, make_person: MakePerson, telegram: EmulatorClient
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    child = await make_person(first_name="Ana", language_code="en")
    await telegram.add_fault("429", "sendMessage", probability=0.33, retry_after=1)
    await telegram.add_fault("500", "sendMessage", probability=0.2)
    code, _secret, _screen = await child_report(child, "en")
    screen = await officer.wait_for(lambda s: bool(alerts(s)), timeout=60)
    assert [f"New case {code}" in text for text in alerts(screen)] == [True]  # exactly one
    failed = [c for c in await telegram.calls() if c.method == "sendMessage" and c.status != 200]
    assert failed  # the faults really happened


async def test_the_ladder_climbs_until_someone_acknowledges_and_then_stops(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    deputy = await enrolled(safeperson, make_person, "Ion", "deputy")
    board = await enrolled(safeperson, make_person, "Elena", "board")
    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")  # urgent: ack within 30 minutes
    await officer.wait_for(lambda s: len(alerts(s)) == 1)
    await safeperson.settle()
    assert alerts(await deputy.screen()) == []

    # 31 minutes without an acknowledgement: the deputy is alerted, the officer again.
    safeperson.clock.ahead += timedelta(minutes=31)
    await deputy.wait_for(lambda s: len(alerts(s)) == 1)
    await officer.wait_for(lambda s: len(alerts(s)) == 2)
    await safeperson.settle()
    assert alerts(await board.screen()) == []

    # A restart in the middle of the ladder: it still climbs on time.
    await safeperson.restart()
    safeperson.clock.ahead += timedelta(minutes=31)
    await board.wait_for(lambda s: len(alerts(s)) == 1)
    await deputy.wait_for(lambda s: len(alerts(s)) == 2)

    # The deputy takes it: everyone alerted is told who, and the alerts stop.
    screen = await deputy.screen()
    latest = [m for m in screen.bot_messages if NEW_CASE.search(m.text)][-1]
    await deputy.tap("Acknowledge", message_id=latest.message_id)
    await deputy.wait_for_bot_text(f"You acknowledged case {code}.")
    for other in (officer, board):
        await other.wait_for_bot_text(f"Case {code} was acknowledged by Ion.")
    await safeperson.drain_outbox()
    assert not [m for m in (await deputy.screen()).bot_messages if "acknowledged by" in m.text]
    counts = [len(alerts(await p.screen())) for p in (officer, deputy, board)]
    safeperson.clock.ahead += timedelta(hours=3)
    await safeperson.settle()  # a pass of the ladder three hours on, and its messages sent
    assert [len(alerts(await p.screen())) for p in (officer, deputy, board)] == counts


async def test_someone_not_staff_cannot_acknowledge(
    safeperson: InProcessBot, make_person: MakePerson, telegram: EmulatorClient
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")
    screen = await officer.wait_for(lambda s: bool(alerts(s)))
    alert = next(m for m in screen.bot_messages if NEW_CASE.search(m.text))
    # A forged tap from the child's account on the officer's alert data.
    await telegram.press(
        child.user.user_id,
        callback_data=f"ack:{code}",
        message_id=child_last_message_id(await child.screen()),
        allow_missing=True,
    )
    await child.wait_for(lambda s: any("earlier step" in t.text for t in s.toasts))
    # The case is still unacknowledged: the officer can take it.
    await officer.tap("Acknowledge", message_id=alert.message_id)
    await officer.wait_for_bot_text(f"You acknowledged case {code}.")


def child_last_message_id(screen: Screen) -> int:
    return screen.bot_messages[-1].message_id


async def test_reminders_before_the_report_deadline_and_a_breach_alert_to_the_board(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    board = await enrolled(safeperson, make_person, "Elena", "board")
    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")
    screen = await officer.wait_for(lambda s: bool(alerts(s)))
    alert = next(m for m in screen.bot_messages if NEW_CASE.search(m.text))
    await officer.tap("Acknowledge", message_id=alert.message_id)
    await officer.wait_for_bot_text(f"You acknowledged case {code}.")

    def reminders(screen: Screen) -> list[str]:
        return [m.text for m in screen.bot_messages if m.text.startswith("⏰")]

    # 12 hours before the 24-hour deadline: the one who took the case is reminded.
    safeperson.clock.ahead += timedelta(hours=12, minutes=1)
    screen = await officer.wait_for(lambda s: len(reminders(s)) == 1)
    assert f"Case {code}: the report deadline is in 12 hours" in reminders(screen)[0]
    # The bot was down from then until an hour before: one reminder, not the missed ones too.
    await safeperson.stop()
    safeperson.clock.ahead += timedelta(hours=11)
    await safeperson.start()
    screen = await officer.wait_for(lambda s: len(reminders(s)) == 2)
    assert "the report deadline is in 1 hour" in reminders(screen)[1]
    await safeperson.settle()
    assert not [m for m in (await board.screen()).bot_messages if m.text.startswith("⚠️")]
    # At the deadline, not referred or closed: the board is told.
    safeperson.clock.ahead += timedelta(hours=1)
    screen = await board.wait_for(lambda s: any(m.text.startswith("⚠️") for m in s.bot_messages))
    breach = next(m.text for m in screen.bot_messages if m.text.startswith("⚠️"))
    assert f"Case {code} passed its report deadline" in breach
    await safeperson.settle()  # another pass changes nothing: each message goes once
    assert len(reminders(await officer.screen())) == 2
    assert sum(m.text.startswith("⚠️") for m in (await board.screen()).bot_messages) == 1


async def test_read_unlocks_with_the_passphrase_shows_protected_and_deletes_later(
    safeperson: InProcessBot, make_person: MakePerson, telegram: EmulatorClient
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    club = await enrolled(safeperson, make_person, "Ion", "safe_person", "summer_camp")
    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")  # no activity: not the club's
    screen = await officer.wait_for(lambda s: bool(alerts(s)))
    alert = next(m for m in screen.bot_messages if NEW_CASE.search(m.text))

    await officer.tap("Read", message_id=alert.message_id)
    await officer.wait_for_bot_text("Your key is locked. Send your passphrase")
    await officer.send("not my passphrase at all")
    await officer.wait_for_bot_text("That passphrase does not open your key.")
    await officer.tap("Read", message_id=alert.message_id)
    await officer.wait_for_bot_text("Your key is locked.", count=2)
    await officer.send("river lantern quiet seven")
    screen = await officer.wait_for(
        lambda s: (
            any(CANARY in m.text for m in s.bot_messages)
            and any(m.kind == "voice" for m in s.bot_messages)
        )
    )
    shown = [m for m in screen.bot_messages if CANARY in m.text or m.kind == "voice"]
    assert len(shown) == 2  # the report, and the child's voice note re-sent
    assert all(m.protect_content for m in shown)
    assert not any("river lantern" in m.text for m in screen.messages)  # passphrases deleted

    # Unlocked for a while: Read again needs no passphrase.
    await officer.tap("Read", message_id=alert.message_id)
    await officer.wait_for(
        lambda s: (
            sum(CANARY in m.text for m in s.bot_messages) == 2
            and sum(m.kind == "voice" for m in s.bot_messages) == 2
        )
    )
    # After read_visible_for (10 minutes) the decrypted messages are deleted.
    safeperson.clock.ahead += timedelta(minutes=11)
    await officer.wait_for(
        lambda s: not any(CANARY in m.text or m.kind == "voice" for m in s.bot_messages)
    )
    # /lock: the next Read asks for the passphrase again.
    await officer.send("/lock")
    await officer.wait_for_bot_text("Locked.")
    await officer.tap("Read", message_id=alert.message_id)
    await officer.wait_for_bot_text("Your key is locked.", count=3)

    # The club's safe person was not alerted and the case is not sealed for them; a forged
    # Read from them opens nothing.
    await safeperson.drain_outbox()
    assert alerts(await club.screen()) == []
    await telegram.press(
        club.user.user_id,
        callback_data=f"read:{code}",
        message_id=child_last_message_id(await club.screen()),
        allow_missing=True,
    )
    await club.wait_for_bot_text("Your key is locked.")
    await club.send("river lantern quiet seven")
    await club.wait_for_bot_text("This case is not sealed for you.")


async def audit_verify(bot: InProcessBot) -> tuple[int, str]:
    returncode, out, _err = await run_cli(bot, "audit", "verify")
    return returncode, out


async def test_the_audit_log_records_who_did_what_and_detects_tampering(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")
    screen = await officer.wait_for(lambda s: bool(alerts(s)))
    alert = next(m for m in screen.bot_messages if NEW_CASE.search(m.text))
    await officer.tap("Acknowledge", message_id=alert.message_id)
    await officer.wait_for_bot_text(f"You acknowledged case {code}.")
    await officer.tap("Read", message_id=alert.message_id)
    await officer.wait_for_bot_text("Your key is locked.")
    await officer.send("river lantern quiet seven")
    await officer.wait_for(lambda s: any(CANARY in m.text for m in s.bot_messages))
    await safeperson.stop()

    database = Database(safeperson.database_url)
    try:
        async with database.transaction() as session:
            rows = (await session.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars()
            events = [(e.actor, e.action, e.case_code) for e in rows]
        assert events[:2] == [("operator", "invited staff:1", None), ("staff:1", "enrolled", None)]
        events = events[2:]
        assert [action for _actor, action, _code in events] == [
            "case submitted",
            "tier 1 alerted (1)",
            "acknowledged",
            "read",
        ]
        assert all(case_code == code for _actor, _action, case_code in events)
        assert events[2][0] == events[3][0] == "staff:1"  # who acknowledged and read
        everything = " ".join(str(e) for e in events)
        assert CANARY not in everything

        code_, out = await audit_verify(safeperson)
        assert code_ == 0
        assert out.startswith("audit log intact: 6 events\nhead fingerprint: ")
        # Someone edits a row in the database: caught, and where.
        async with database.transaction() as session:
            await session.execute(
                update(AuditEvent).where(AuditEvent.action == "read").values(action="closed")
            )
        code_, out = await audit_verify(safeperson)
        assert code_ == 1
        assert "BROKEN at event 6" in out
        # Removing the tampered row instead breaks nothing before it, and verify says intact
        # for the shorter chain only if it was the last: removing one in the middle is caught.
        async with database.transaction() as session:
            await session.execute(delete(AuditEvent).where(AuditEvent.action == "acknowledged"))
        code_, out = await audit_verify(safeperson)
        assert code_ == 1
        assert "BROKEN at event" in out
    finally:
        await database.dispose()


async def test_a_reader_sees_the_language_the_reporter_wrote_in(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    child = await make_person(first_name="Ana", language_code="sq")
    code, _secret, _screen = await child_report(child, "sq")
    screen = await officer.wait_for(lambda s: bool(alerts(s)))
    alert = next(m for m in screen.bot_messages if f"New case {code}" in m.text)
    await officer.tap("Read", message_id=alert.message_id)
    await officer.wait_for_bot_text("Your key is locked. Send your passphrase")
    await officer.send("river lantern quiet seven")
    # In the reader's language, naming the reporter's as its speakers write it.
    # (Kept inside the sealed report: nothing else stores it.)
    await officer.wait_for_bot_text("The reporter wrote in: Shqip")


FINGERPRINT = re.compile(r"Audit log fingerprint for ([^:]+): ([0-9a-f-]{19})")


async def test_the_board_gets_the_audit_fingerprint_daily_and_it_catches_a_rollback(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    board = await enrolled(safeperson, make_person, "Elena", "board")
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    await safeperson.sweep_as_if_later(0)
    screen = await board.wait_for(lambda s: any(FINGERPRINT.search(m.text) for m in s.bot_messages))
    found = [FINGERPRINT.search(m.text) for m in screen.bot_messages]
    witness = next(match for match in found if match is not None)
    assert witness.group(1) == local_day(safeperson.clock.now(), "en")  # "6 December 2026"
    held = witness.group(2)
    # The officer is not the board: no fingerprint there; and housekeeping again the same day
    # sends nothing new.
    await safeperson.drain_outbox()
    assert not any(FINGERPRINT.search(m.text) for m in (await officer.screen()).bot_messages)
    await safeperson.sweep_as_if_later(0.1)
    # More happens: a report, its alert.
    child = await make_person(first_name="Ana", language_code="en")
    await child_report(child, "en")
    await officer.wait_for(lambda s: bool(alerts(s)))
    await safeperson.sweep_as_if_later(0.2)
    await safeperson.drain_outbox()
    screen = await board.screen()
    assert sum(bool(FINGERPRINT.search(m.text)) for m in screen.bot_messages) == 1
    await safeperson.stop()

    # The log still extends what the board holds.
    returncode, out, _err = await run_cli(safeperson, "audit", "verify", "--expect", held)
    assert returncode == 0, out
    # Someone rolls the log back to before that day (keeping only the board member's own
    # enrolment) and deletes the anchor with it: the fingerprint the board holds says so.
    database = Database(safeperson.database_url)
    try:
        async with database.transaction() as session:
            await session.execute(delete(AuditEvent).where(AuditEvent.id > 2))
            await session.execute(delete(AuditAnchor))
    finally:
        await database.dispose()
    returncode, out, _err = await run_cli(safeperson, "audit", "verify", "--expect", held)
    assert returncode == 1
    assert "ROLLED BACK" in out
