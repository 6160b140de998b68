"""Acting on a case: the reply relay both ways, the status steps, /cases, and revoked members."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from bot.languages import SUPPORTED
from bot.staff import PASSPHRASE_FREE_TRIES, PASSPHRASE_LOCK_AFTER, passphrase_delay
from emulator.client import EmulatorClient
from storage.db import Database
from storage.models import CaseEntry, EntryKey, OutboxMessage, ReportCase
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import (
    BUCHAREST,
    CANARY,
    GOT_IT,
    MONTHS,
    PASSPHRASE,
    THATS_ALL,
    acknowledge,
    alerts,
    audit_actions,
    child_report,
    enrolled,
    local_day,
    parent_report,
    staff_desk,
    stored_bytes,
    tap_newest,
    tap_on_newest,
)
from tests.e2e.harness import InProcessBot, count_rows, translate

EXAMPLE = re.compile(r"(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d)")
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
REPLY = "Thank you for telling me. Are you somewhere safe tonight? reply-canary-51c0"
ANSWER = "Yes, I am at my aunt's house. answer-canary-9e2a"


async def test_the_reply_relay_works_both_ways_without_revealing_either_side(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria Popescu", "officer")
    child = await make_person(first_name="Luminita", language_code="en")
    code, secret, _screen = await child_report(child, "en")
    await acknowledge(officer, code)

    # The officer replies from the acknowledged alert.
    await tap_on_newest(officer, "Reply")
    await officer.wait_for_bot_text("The reporter sees it as from «the safe person»")
    await officer.send(REPLY)
    await officer.wait_for_bot_text(f"Sent to the reporter of case {code}.")

    # The child sees it from "the safe person", never the officer's name or account.
    screen = await child.wait_for_bot_text(REPLY)
    relayed = next(m for m in screen.bot_messages if REPLY in m.text)
    assert "A message from the safe person:" in relayed.text
    assert relayed.button_texts == ["Answer"]
    assert not any("Maria" in m.text or "Popescu" in m.text for m in screen.messages)
    assert str(officer.user.user_id) not in screen.texts

    # The child answers; it goes into the case, and the officer who acknowledged is alerted.
    await child.tap("Answer", message_id=relayed.message_id)
    await child.wait_for_bot_text("Write or send a voice message.")
    await child.send(ANSWER)
    await child.wait_for_bot_text(GOT_IT)
    await tap_newest(child, "en", THATS_ALL)
    await child.wait_for_bot_text("Added to your message. Thank you.")
    screen = await officer.wait_for_bot_text(f"Case {code}: the reporter wrote more.")
    nudge = next(m for m in screen.bot_messages if "the reporter wrote more" in m.text)
    assert ANSWER not in nudge.text  # an alert, never content
    assert nudge.button_texts == ["Read"]

    # Read shows the whole conversation, in the reader's words, and nothing about the child's
    # account (their Telegram name is Luminita; the name they chose to give was Ana).
    await officer.tap("Read", message_id=nudge.message_id)
    await officer.wait_for_bot_text("Your key is locked.")
    await officer.send(PASSPHRASE)
    screen = await officer.wait_for(lambda s: any(ANSWER in m.text for m in s.bot_messages))
    report = "\n".join(m.text for m in screen.bot_messages if m.protect_content)
    assert CANARY in report
    assert "Safe right now: Yes, I am safe" in report
    assert "First name: Ana" in report
    assert "Wants a reply: Yes, please" in report
    assert "safe_now" not in report  # no internal keys or values
    assert "wants_reply" not in report
    assert "Maria Popescu replied as «the safe person»" in report
    assert report.index(REPLY) < report.index("The reporter added") < report.index(ANSWER)
    assert "Luminita" not in "\n".join(screen.texts)
    assert str(child.user.user_id) not in "\n".join(screen.texts)

    # With /status the child reads the reply again (e.g. after erasing the chat).
    await child.send("/erase")
    await tap_on_newest(child, "Erase now")
    await child.wait_for(lambda s: not any(REPLY in m.text for m in s.bot_messages))
    await child.send("/status")
    await child.wait_for_bot_text("Please send your code.")
    await child.send(code)
    await child.wait_for_bot_text("Now send your secret word.")
    await child.send(secret)
    screen = await child.wait_for_bot_text(f"Your message {code}:")
    assert any("The safe person wrote on" in m.text and REPLY in m.text for m in screen.messages)
    assert not any("Maria" in m.text for m in screen.messages)

    # Neither the reply nor the answer is readable in the database.
    await safeperson.stop()
    stored = await stored_bytes(safeperson)
    for needle in ("reply-canary-51c0", "answer-canary-9e2a", CANARY):
        assert needle.encode() not in stored
    actions = [action for _actor, action, case in await audit_actions(safeperson) if case == code]
    assert "replied to the reporter" in actions
    assert "reporter added to the case" in actions


def example_time(example: re.Match[str]) -> datetime:
    day, month, year, hour, minute = (int(part) for part in example.groups())
    return datetime(year, month, day, hour, minute, tzinfo=BUCHAREST)


async def test_a_child_reads_the_day_of_a_reply_as_a_local_day_in_their_language(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    # 22:40 UTC: already the next day in Bucharest, so a day taken from UTC would be wrong.
    now = safeperson.clock.now()
    late_evening = datetime.combine(now.date(), time(22, 40), UTC)
    safeperson.clock.ahead += (late_evening - now) % timedelta(days=1)
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    for language in SUPPORTED:
        child = await make_person(first_name="Ana", language_code=language)
        code, secret, _screen = await child_report(child, language)
        await acknowledge(officer, code)
        await tap_on_newest(officer, "Reply")
        await officer.wait_for_bot_text("The reporter sees it as from «the safe person»")
        await officer.send(REPLY)
        await officer.wait_for_bot_text(f"Sent to the reporter of case {code}.")
        written = safeperson.clock.now()
        assert written.astimezone(BUCHAREST).date() != written.date()

        await child.send("/status")
        await child.wait_for_bot_text(translate(language, "Please send your code."))
        await child.send(code)
        await child.wait_for_bot_text(
            translate(
                language, "Now send your secret word. I will delete it from the chat at once."
            )
        )
        await child.send(secret)
        heading = translate(language, "The safe person wrote on {day}:").format(
            day=local_day(written, language)
        )
        screen = await child.wait_for_bot_text(heading)
        shown = next(m.text for m in screen.bot_messages if heading in m.text)
        assert REPLY in shown
        assert not ISO_DATE.search(shown)
        assert "UTC" not in shown

    # Staff see the local day and time too: the last case referred «Now», just after midnight.
    await tap_on_newest(officer, "Referred to…")
    await tap_on_newest(officer, "DGASPC")
    await officer.wait_for_bot_text("When? Tap «Now»")
    await tap_on_newest(officer, "Now")
    screen = await officer.wait_for(
        lambda s: any("Referred to DGASPC on" in m.text for m in s.bot_messages)
    )
    referred = next(m.text for m in screen.bot_messages if "Referred to DGASPC on" in m.text)
    wall = safeperson.clock.now().astimezone(BUCHAREST)
    assert f"Referred to DGASPC on {wall.day} {MONTHS['en'][wall.month - 1][:3]} " in referred
    assert f"{wall:%Z}." in referred
    assert "UTC" not in referred


async def test_a_reporter_who_wanted_no_reply_sees_it_only_with_status(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    parent = await make_person(first_name="Vera", language_code="en")
    code, secret, _screen = await parent_report(
        parent, "en", "My son came home with bruises.", wants_reply="No, thank you"
    )
    await acknowledge(officer, code)
    await tap_on_newest(officer, "Reply")
    await officer.send(REPLY)
    await officer.wait_for_bot_text(f"The reporter of case {code} asked not to be written to")
    await safeperson.drain_outbox()  # nothing goes to the parent's chat
    assert not any(REPLY in m.text for m in (await parent.screen()).bot_messages)
    await parent.send("/status")
    await parent.wait_for_bot_text("Please send your code.")
    await parent.send(code)
    await parent.wait_for_bot_text("Now send your secret word.")
    await parent.send(secret)
    await parent.wait_for_bot_text(REPLY)


async def test_a_case_moves_along_and_cases_lists_it_until_closed(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")

    # Before anyone acknowledges, /cases shows it waiting, with its deadline.
    await officer.send("/cases")
    screen = await officer.wait_for_bot_text("Open cases for you: 1.")
    listing = next(m for m in screen.bot_messages if "Open cases for you" in m.text)
    assert f"{code} · urgent · waiting for someone to acknowledge · 1 day left" in listing.text
    await officer.tap(code, message_id=listing.message_id)
    screen = await officer.wait_for_bot_text(f"📁 Case {code}")
    card = [m for m in screen.bot_messages if m.text.startswith("📁")][-1]
    assert card.button_texts == [
        "Acknowledge",
        "Read",
        "Reply",
        "Note",
        "Legal hold",
        "A staff member is concerned",
        "Step away from this case",
    ]
    await officer.tap("Acknowledge", message_id=card.message_id)
    await officer.wait_for_bot_text(f"You acknowledged case {code}.")

    # acknowledged → assessing; a second tap on the same button changes nothing.
    await tap_on_newest(officer, "Start assessing")
    screen = await officer.wait_for(
        lambda s: any("Status: being assessed" in m.text for m in s.bot_messages)
    )
    await tap_on_newest(officer, "Note")
    await officer.wait_for_bot_text("Write the note.")
    await officer.send("Spoke with the camp lead. note-canary-77aa")
    await officer.wait_for_bot_text(f"Note sealed into case {code}.")
    first_card = next(m for m in screen.bot_messages if f"You acknowledged case {code}" in m.text)
    await officer.tap("Start assessing", message_id=first_card.message_id)
    await officer.wait_for(lambda s: any("is already being assessed" in t.text for t in s.toasts))

    # assessing → referred: to whom (a button from the country's list), and when.
    await tap_on_newest(officer, "Referred to…")
    await officer.wait_for_bot_text("To which authority was it referred?")
    await officer.telegram.send_sticker(officer.user.user_id)  # not a name: asked again
    await officer.wait_for_bot_text("Please write it as text.")
    await tap_on_newest(officer, "DGASPC")
    screen = await officer.wait_for_bot_text("When? Tap «Now»")
    prompt = next(m.text for m in screen.bot_messages if "When? Tap «Now»" in m.text)
    await officer.send("yesterday, I think")
    await officer.wait_for_bot_text("I could not read that time")
    # The prompt's example is the local time now, in the form it reads: typed, it is taken.
    example = EXAMPLE.search(prompt)
    assert example is not None, prompt
    asked_at = safeperson.clock.now().astimezone(BUCHAREST)
    assert asked_at - timedelta(minutes=2) < example_time(example) <= asked_at
    await officer.send(example.group(0))
    screen = await officer.wait_for(
        lambda s: any("Referred to DGASPC on" in m.text for m in s.bot_messages)
    )
    referred = [m for m in screen.bot_messages if "Referred to DGASPC" in m.text][-1]
    wall = example_time(example)
    on = f"{wall.day} {MONTHS['en'][wall.month - 1][:3]} {wall.year}, {wall:%H:%M} {wall:%Z}"
    assert f"Referred to DGASPC on {on}." in referred.text
    assert "UTC" not in referred.text
    assert "Report deadline met." in referred.text
    assert referred.button_texts == [
        "Read",
        "Reply",
        "Note",
        "Close…",
        "Legal hold",
        "A staff member is concerned",
        "Step away from this case",
    ]

    # Referred: the deadline has stopped, so no reminder and no breach come any more.
    safeperson.clock.ahead += timedelta(hours=25)
    await safeperson.settle()
    assert not any(m.text.startswith(("⏰", "⚠️")) for m in (await officer.screen()).bot_messages)

    # referred → closed, with a reason written out (sealed as a note).
    await tap_on_newest(officer, "Close…")
    await officer.wait_for_bot_text("Why is the case closed?")
    await tap_on_newest(officer, "Another reason (write it)")
    await officer.wait_for_bot_text("Write the reason.")
    await officer.send("The family moved abroad; handed to the authority there.")
    screen = await officer.wait_for(
        lambda s: any("Closed: Another reason" in m.text for m in s.bot_messages)
    )
    closed = [m for m in screen.bot_messages if "Closed: Another reason" in m.text][-1]
    assert closed.button_texts == ["Read", "Legal hold"]
    await officer.send("/cases")
    await officer.wait_for_bot_text("No open cases for you.")

    # The notes and steps are in the case and the audit log; the note text is not readable.
    await officer.tap("Read", message_id=closed.message_id)
    await officer.wait_for_bot_text("Your key is locked.")
    await officer.send(PASSPHRASE)
    screen = await officer.wait_for(
        lambda s: any("note-canary-77aa" in m.text for m in s.bot_messages)
    )
    report = "\n".join(m.text for m in screen.bot_messages if m.protect_content)
    assert "Note by Maria" in report
    assert "The family moved abroad" in report
    await safeperson.stop()
    actions = [
        action
        for _actor, action, case in await audit_actions(safeperson)
        if case == code and action != "read"
    ]
    assert actions[-6:] == [
        "acknowledged",
        "status: assessing",
        "note added",
        "status: referred",
        "status: closed",
        "note added",
    ]
    assert b"note-canary-77aa" not in await stored_bytes(safeperson)
    database = Database(safeperson.database_url)
    try:
        async with database.transaction() as session:
            case = (
                await session.execute(select(ReportCase).where(ReportCase.code == code))
            ).scalar_one()
            assert (case.status, case.referred_to, case.closed_reason) == (
                "closed",
                "DGASPC",
                "other",
            )
            # A closed case takes no replies: the reporter's chat is not kept.
            assert case.reply_route is None
    finally:
        await database.dispose()


async def test_a_revoked_member_gets_nothing_more(
    safeperson: InProcessBot, make_person: MakePerson, telegram: EmulatorClient
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    deputy = await enrolled(safeperson, make_person, "Ion", "deputy")
    child = await make_person(first_name="Ana", language_code="en")
    code, secret, _screen = await child_report(child, "en")  # sealed for both
    await officer.wait_for(lambda s: len(alerts(s)) == 1)

    # `safeperson staff revoke` for the deputy.
    desk = staff_desk(safeperson)
    deputy_id = next(m.id for m in await desk.members() if m.name == "Ion")
    await desk.revoke(deputy_id)

    # The ladder climbs past the deputy: the officer is alerted again, the deputy not at all.
    safeperson.clock.ahead += timedelta(minutes=31)
    await officer.wait_for(lambda s: len(alerts(s)) == 2)
    await safeperson.settle()
    assert alerts(await deputy.screen()) == []

    # Staff commands and buttons answer as they do for anyone who is not staff.
    await deputy.send("/cases")
    await deputy.wait_for_bot_text("I do not know that command.")
    await child.send("/cases")
    await child.wait_for_bot_text("I do not know that command.")
    for data in (f"read:{code}", f"ack:{code}", f"cw:reply:{code}"):
        await telegram.press(
            deputy.user.user_id,
            callback_data=data,
            message_id=(await deputy.screen()).bot_messages[-1].message_id,
            allow_missing=True,
        )
    await deputy.wait_for(
        lambda s: sum("earlier step" in t.text for t in s.toasts) == 3, timeout=20
    )
    assert not any("locked" in m.text for m in (await deputy.screen()).bot_messages)

    # What the child adds now, and a new case, are not sealed for the deputy.
    await child.send("/status")
    await child.wait_for_bot_text("Please send your code.")
    await child.send(code)
    await child.wait_for_bot_text("Now send your secret word.")
    await child.send(secret)
    await child.wait_for_bot_text(f"Your message {code}:")
    await child.tap("Add more")
    await child.wait_for_bot_text("Write or send a voice message.")
    await child.send("It happened again.")
    await child.wait_for_bot_text(GOT_IT)
    second = await make_person(first_name="Ioana", language_code="en")
    second_code, _secret, _screen = await child_report(second, "en")
    await safeperson.stop()
    database = Database(safeperson.database_url)
    try:
        async with database.transaction() as session:
            rows = await session.execute(
                select(ReportCase.code, CaseEntry.kind, EntryKey.reader_id)
                .join(CaseEntry, CaseEntry.case_id == ReportCase.id)
                .join(EntryKey, EntryKey.entry_id == CaseEntry.id)
            )
            sealed_for = [(c, kind, reader) for c, kind, reader in rows]
    finally:
        await database.dispose()
    assert (code, "report", deputy_id) in sealed_for  # before the revocation
    assert (code, "follow_up", deputy_id) not in sealed_for
    assert any(c == code and kind == "follow_up" for c, kind, _r in sealed_for)
    assert not any(c == second_code and r == deputy_id for c, _kind, r in sealed_for)
    actions = [(actor, action) for actor, action, _case in await audit_actions(safeperson)]
    assert ("operator", f"revoked staff:{deputy_id}") in actions
    assert (f"staff:{deputy_id}", "enrolled") in actions


async def test_wrong_passphrases_slow_down_then_lock_the_key_and_the_board_is_told(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    board = await enrolled(safeperson, make_person, "Elena", "board")
    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")
    screen = await officer.wait_for(lambda s: len(alerts(s)) == 1)
    alert = next(m for m in screen.bot_messages if f"New case {code}" in m.text)

    async def guess(passphrase: str, answer: str) -> None:
        await officer.tap("Read", message_id=alert.message_id)
        await officer.wait_for(
            lambda s: sum("Your key is locked." in m.text for m in s.bot_messages) > asked[0]
        )
        asked[0] += 1
        await officer.send(passphrase)
        await officer.wait_for(
            lambda s: sum(answer in m.text for m in s.bot_messages) > seen.get(answer, 0)
        )
        seen[answer] = seen.get(answer, 0) + 1

    asked = [0]
    seen: dict[str, int] = {}
    wrong = "not my passphrase at all"
    for _ in range(PASSPHRASE_FREE_TRIES):
        await guess(wrong, "That passphrase does not open your key.")
    # Too soon: not even checked, the right passphrase included.
    await guess(PASSPHRASE, "Too many wrong passphrases. Please wait")
    for failures in range(PASSPHRASE_FREE_TRIES, PASSPHRASE_LOCK_AFTER - 1):
        safeperson.clock.ahead += passphrase_delay(failures)
        await guess(wrong, "That passphrase does not open your key.")
    safeperson.clock.ahead += passphrase_delay(PASSPHRASE_LOCK_AFTER - 1)
    # Locked for the rest of the day that began with the first wrong one.
    await guess(wrong, "Too many wrong passphrases: your key stays locked for 23 hours")

    # The board hears of it (not the member's own chat), with the command that revokes.
    screen = await board.wait_for_bot_text("Security: Maria (Child Protection Officer)")
    notice = next(m for m in screen.bot_messages if "Security: Maria" in m.text)
    assert f"after {PASSPHRASE_LOCK_AFTER} wrong passphrases" in notice.text
    assert "safeperson staff revoke" in notice.text
    await safeperson.drain_outbox()
    assert not any("Security:" in m.text for m in (await officer.screen()).bot_messages)
    # Locked: even the right passphrase is not checked until the day is over.
    safeperson.clock.ahead += timedelta(hours=1)
    await guess(PASSPHRASE, "your key stays locked for 22 hours")
    assert CANARY not in "\n".join(m.text for m in (await officer.screen()).bot_messages)
    safeperson.clock.ahead += timedelta(days=1)
    await guess(PASSPHRASE, CANARY)
    actions = [(actor, action) for actor, action, _case in await audit_actions(safeperson)]
    assert any(action == "key locked (wrong passphrases)" for _actor, action in actions)


async def test_cancel_in_a_case_step_goes_back_to_the_case_card(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")
    await acknowledge(officer, code)

    # Reply, then /cancel: nothing goes to the child, and the case card is back.
    await tap_on_newest(officer, "Reply")
    await officer.wait_for_bot_text("The reporter sees it as from «the safe person»")
    await officer.send("/cancel")
    await officer.wait_for_bot_text("Stopped: nothing was sent or saved.")
    screen = await officer.wait_for_bot_text(f"📁 Case {code}")
    card = [m for m in screen.bot_messages if m.text.startswith("📁")][-1]
    assert "Reply" in card.button_texts

    # The same from a status step (which authority), from the card it brought back.
    await tap_on_newest(officer, "Start assessing")
    await officer.wait_for(lambda s: any("being assessed" in m.text for m in s.bot_messages))
    await tap_on_newest(officer, "Referred to…")
    await officer.wait_for_bot_text("To which authority was it referred?")
    await officer.send("/cancel")
    await officer.wait_for_bot_text("Stopped: nothing was sent or saved.", count=2)
    screen = await officer.wait_for(
        lambda s: sum(m.text.startswith(f"📁 Case {code}") for m in s.bot_messages) >= 3
    )
    assert "Status: being assessed" in screen.bot_messages[-1].text
    # Never the reporter's first menu.
    assert not any("Who are you?" in m.text for m in screen.bot_messages)


async def test_the_officer_holds_a_closed_case_past_retention_and_releases_it(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")
    await acknowledge(officer, code)
    await tap_on_newest(officer, "Close…")
    await officer.wait_for_bot_text("Why is the case closed?")
    await tap_on_newest(officer, "No safeguarding concern")
    screen = await officer.wait_for(
        lambda s: any("Closed: No safeguarding concern" in m.text for m in s.bot_messages)
    )
    closed = [m for m in screen.bot_messages if "Closed: No safeguarding concern" in m.text][-1]
    assert closed.button_texts == ["Read", "Legal hold"]

    # Legal hold: the card says since when, on the organisation's clocks, and offers release.
    await officer.tap("Legal hold", message_id=closed.message_id)
    await officer.wait_for(
        lambda s: any(f"Case {code} is on legal hold" in t.text for t in s.toasts)
    )
    screen = await officer.wait_for(
        lambda s: any("On legal hold since" in m.text for m in s.bot_messages)
    )
    held = [m for m in screen.bot_messages if "On legal hold since" in m.text][-1]
    wall = safeperson.clock.now().astimezone(BUCHAREST)
    day = f"{wall.day} {MONTHS['en'][wall.month - 1][:3]} {wall.year}"
    assert f"On legal hold since {day}, " in held.text, held.text
    assert "UTC" not in held.text
    assert held.button_texts == ["Read", "Release legal hold"]

    # Four years on, long past the three years a closed case is kept: still there, with its
    # sealed report and the messages about it.
    four_years = 4 * 365 * 24
    swept = await safeperson.sweep_as_if_later(four_years)
    assert swept.cases == 0
    assert await safeperson.count_cases() == 1
    entries, messages = await tied_to_cases(safeperson)
    assert entries > 0
    assert messages > 0

    # Released: the next sweep deletes it and everything tied to it.
    await officer.tap("Release legal hold", message_id=held.message_id)
    await officer.wait_for(
        lambda s: any(f"Legal hold on case {code} released" in t.text for t in s.toasts)
    )
    swept = await safeperson.sweep_as_if_later(four_years + 1)
    assert swept.cases == 1
    assert await safeperson.count_cases() == 0
    assert await tied_to_cases(safeperson) == (0, 0)
    await safeperson.stop()
    events = [
        (actor, action) for actor, action, case in await audit_actions(safeperson) if case == code
    ]
    assert events[0] == ("reporter", "case submitted")
    # The officer, as the audit log names whoever acknowledged the case.
    maria = next(actor for actor, action in events if action == "acknowledged")
    assert events[-3:] == [
        (maria, "legal hold"),
        (maria, "legal hold released"),
        ("retention", "deleted by retention"),
    ]


async def tied_to_cases(bot: InProcessBot) -> tuple[int, int]:
    """Sealed entries, and outbox rows that name a case."""
    return (
        await count_rows(bot.database_url, CaseEntry),
        await count_rows(bot.database_url, OutboxMessage, OutboxMessage.case_id.is_not(None)),
    )
