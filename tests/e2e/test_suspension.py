"""A member named in a concern is suspended, then reinstated; a member steps away from a case.

Through the emulator, as the officer, the member and the board see it on their phones."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from emulator.client import Screen
from storage.db import Database
from storage.models import CaseEntry, EntryKey, ReportCase
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import (
    PASSPHRASE,
    acknowledge,
    alerts,
    audit_actions,
    child_report,
    enrolled,
    parent_report,
    staff_desk,
    tap_on_newest,
)
from tests.e2e.harness import InProcessBot, Person

PAUSED = "Your access to cases is paused for now."
BACK = "Your access is back."
CAMP = "/start act_summer_camp"


async def member_id(bot: InProcessBot, name: str) -> int:
    return next(m.id for m in await staff_desk(bot).members() if m.name == name)


def alerted_for(screen: Screen, code: str) -> list[str]:
    return [text for text in alerts(screen) if code in text]


async def open_card(member: Person, code: str) -> None:
    """/cases, then the case's button: its card."""
    await member.send("/cases")
    await member.wait_for(lambda s: any(code in b for m in s.bot_messages for b in m.button_texts))
    await tap_on_newest(member, code)
    await member.wait_for(
        lambda s: (
            any("A staff member is concerned" in m.button_texts for m in s.bot_messages)
            or any("Step away from this case" in m.button_texts for m in s.bot_messages)
        )
    )


async def readers_of(bot: InProcessBot, code: str) -> set[int]:
    database = Database(bot.database_url)
    try:
        async with database.transaction() as session:
            rows = await session.execute(
                select(EntryKey.reader_id)
                .join(CaseEntry, EntryKey.entry_id == CaseEntry.id)
                .join(ReportCase, CaseEntry.case_id == ReportCase.id)
                .where(ReportCase.code == code)
            )
            return set(rows.scalars())
    finally:
        await database.dispose()


