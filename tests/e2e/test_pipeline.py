"""The update pipeline end to end: what people see when updates are odd, fail, or come at once.

Each test drives the real bot through the emulator over HTTP and checks what a person would
check on their screen (or an operator in the log and the database). A wait is always for
something observable (a message on a screen, an update confirmed to Telegram), never a sleep.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.languages import ENDONYMS, LanguageCode
from emulator.client import ApiCall, EmulatorClient, Screen, ScreenMessage
from storage.db import Database
from storage.models import SetAsideUpdate
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import (
    ABOUT_STAFF,
    AGAIN,
    ASK,
    CHILD,
    CHOOSE,
    ENROLLED,
    FIRST_NAME,
    GOT_IT,
    PASSPHRASE,
    SAFE_NOW,
    STORY,
    THATS_ALL,
    WANTS_REPLY,
    WHO,
    answer,
    begin,
    enrol,
    enrolled,
    staff_desk,
    submit,
    tap_newest,
)
from tests.e2e.harness import (
    InProcessBot,
    Person,
    SubprocessBot,
    bot_messages_with,
    translate,
    wait_until_confirmed,
)

HELP = "This is how the chat works:"
STOPPED = "Stopped. You can start again at any time."
NUMBERS = "If you are in danger right now, call:"
# What /help and /cancel say first, and nothing else says; then each shows the current step.
FIRST_REPLY = {"/help": HELP, "/cancel": STOPPED}
SORRY = "Sorry, something went wrong on our side. Please try again in a moment."
CANARY = "canary-odd-update-5f0c"
LONE_SURROGATE = "\ud83d"  # the first half of an emoji, without its second half
# "At once" for a person on a loaded two-core machine: seconds, far below any retry loop's
# or flood wait's length, yet no timing benchmark.
PROMPTLY = 8.0
# A generous bound for the whole burst to reach the officer (a behaviour test, not a benchmark).
BURST_BOUND = 30.0
BURST_SIZE = 30
# "New case ABC234" in an alert, "Urgent: ABC234, DEF567" in a digest: a code on its own.
CASE_CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{6}\b")
# As long as a Telegram id (or an update's): none belongs in a log line.
LONG_NUMBER = re.compile(r"(?<!\d)\d{6,}(?!\d)")


def shows(screen: Screen, fragment: str, *, since: int = 0) -> bool:
    """Whether a bot message (from the `since`-th on) contains `fragment`."""
    return any(fragment in m.text for m in screen.bot_messages[since:])


async def answered(
    person: Person, fragments: Sequence[str], *, since: int, timeout: float = PROMPTLY
) -> str:
    """Wait for a new bot message (after the first `since`) with one of `fragments`; return
    which one came."""
    screen = await person.wait_for(
        lambda s: any(shows(s, f, since=since) for f in fragments), timeout=timeout
    )
    return next(f for f in fragments if shows(screen, f, since=since))


async def bot_message_count(person: Person) -> int:
    return len((await person.screen()).bot_messages)


async def set_aside_rows(bot: InProcessBot) -> list[dict[str, Any]]:
    database = Database(bot.database_url)
    try:
        async with database.transaction() as session:
            rows = (await session.execute(select(SetAsideUpdate))).scalars()
            return [
                {column.name: getattr(row, column.name) for column in SetAsideUpdate.__table__.c}
                for row in rows
            ]
    finally:
        await database.dispose()


def private_chat(person: Person) -> dict[str, Any]:
    return {"id": person.user.chat_id, "type": "private", "first_name": person.user.first_name}


def sender(person: Person) -> dict[str, Any]:
    return {
        "id": person.user.user_id,
        "is_bot": False,
        "first_name": person.user.first_name,
        "language_code": person.user.language_code,
    }


async def test_a_revoked_member_invited_again_gets_an_answer_and_nobody_waits_meanwhile(
    safeperson: InProcessBot, make_person: MakePerson, telegram: EmulatorClient
) -> None:
    desk = staff_desk(safeperson)
    first = await desk.invite("Maria", "officer", None)
    maria = await make_person(first_name="Maria", language_code="en")
    await enrol(maria, first.code)
    await desk.revoke(first.member_id)
    again = await desk.invite("Maria", "officer", None)

    # Maria opens the new link; at the same moment a child writes for the first time.
    child = await make_person(first_name="Ana", language_code="en")
    seen = await bot_message_count(maria)
    link = await telegram.send_text(maria.user.user_id, f"/start {again.code}")
    child_start = await telegram.send_text(child.user.user_id, "/start")
    await child.wait_for(lambda s: shows(s, CHOOSE), timeout=PROMPTLY)
    outcome = await answered(maria, [CHOOSE, SORRY], since=seen)
    sent = [link.update_id, child_start.update_id]
    if outcome == CHOOSE:
        # Staff pick their language first (her app's English comes ticked).
        seen = await bot_message_count(maria)
        picker = (await maria.screen()).bot_messages[-1]
        sent.append(await maria.tap(f"✓ {ENDONYMS['en']}", message_id=picker.message_id))
        outcome = await answered(maria, [ASK, SORRY], since=seen)
    if outcome == ASK:
        seen = await bot_message_count(maria)
        sent.append((await telegram.send_text(maria.user.user_id, PASSPHRASE)).update_id)
        outcome = await answered(maria, [AGAIN, SORRY], since=seen)
    if outcome == AGAIN:
        # The passphrase again, which enrols her; a second child writes at the same moment.
        seen = await bot_message_count(maria)
        sent.append((await telegram.send_text(maria.user.user_id, PASSPHRASE)).update_id)
        second_child = await make_person(first_name="Ion", language_code="en")
        sent.append((await telegram.send_text(second_child.user.user_id, "/start")).update_id)
        await second_child.wait_for(lambda s: shows(s, CHOOSE), timeout=PROMPTLY)
        outcome = await answered(maria, [ENROLLED, SORRY], since=seen)

    # Whatever happened, it is over: nothing is left unconfirmed for Telegram to send again.
    await wait_until_confirmed(telegram, *sent)
    set_aside = await set_aside_rows(safeperson)
    if outcome == ENROLLED:
        member = await desk.active_member(maria.user.user_id)
        assert member is not None
        assert (member.id, member.role, member.status) == (again.member_id, "officer", "active")
        revoked = next(m for m in await desk.members() if m.id == first.member_id)
        assert revoked.status == "revoked"
        assert set_aside == []
        assert not shows(await maria.screen(), SORRY)
    else:
        # Set aside: a kind apology, and a record that says what failed, never what was said.
        assert outcome == SORRY
        assert len(bot_messages_with(await maria.screen(), SORRY)) == 1
        assert [row["update_type"] for row in set_aside] == ["message"]
        assert re.fullmatch(r"[A-Za-z_]\w*", set_aside[0]["error"])
        assert not {str(v) for v in set_aside[0].values()} & {
            PASSPHRASE,
            again.code,
            str(maria.user.user_id),
        }


def poll_without_options(person: Person, date: int) -> dict[str, Any]:
    """A message with a poll that misses its required fields (options, type, counts...)."""
    return {
        "message_id": 4242,
        "date": date,
        "chat": {**private_chat(person), "username": CANARY},
        "from": {**sender(person), "last_name": CANARY},
        "poll": {"id": "5599001122334455", "question": f"Where is {CANARY}?"},
    }


def tap_without_sender(person: Person, date: int) -> dict[str, Any]:
    """A button tap without `from` (Telegram documents it as always there)."""
    return {
        "id": "8811223344556677",
        "chat_instance": "-7700112233445566",
        "data": f"ack:{CANARY}",
        "message": {
            "message_id": 4243,
            "date": date,
            "chat": private_chat(person),
            "text": f"Tap me {CANARY}",
        },
    }


async def test_an_update_the_bot_cannot_read_is_skipped_and_leaves_no_trace_in_the_log(
    api_url: str,
    tmp_path: Path,
    secret: bytes,
    telegram: EmulatorClient,
    make_person: MakePerson,
) -> None:
    odd = await make_person(first_name="Vera", language_code="en")
    first = await make_person(first_name="Ana", language_code="en")
    date = 1_767_225_600
    # Queued before the bot starts: one getUpdates answer carries the odd update and a good one.
    bad_poll = await telegram.queue_raw_update("message", poll_without_options(odd, date))
    first_start = await telegram.send_text(first.user.user_id, "/start")
    bot = SubprocessBot(api_url=api_url, folder=tmp_path, secret=secret)
    await bot.start()
    try:
        await first.wait_for(lambda s: shows(s, CHOOSE), timeout=60)  # a process starting
        # And once it runs: another odd one, and a person writing right after it.
        bad_tap = await telegram.queue_raw_update("callback_query", tap_without_sender(odd, date))
        second = await make_person(first_name="Ion", language_code="en")
        second_start = await telegram.send_text(second.user.user_id, "/start")
        await second.wait_for(lambda s: shows(s, CHOOSE), timeout=PROMPTLY)
        await wait_until_confirmed(
            telegram, bad_poll, first_start.update_id, bad_tap, second_start.update_id
        )
    finally:
        assert await bot.stop() == 0
    assert (await odd.screen()).messages == []  # skipped: nothing to answer
    log = b"".join(bot.log).decode(errors="replace")
    assert log.count("could not be read") == 2, log  # the operator learns of both...
    assert CANARY not in log  # ...and nothing of what they said
    for raw_id in (odd.user.user_id, bad_poll, bad_tap, 5599001122334455, 8811223344556677):
        assert str(raw_id) not in log
    assert not LONG_NUMBER.findall(log), log
    assert "Traceback" not in log


async def test_a_private_message_without_a_sender_is_answered_as_from_the_chats_person(
    safeperson: InProcessBot,
    telegram: EmulatorClient,
    make_person: MakePerson,
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = await make_person(first_name="Ana", language_code="en")
    no_sender = {
        "message_id": 1000,
        "date": 1_767_225_600,
        "chat": private_chat(person),
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    update_id = await telegram.queue_raw_update("message", no_sender)
    screen = await person.wait_for(lambda s: shows(s, CHOOSE), timeout=PROMPTLY)
    await wait_until_confirmed(telegram, update_id)
    # It goes on like any conversation: the language picker works for them.
    picker = screen.bot_messages[-1]
    english = next(label for label in picker.button_texts if ENDONYMS["en"] in label)
    await person.tap(english, message_id=picker.message_id)
    screen = await person.wait_for_bot_text(WHO)
    assert not shows(screen, SORRY)
    assert await set_aside_rows(safeperson) == []
    assert "TypeError" not in caplog.text
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_text_with_half_an_emoji_is_kept_and_answered_like_any_text(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    reader = await safeperson.enrol_reader("Maria", "officer")
    child = await make_person(first_name="Ana", language_code="en")
    await begin(child, "en", CHILD)
    await answer(child, "en", SAFE_NOW, "Yes, I am safe")
    await child.wait_for_bot_text(STORY)
    await child.send(f"He took my phone {LONE_SURROGATE} {CANARY}")
    await child.wait_for(lambda s: shows(s, GOT_IT) or shows(s, SORRY))
    assert not shows(await child.screen(), SORRY)
    await tap_newest(child, "en", THATS_ALL)
    await answer(child, "en", FIRST_NAME, "Skip")
    await answer(child, "en", ABOUT_STAFF, "No, or I am not sure")
    await answer(child, "en", WANTS_REPLY, "No, thank you")
    code, _secret, screen = await submit(child, "en")
    assert not shows(screen, SORRY)
    # Not lost: the half emoji became a replacement mark, and everything around it is there.
    opened = await safeperson.read_case(code, reader)
    assert opened.report["messages"] == [f"He took my phone \ufffd {CANARY}"]


def sends_to(calls: list[ApiCall], chat_id: int) -> list[ApiCall]:
    return [c for c in calls if c.method == "sendMessage" and c.chat_id == chat_id]


@pytest.mark.usefixtures("safeperson")
async def test_a_flood_wait_on_one_chat_delays_only_that_chat(
    telegram: EmulatorClient, make_person: MakePerson
) -> None:
    waiting = await make_person(first_name="Ana", language_code="en")
    other = await make_person(first_name="Ion", language_code="en")
    await telegram.add_fault(
        "429", "sendMessage", times=2, retry_after=5, chat_id=waiting.user.chat_id
    )
    await waiting.send("/start")
    # Telegram has told the bot to wait 5 seconds before writing to Ana again...
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not sends_to(await telegram.calls(), waiting.user.chat_id):
        assert loop.time() < deadline, "the bot never tried to answer Ana"
        await asyncio.sleep(0.05)
    # ...and meanwhile Ion writes: he is answered at once, while Ana still waits.
    asked_at = loop.time()
    await other.send("/start")
    screen = await other.wait_for(lambda s: shows(s, CHOOSE), timeout=PROMPTLY)
    waited = loop.time() - asked_at
    assert waited < 2.0, f"Ion waited {waited:.1f}s behind Ana's flood wait"
    assert not shows(await waiting.screen(), CHOOSE)
    assert len(bot_messages_with(screen, CHOOSE)) == 1

    # Ana's answer is not lost: it comes once Telegram lets the bot write to her again.
    screen = await waiting.wait_for(lambda s: shows(s, CHOOSE), timeout=30)
    assert len(bot_messages_with(screen, CHOOSE)) == 1
    tries = sends_to(await telegram.calls(), waiting.user.chat_id)
    assert [c.status for c in tries] == [429, 429, 200]
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(tries)]
    assert all(gap >= 4.9 for gap in gaps), gaps  # each retry_after was waited out


async def short_child_report(person: Person, language: LanguageCode = "en") -> str:
    """A child's report from the camp's link to the receipt, by text only; the case code."""
    await begin(person, language, CHILD, start="/start act_summer_camp")
    await answer(person, language, SAFE_NOW, "Yes, I am safe")
    await person.wait_for_bot_text(translate(language, STORY))
    await person.send(f"Someone at the camp scares me. {CANARY}")
    await person.wait_for_bot_text(translate(language, GOT_IT))
    await tap_newest(person, language, THATS_ALL)
    await answer(person, language, FIRST_NAME, "Skip")
    await answer(person, language, ABOUT_STAFF, "No, or I am not sure")
    await answer(person, language, WANTS_REPLY, "No, thank you")
    code, _secret, _screen = await submit(person, language)
    return code


async def all_reported(telegram: EmulatorClient, children: list[Person]) -> set[str]:
    """Every child reports at the same time; the case codes of their receipts."""
    try:
        async with asyncio.TaskGroup() as group:
            flows = [group.create_task(short_child_report(child)) for child in children]
    except* AssertionError as stalled:
        refused = Counter(c.method for c in await telegram.calls() if c.status == 429)
        raise AssertionError(
            f"{len(stalled.exceptions)} child(ren) never got the bot's next message "
            f"(calls Telegram refused with 429 meanwhile: {dict(refused)}); the first: "
            f"{stalled.exceptions[0]}"
        ) from None
    codes = {flow.result() for flow in flows}
    assert len(codes) == len(children)
    return codes


def cards_of(screen: Screen, code: str) -> list[ScreenMessage]:
    """The case's card (its code, and the buttons to act on it)."""
    return [
        m
        for m in screen.bot_messages
        if f"Case {code}" in m.text and "Acknowledge" in m.button_texts
    ]


