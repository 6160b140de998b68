"""Three instances on PostgreSQL and Redis behind HAProxy, one killed half-way through a burst:
nothing lost, nothing doubled, and an officer who unlocked on one instance reads on another.

Everything goes through the emulator's webhook delivery, as Telegram's would: HAProxy spreads
the posts over the instances that pass its health check.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio
from sqlalchemy import select

from bot.languages import ENDONYMS
from bot.outbox import COURIER_GRACE
from emulator.client import EmulatorClient, Screen, ScreenMessage
from storage.db import Database
from storage.models import AuditEvent, OutboxMessage, ReportCase, StaffMember
from storage.outbox import SENT
from tests.e2e.fleet import Fleet, eventually
from tests.e2e.flows import (
    ABOUT_STAFF,
    CANARY,
    CHILD,
    FIRST_NAME,
    PASSPHRASE,
    RECEIPT,
    SAFE_NOW,
    SEND,
    STORY,
    THATS_ALL,
    WANTS_REPLY,
    WHO,
    enrol,
    tap_on_newest,
)
from tests.e2e.harness import CONFIG_TOML, Person, count_rows

REDIS_URL = "redis://127.0.0.1:6379/13"
CHILDREN = 100
# Long enough that every report is in before the ladder's second round, short enough to watch.
ACK_AFTER = "90s"
FLEET_CONFIG = (
    CONFIG_TOML
    + f"""
