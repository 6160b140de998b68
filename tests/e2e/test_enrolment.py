"""Enrolment through the chat: a one-time link, a passphrase typed twice and never kept."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import timedelta
from pathlib import Path

from bot.case_model import StaffRole
from bot.contexts import report_context
from bot.crypto import open_entry
from bot.languages import ENDONYMS
from emulator.client import EmulatorClient
from handlers.staff_menu import staff_commands
from storage.cases import CaseRepository, StaffRepository
from storage.db import Database
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import (
    AGAIN,
    ASK,
    CHOOSE,
    ENROLLED,
    PASSPHRASE,
    child_report,
    enrol,
    staff_desk,
    tap_newest,
)
from tests.e2e.harness import CONFIG_TOML, TOKEN, InProcessBot, translate


async def test_a_link_enrols_and_the_new_reader_can_open_a_childs_report(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    invitation = await staff_desk(safeperson).invite("Maria", "officer", None)
    officer = await make_person(first_name="Maria", language_code="ro")
    await enrol(officer, invitation.code, "ro")
    screen = await officer.screen()
    # Neither passphrase nor the failed attempt stayed on the screen.
    assert not any(PASSPHRASE in m.text or m.text == "too short" for m in screen.messages)
    assert "Maria" in screen.bot_messages[0].text  # welcomed by name

    child = await make_person(first_name="Ana", language_code="en")
    code, _secret, _screen = await child_report(child, "en")
    database = Database(safeperson.database_url)
    try:
        member = next(m for m in await StaffRepository(database).all_members() if m.name == "Maria")
        private_key = await staff_desk(safeperson).unlock(member, PASSPHRASE)
        cases = CaseRepository(database)
        case = await cases.by_code(code)
        assert case is not None
        stored = (await cases.entries(case.id))[0]
        report = open_entry(
            suite=stored.entry.suite,
            version=stored.entry.format_version,
            nonce=stored.entry.nonce,
            ciphertext=stored.entry.ciphertext,
            wrapped_key=stored.wrapped_keys[member.id],
            private_key=private_key,
            context=report_context(code, stored.entry.token),
        )
    finally:
        await database.dispose()
    assert b"Someone at the camp scares me." in report


async def test_a_used_or_unknown_code_is_an_ordinary_start(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    invitation = await staff_desk(safeperson).invite("Ion", "deputy", None)
    first = await make_person(first_name="Ion", language_code="en")
    await enrol(first, invitation.code)
    second = await make_person(first_name="Someone", language_code="en")
    await second.send(f"/start {invitation.code}")
    await second.wait_for_bot_text(CHOOSE)
    await second.send("/start st_0000deadbeef")
    await second.wait_for_bot_text(CHOOSE, count=2)
    assert not any(ASK in m.text for m in (await second.screen()).bot_messages)


async def test_different_passphrases_start_again_and_a_sticker_does_not_abort(
    safeperson: InProcessBot, make_person: MakePerson, telegram: EmulatorClient
) -> None:
    invitation = await staff_desk(safeperson).invite("Elena", "board", None)
    person = await make_person(first_name="Elena", language_code="en")
    await person.send(f"/start {invitation.code}")
    await person.wait_for_bot_text(CHOOSE)
    await tap_newest(person, "en", "✓ English")
    await person.wait_for_bot_text(ASK)
    await telegram.send_sticker(person.user.user_id)
    await person.wait_for_bot_text(ASK, count=2)
    await person.send(PASSPHRASE)
    await person.wait_for_bot_text(AGAIN)
    await person.send("a different long passphrase")
    await person.wait_for_bot_text("The two passphrases were different. Let us start again.")
    await person.wait_for_bot_text(ASK, count=3)
    await person.send(PASSPHRASE)
    await person.wait_for_bot_text(AGAIN, count=2)
    await person.send(PASSPHRASE)
    await person.wait_for_bot_text(ENROLLED)


async def test_an_expired_code_does_nothing(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    invitation = await staff_desk(safeperson).invite("Dan", "deputy", None)
    safeperson.clock.ahead = timedelta(hours=73)
    person = await make_person(language_code="en")
    await person.send(f"/start {invitation.code}")
    await person.wait_for_bot_text(CHOOSE)


async def run_cli(folder: Path, api_url: str, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEPERSON_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=folder,
        env={
            **env,
            "SAFEPERSON_BOT_TOKEN": TOKEN,
            "SAFEPERSON_SECRET": "11" * 32,
            "SAFEPERSON_TELEGRAM_API_URL": api_url,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_staff_invite_list_and_revoke_from_the_command_line(
    api_url: str, tmp_path: Path
) -> None:
    (tmp_path / "safeperson.toml").write_text(CONFIG_TOML, encoding="utf-8")
    code, out, err = await run_cli(
        tmp_path, api_url, "staff", "invite", "--name", "Maria Pop", "--role", "officer"
    )
    assert code == 0, err
    link = re.search(r"https://t\.me/(\w+)\?start=(st_[0-9a-f]{32})", out)
    assert link, out
    assert link.group(1) == "SafePersonDemoBot"  # asked from the Bot API (getMe)
    assert "valid until" in out

    code, out, err = await run_cli(
        tmp_path, api_url, "staff", "invite", "--name", "Dan", "--role", "safe_person"
    )
    assert code == 2
    assert "add --activity" in err
    assert "Traceback" not in err

    code, out, _err = await run_cli(tmp_path, api_url, "staff", "list")
    assert code == 0
    assert "Maria Pop" in out
    assert "invited" in out

    code, out, _err = await run_cli(tmp_path, api_url, "staff", "revoke", "1")
    assert code == 0
    assert "revoked Maria Pop" in out
    code, out, _err = await run_cli(tmp_path, api_url, "staff", "list")
    assert "revoked" in out


async def test_staff_work_in_the_language_they_chose_with_their_own_menu(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    invitation = await staff_desk(safeperson).invite("Maria", "officer", None)
    officer = await make_person(first_name="Maria", language_code="en")
    # Her app says English; she picks Romanian.
    await enrol(officer, invitation.code, "ro", suggested="en")
    await officer.wait_for_bot_text(translate("ro", "For staff:"))
    screen = await officer.wait_for(
        lambda s: [c["command"] for c in s.commands] == list(staff_commands(StaffRole.OFFICER))
    )
    assert screen.commands[0]["description"] == translate("ro", "Your open cases")

    # A child keeps the public menu, and the alert comes in Romanian like the rest of her chat.
    child = await make_person(first_name="Ana", language_code="en")
    assert "report" in [c["command"] for c in (await child.screen()).commands]
    code, _secret, _screen = await child_report(child, "en")
    await officer.wait_for_bot_text(translate("ro", "New case {code}").format(code=code))

    # /language later: Albanian, and her menu follows; no reporter's welcome for staff.
    await officer.send("/language")
    await officer.wait_for_bot_text(translate("ro", CHOOSE))
    await tap_newest(officer, "sq", ENDONYMS["sq"])
    await officer.wait_for_bot_text(translate("sq", "For staff:"))
    await officer.wait_for(
        lambda s: (
            bool(s.commands) and s.commands[0]["description"] == translate("sq", "Your open cases")
        )
    )
    await officer.send("/help")
    screen = await officer.wait_for_bot_text(translate("sq", "For staff:"), count=2)
    assert not any(
        translate(language, "Who are you?") in m.text
        for m in screen.bot_messages
        for language in ("en", "ro", "sq")
    )