async def test_a_member_named_in_a_concern_gets_no_alert_reads_nothing_until_reinstated(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    camp_safe_person = await enrolled(
        safeperson, make_person, "Dan", "safe_person", activity="summer_camp"
    )
    dan = await member_id(safeperson, "Dan")
    maria = await member_id(safeperson, "Maria")

    # A child at the camp reports; the camp's safe person takes the case.
    child = await make_person(first_name="Ana", language_code="en")
    first, _secret, _screen = await child_report(child, "en", start=CAMP)
    await acknowledge(camp_safe_person, first)
    await officer.wait_for(
        lambda s: any(f"Case {first} was acknowledged by Dan." in m.text for m in s.bot_messages)
    )

    # The officer marks Dan as the member the concern is about.
    await open_card(officer, first)
    await tap_on_newest(officer, "A staff member is concerned")
    screen = await officer.wait_for_bot_text(f"Case {first}: which member of staff")
    menu = next(m for m in screen.bot_messages if "which member of staff" in m.text)
    assert menu.button_texts == ["Dan (safe person)", "Leave it as it is"]  # never themselves
    await officer.tap("Dan (safe person)", message_id=menu.message_id)
    await officer.wait_for_bot_text("Pause the access of Dan?")
    await tap_on_newest(officer, "Pause their access")
    await officer.wait_for_bot_text("Dan's access is paused.")

    # Dan is told only that their access is paused: not why, not which case.
    screen = await camp_safe_person.wait_for_bot_text(PAUSED)
    notice = next(m for m in screen.bot_messages if PAUSED in m.text)
    assert first not in notice.text
    assert "concern" not in notice.text.lower()

    # The case Dan had taken goes back to the ladder: the officer is alerted to take it.
    await officer.wait_for(lambda s: len(alerted_for(s, first)) == 2)
    await acknowledge_newest(officer, first)

    # Dan can no longer open it, nor anything else: the old alert's Read, /cases, /staff.
    await camp_safe_person.tap("Read", message_id=alert_of(await camp_safe_person.screen(), first))
    await camp_safe_person.wait_for(lambda s: any(PAUSED in t.text for t in s.toasts))
    for command in ("/cases", "/stats", "/staff"):
        await camp_safe_person.send(command)
    await camp_safe_person.wait_for_bot_text(PAUSED, count=4)
    assert not any("locked" in m.text for m in (await camp_safe_person.screen()).bot_messages)
    assert dan not in await readers_of(safeperson, first)  # its keys for Dan are gone

    # A new case at the camp alerts the officer, not Dan, and is not sealed for Dan.
    second_child = await make_person(first_name="Ioana", language_code="en")
    second, _secret, _screen = await child_report(second_child, "en", start=CAMP)
    await officer.wait_for(lambda s: len(alerted_for(s, second)) == 1)
    await safeperson.settle()
    assert alerted_for(await camp_safe_person.screen(), second) == []
    assert dan not in await readers_of(safeperson, second)

    # The officer gives Dan's access back with /staff.
    await officer.send("/staff")
    await officer.wait_for_bot_text("1 member's access is paused.")
    await tap_on_newest(officer, "Dan (safe person)")
    await officer.wait_for_bot_text("Dan's access is back, for new cases.")
    await camp_safe_person.wait_for_bot_text(BACK)

    # New cases reach Dan again and open for him; the cases of the pause stay closed to him.
    third_child = await make_person(first_name="Mihai", language_code="en")
    third, _secret, _screen = await child_report(third_child, "en", start=CAMP)
    screen = await camp_safe_person.wait_for(lambda s: len(alerted_for(s, third)) == 1)
    await camp_safe_person.tap("Read", message_id=alert_of(screen, third))
    await camp_safe_person.wait_for_bot_text("Your key is locked.")
    await camp_safe_person.send(PASSPHRASE)
    await camp_safe_person.wait_for(lambda s: any(m.protect_content for m in s.bot_messages))
    await camp_safe_person.tap("Read", message_id=alert_of(await camp_safe_person.screen(), first))
    await camp_safe_person.wait_for(
        lambda s: any("This case is not sealed for you." in t.text for t in s.toasts)
    )

    # The audit log says who suspended Dan, on which case, and who reinstated him.
    actions = await audit_actions(safeperson)
    assert (f"staff:{maria}", f"suspended staff:{dan}", first) in actions
    assert (f"staff:{maria}", f"reinstated staff:{dan}", None) in actions


def alert_of(screen: Screen, code: str) -> int:
    """The alert (or the card it became) with a Read button for this case."""
    return next(
        m.message_id for m in screen.bot_messages if code in m.text and "Read" in m.button_texts
    )


async def acknowledge_newest(member: Person, code: str) -> None:
    screen = await member.screen()
    newest = [m for m in screen.bot_messages if f"New case {code}" in m.text][-1]
    await member.tap("Acknowledge", message_id=newest.message_id)
    await member.wait_for_bot_text(f"You acknowledged case {code}.")


async def test_only_the_board_may_name_the_officer_and_the_officer_then_gets_no_alert(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    deputy = await enrolled(safeperson, make_person, "Ion", "deputy")
    board = await enrolled(safeperson, make_person, "Elena", "board")
    maria = await member_id(safeperson, "Maria")
    elena = await member_id(safeperson, "Elena")

    # The deputy, on an ordinary case, may name anyone but the officer.
    parent = await make_person(first_name="Vasile", language_code="en")
    ordinary, _secret, _screen = await parent_report(parent, "en", "A worry about the camp.")
    await officer.wait_for(lambda s: len(alerted_for(s, ordinary)) == 1)
    safeperson.clock.ahead += timedelta(hours=3)
    await deputy.wait_for(lambda s: len(alerted_for(s, ordinary)) == 1)
    await acknowledge(deputy, ordinary)
    await open_card(deputy, ordinary)
    await tap_on_newest(deputy, "A staff member is concerned")
    screen = await deputy.wait_for_bot_text(f"Case {ordinary}: which member of staff")
    menu = next(m for m in screen.bot_messages if "which member of staff" in m.text)
    assert "Maria (Child Protection Officer)" not in menu.button_texts
    assert "Elena (board member)" in menu.button_texts
    await deputy.tap("Leave it as it is", message_id=menu.message_id)
    await deputy.wait_for_bot_text("Nothing changed.")

    # A concern about the officer goes to the board, who pauses the officer's access.
    about_officer, _secret, _screen = await parent_report(
        await make_person(first_name="Rodica", language_code="en"),
        "en",
        "A worry about the officer.",
        about_staff="Yes, the Child Protection Officer",
    )
    await acknowledge(board, about_officer)
    await open_card(board, about_officer)
    await tap_on_newest(board, "A staff member is concerned")
    await board.wait_for_bot_text(f"Case {about_officer}: which member of staff")
    await tap_on_newest(board, "Maria (Child Protection Officer)")
    await tap_on_newest(board, "Pause their access")
    await board.wait_for_bot_text("Maria's access is paused.")
    await officer.wait_for_bot_text(PAUSED)

    # The next case goes to the deputy first; the officer hears nothing of it.
    child = await make_person(first_name="Ana", language_code="en")
    after, _secret, _screen = await child_report(child, "en")
    await deputy.wait_for(lambda s: len(alerted_for(s, after)) == 1)
    await safeperson.settle()
    assert alerted_for(await officer.screen(), after) == []

    # Only the board gives the officer's access back; the deputy has no /staff.
    await deputy.send("/staff")
    await deputy.wait_for_bot_text("I do not know that command.")
    await board.send("/staff")
    await board.wait_for_bot_text("1 member's access is paused.")
    await tap_on_newest(board, "Maria (Child Protection Officer)")
    await board.wait_for_bot_text("Maria's access is back, for new cases.")
    await officer.wait_for_bot_text(BACK)
    actions = await audit_actions(safeperson)
    assert (f"staff:{elena}", f"suspended staff:{maria}", about_officer) in actions
    assert (f"staff:{elena}", f"reinstated staff:{maria}", None) in actions


async def test_a_member_steps_away_from_one_case_and_it_goes_to_the_others(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    deputy = await enrolled(safeperson, make_person, "Ion", "deputy")
    maria = await member_id(safeperson, "Maria")
    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")
    await acknowledge(officer, code)

    await open_card(officer, code)
    await tap_on_newest(officer, "Step away from this case")
    await officer.wait_for_bot_text(f"Step away from case {code}?")
    await tap_on_newest(officer, "Step away from this case")
    await officer.wait_for_bot_text(f"You stepped away from case {code}.")

    # The case is taken by nobody now: the deputy is alerted; the officer cannot open it.
    await deputy.wait_for(lambda s: len(alerted_for(s, code)) == 1)
    await officer.tap("Read", message_id=alert_of(await officer.screen(), code))
    await officer.wait_for_bot_text("Your key is locked.")
    await officer.send(PASSPHRASE)
    await officer.wait_for_bot_text("This case is not sealed for you.")
    assert maria not in await readers_of(safeperson, code)

    # The last reader may not step away: nobody could ever open the case again.
    await acknowledge(deputy, code)
    await open_card(deputy, code)
    await tap_on_newest(deputy, "Step away from this case")
    await deputy.wait_for_bot_text(f"Step away from case {code}?")
    await tap_on_newest(deputy, "Step away from this case")
    await deputy.wait_for_bot_text(f"You are the only one who can still read case {code}")
    # Other staff keep their access: the officer's own next case opens as before.
    second, _secret, _screen = await child_report(
        await make_person(first_name="Ioana", language_code="en"), "en"
    )
    await officer.wait_for(lambda s: len(alerted_for(s, second)) == 1)
    actions = await audit_actions(safeperson)
    assert (f"staff:{maria}", "stepped away (conflict of interest)", code) in actions