[ack]
immediate = "{ACK_AFTER}"
urgent = "{ACK_AFTER}"
standard = "{ACK_AFTER}"
"""
)
# How long a child waits for an answer before writing again: longer than the outbox waits
# before it sends what a killed instance's courier had in hand (a receipt: COURIER_GRACE).
PATIENCE = COURIER_GRACE.total_seconds() + 15
INVITE_CODE = re.compile(r"code: (st_[0-9a-f]+)")
ASK_PASSPHRASE = "Your key is locked. Send your passphrase; I delete it at once."


def opened_reports(screen: Screen) -> list[str]:
    """The reports shown after Read: protected, and holding what the child wrote."""
    return [m.text for m in screen.bot_messages if m.protect_content and CANARY in m.text]


def newest(screen: Screen) -> tuple[int, str] | None:
    message = screen.last_bot_message
    return None if message is None else (message.message_id, message.text)


def receipt_code(screen: Screen) -> str | None:
    found = (RECEIPT.search(m.text) for m in screen.bot_messages)
    return next((match.group(1) for match in found if match is not None), None)


def moved_on(acted_on: tuple[int, str] | None) -> Callable[[Screen], bool]:
    """A receipt, or a newest message other than the one last acted on."""
    return lambda s: receipt_code(s) is not None or newest(s) not in (None, acted_on)


async def take_the_step(child: Person, message: ScreenMessage) -> None:
    """What a child taps or writes, by the newest message on their screen."""
    buttons = message.button_texts
    taps = {WHO: CHILD, SAFE_NOW: "Yes, I am safe", ABOUT_STAFF: "No, or I am not sure"}
    taps[WANTS_REPLY] = "Yes, please"
    english = next((b for b in buttons if ENDONYMS["en"] in b), None)
    if english is not None:
        await child.tap(english, message_id=message.message_id)
    elif STORY in message.text:
        await child.send(f"Someone at the camp scares me. {CANARY}")
    elif THATS_ALL in buttons:
        await child.tap(THATS_ALL, message_id=message.message_id)
    elif FIRST_NAME in message.text:
        await child.send("Ana")
    elif SEND in buttons:
        await child.tap(SEND, message_id=message.message_id)
    else:
        question = next((q for q in taps if q in message.text), None)
        if question is not None:
            await child.tap(taps[question], message_id=message.message_id)


async def child_reports(child: Person) -> str:
    """A child's report, step by step from whatever the screen shows, as a person does: if
    nothing comes back for a while, they write once more. (An instance killed between its
    commit and its reply leaves that reply unsent; the next message brings the step back.)
    The case code from the receipt."""
    await child.send("/start")
    acted_on: tuple[int, str] | None = None
    while True:
        try:
            screen = await child.wait_for(moved_on(acted_on), timeout=PATIENCE)
        except AssertionError:
            await child.send("/help")
            acted_on = None
            continue
        code = receipt_code(screen)
        if code is not None:
            return code
        message = screen.last_bot_message
        assert message is not None
        acted_on = (message.message_id, message.text)
        await take_the_step(child, message)


@pytest.fixture
async def fleet(
    api_url: str, tmp_path: Path, secret: bytes, postgres_url: str
) -> AsyncIterator[Fleet]:
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    await client.flushdb()
    await client.aclose()
    fleet = Fleet(
        api_url=api_url,
        folder=tmp_path / "fleet",
        secret=secret,
        database_url=postgres_url,
        redis_url=REDIS_URL,
        size=3,
        config_toml=FLEET_CONFIG,
    )
    try:
        await fleet.start()
        yield fleet
    finally:
        await fleet.stop()


async def invite(fleet: Fleet, name: str, role: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *fleet.cli_command("staff", "invite", "--name", name, "--role", role),
        cwd=fleet.folder,
        env=fleet.cli_environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    found = INVITE_CODE.search(out.decode())
    assert found is not None, err.decode()[-500:]
    return found.group(1)


async def open_card(member: Person, code: str) -> None:
    """The case's card, from the code's button in /cases."""
    await member.send("/cases")
    await member.wait_for(lambda s: any(code in m.button_texts for m in s.bot_messages[-1:]))
    await tap_on_newest(member, code)
    await member.wait_for(
        lambda s: any(m.text.startswith(f"📁 Case {code}") for m in s.bot_messages[-1:])
    )


def reports_shown(count: int) -> Callable[[Screen], bool]:
    return lambda screen: len(opened_reports(screen)) >= count


async def has_at_least(database_url: str, cases: int) -> bool:
    return await count_rows(database_url, ReportCase) >= cases


async def person(telegram: EmulatorClient, name: str) -> Person:
    return Person(telegram, await telegram.create_user(first_name=name, language_code="en"))


async def test_three_instances_one_killed_nothing_lost_nothing_doubled_unlock_anywhere(
    fleet: Fleet, telegram: EmulatorClient, postgres_url: str
) -> None:
    officer = await person(telegram, "Maria")
    await enrol(officer, await invite(fleet, "Maria", "officer"))
    deputy = await person(telegram, "Ion")
    await enrol(deputy, await invite(fleet, "Ion", "deputy"))

    # 100 children report at once; half-way, one instance is killed.
    children = [await person(telegram, f"Child{n}") for n in range(CHILDREN)]
    reports = asyncio.gather(*(child_reports(child) for child in children))
    await eventually(lambda: has_at_least(postgres_url, CHILDREN // 2), timeout=300)
    await fleet.kill(1)
    receipts = await asyncio.wait_for(reports, timeout=600)
    assert fleet.alive() == [0, 2]

    # Every receipt maps to exactly one case, and no case came without a receipt.
    codes = list(receipts)
    assert len(set(codes)) == CHILDREN
    database = Database(postgres_url)
    try:
        async with database.transaction() as session:
            stored = list((await session.execute(select(ReportCase.code))).scalars())
        assert sorted(stored) == sorted(codes)

        # Every case reached the officer's phone (alone, or in a list of several).
        screen = await officer.wait_for(
            lambda s: all(any(code in m.text for m in s.bot_messages) for code in codes),
            timeout=120,
        )
        assert screen is not None

        # An officer who unlocked through one instance reads through the others: each tap goes
        # round-robin over the two left, and the passphrase is asked once.
        await officer.send("/cases")
        listing = await officer.wait_for_bot_text(f"Open cases for you: {CHILDREN}.")
        listed = listing.bot_messages[-1].button_texts[:6]
        assert set(listed) <= set(codes)
        await open_card(officer, listed[0])
        await tap_on_newest(officer, "Read")
        await officer.wait_for_bot_text(ASK_PASSPHRASE)
        await officer.send(PASSPHRASE)
        await officer.wait_for(reports_shown(1))
        for n, code in enumerate(listed[1:4], start=2):
            await open_card(officer, code)
            await tap_on_newest(officer, "Read")
            await officer.wait_for(reports_shown(n))
        screen = await officer.screen()
        assert [m.text for m in screen.bot_messages].count(ASK_PASSPHRASE) == 1
        # /lock through one instance locks it everywhere: the next two Reads both ask.
        await officer.send("/lock")
        await officer.wait_for_bot_text("Locked. Your passphrase is needed to read again.")
        for asked, code in enumerate(listed[4:6], start=2):
            await open_card(officer, code)
            await tap_on_newest(officer, "Read")
            await officer.wait_for_bot_text(ASK_PASSPHRASE, count=asked)
            await officer.send("/cancel")

        # The ladder's second round: the deputy is alerted for every case, once per round.
        await deputy.wait_for(
            lambda s: all(any(code in m.text for m in s.bot_messages) for code in codes),
            timeout=240,
        )
    finally:
        await database.dispose()
    await fleet.stop()

    database = Database(postgres_url)
    try:
        async with database.transaction() as session:
            rounds = dict(
                (await session.execute(select(ReportCase.code, ReportCase.alert_round))).all()
            )
            events = Counter(
                (code, re.sub(r" \(\d+\)$", "", action))
                for code, action in await session.execute(
                    select(AuditEvent.case_code, AuditEvent.action).where(
                        AuditEvent.action.like("tier %")
                    )
                )
            )
            officer_id = (
                await session.execute(select(StaffMember.id).where(StaffMember.name == "Maria"))
            ).scalar_one()
            to_officer = Counter(
                (
                    await session.execute(
                        select(OutboxMessage.case_id)
                        .where(OutboxMessage.member_id == officer_id)
                        .where(OutboxMessage.status == SENT)
                    )
                ).scalars()
            )
            case_ids = dict((await session.execute(select(ReportCase.code, ReportCase.id))).all())
    finally:
        await database.dispose()
    for code in codes:
        # Each tier fired once per round: the first round tier 1, each later round one climb.
        assert events[(code, "tier 1 alerted")] == 1
        assert events[(code, "tier 2 alerted")] == rounds[code] - 1 >= 1
        # One alert per round reached the officer, however many instances swept.
        assert to_officer[case_ids[code]] == rounds[code]