def codes_shown(screen: Screen) -> set[str]:
    return {code for m in screen.bot_messages for code in CASE_CODE.findall(m.text)}


def showing_all(codes: set[str]) -> Callable[[Screen], bool]:
    return lambda screen: codes <= codes_shown(screen)


async def test_a_burst_of_reports_reaches_the_officer_in_few_messages_and_each_can_be_taken(
    safeperson: InProcessBot, make_person: MakePerson, telegram: EmulatorClient
) -> None:
    officer = await enrolled(safeperson, make_person, "Maria", "officer")
    camp = await enrolled(safeperson, make_person, "Dan", "safe_person", "summer_camp")
    deputy = await enrolled(safeperson, make_person, "Ion", "deputy")
    children = [
        await make_person(first_name=f"Child{n}", language_code="en") for n in range(BURST_SIZE)
    ]
    codes = await all_reported(telegram, children)

    screen = await officer.wait_for(showing_all(codes), timeout=BURST_BOUND)
    await camp.wait_for(showing_all(codes), timeout=BURST_BOUND)
    about_cases = [m for m in screen.bot_messages if CASE_CODE.search(m.text)]
    assert len(about_cases) <= BURST_SIZE // 3, [m.text for m in about_cases]  # coalesced
    assert not any(CANARY in m.text for m in screen.bot_messages)  # facts only, never content

    # A code listed in a digest opens that case, and it can be acknowledged from there.
    digest = next(m for m in about_cases if len(set(CASE_CODE.findall(m.text)) & codes) >= 2)
    taken = next(b for b in digest.button_texts if b in codes)
    await officer.tap(taken, message_id=digest.message_id)
    screen = await officer.wait_for(lambda s: bool(cards_of(s, taken)))
    await officer.tap("Acknowledge", message_id=cards_of(screen, taken)[0].message_id)
    await officer.wait_for_bot_text(f"You acknowledged case {taken}.")
    # The other member alerted is told, and the ladder stops for that case alone: after the
    # half hour an urgent case has, the deputy is alerted to every other case, not to it.
    await camp.wait_for_bot_text(f"Case {taken} was acknowledged by Maria.")
    assert codes_shown(await deputy.screen()) == set()
    safeperson.clock.ahead += timedelta(minutes=31)
    screen = await deputy.wait_for(showing_all(codes - {taken}), timeout=BURST_BOUND)
    assert taken not in codes_shown(screen)
    assert len([m for m in screen.bot_messages if CASE_CODE.search(m.text)]) <= BURST_SIZE // 3


async def test_each_persons_replies_come_in_the_order_of_their_messages(
    safeperson: InProcessBot, telegram: EmulatorClient, make_person: MakePerson
) -> None:
    ana = await make_person(first_name="Ana", language_code="en")
    ion = await make_person(first_name="Ion", language_code="en")
    said = {
        ana.user.user_id: ["/help", "/cancel", "/cancel", "/help", "/cancel"],
        ion.user.user_id: ["/cancel", "/help", "/help", "/cancel", "/help"],
    }
    # Quickly, interleaved, without waiting for any answer.
    for ana_says, ion_says in zip(said[ana.user.user_id], said[ion.user.user_id], strict=True):
        await telegram.send_text(ana.user.user_id, ana_says)
        await telegram.send_text(ion.user.user_id, ion_says)

    for person in (ana, ion):
        expected = [FIRST_REPLY[text] for text in said[person.user.user_id]]
        screen = await person.wait_for(replies_to_all(expected), timeout=30)
        assert first_replies(screen) == expected
        # One message's replies come together: /help's numbers right after its list.
        texts = [m.text for m in screen.bot_messages]
        helped = [n for n, text in enumerate(texts) if text.startswith(HELP)]
        assert all(texts[n + 1].startswith(NUMBERS) for n in helped), texts


def first_replies(screen: Screen) -> list[str]:
    """The first reply to each command, in the order they reached the screen."""
    return [f for m in screen.bot_messages for f in (HELP, STOPPED) if m.text.startswith(f)]


def replies_to_all(expected: list[str]) -> Callable[[Screen], bool]:
    """Every command's first reply is there, and each /help's numbers."""
    return lambda screen: (
        len(first_replies(screen)) >= len(expected)
        and len(bot_messages_with(screen, NUMBERS)) >= expected.count(HELP)
    )
