"""`safeperson demo`: the project's Bot API emulator, the real bot, and a chat page.

Nothing to set up: a throwaway SQLite file and a fresh secret in a temporary folder, deleted on
exit. Before the page opens, an officer, a deputy, a board member and a data-protection contact
are invited and enrolled through the real path (an invitation from the staff desk, then the
enrolment conversation in the chat, passphrase typed twice), so that the whole story can be
played from the page: a child's report, the alert, the ladder, Read, a reply, a consent request.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from pydantic import SecretStr

from bot.app import SafePerson, build_safeperson, serve
from bot.case_model import StaffRole
from bot.languages import ENDONYMS
from bot.settings import ConfigError, OrganisationConfig, Settings
from emulator.client import EmulatorClient, Screen
from emulator.server import BotApiEmulator
from handlers import enrolment_texts, texts

DEMO_TOKEN = "100000001:SafePersonDemoTokenForTheLocalEmulator"  # noqa: S105 - fake, local only
DEFAULT_PORT: Final = 8088
# Short, so that the ladder can be watched: nobody acknowledges, the deputy is alerted.
DEMO_ACK_AFTER: Final = timedelta(seconds=60)
ENROLMENT_TIMEOUT_SECONDS: Final = 30.0

DEMO_CONFIG = """
report_deadline = "24h"
reminders = ["12h", "1h"]
read_visible_for = "10m"

[organisation]
name = "Demo Organisation"
country = "RO"

[languages]
enabled = ["ro", "sq", "rom", "en"]
default = "en"

# The demo lives for minutes: a daily message would only clutter the officer's chat.
[heartbeat]
enabled = false

[[activities]]
code = "summer_camp"
name = "Summer camp"

[[activities]]
code = "football"
name = "Football club"
"""


@dataclass(frozen=True)
class DemoMember:
    """A staff member the demo enrols; the passphrase is shown on the page (the demo only)."""

    role: StaffRole
    title: str
    name: str
    passphrase: str


DEMO_STAFF: Final = (
    DemoMember(StaffRole.OFFICER, "Officer", "Maria", "blue river seven lanterns"),
    DemoMember(StaffRole.DEPUTY, "Deputy", "Ion", "green hill four kites"),
    DemoMember(StaffRole.BOARD, "Board", "Elena", "red door nine cups"),
    DemoMember(StaffRole.DPO, "Data protection", "Irina", "white boat two owls"),
)


def demo_config(ack_after: timedelta) -> OrganisationConfig:
    raw = tomllib.loads(DEMO_CONFIG)
    seconds = f"{int(ack_after.total_seconds())}s"
    raw["ack"] = {"immediate": seconds, "urgent": seconds, "standard": seconds}
    return OrganisationConfig.model_validate(raw)


async def run_demo(
    port: int = DEFAULT_PORT,
    *,
    ack_after: timedelta = DEMO_ACK_AFTER,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the demo until cancelled. `on_ready` gets the page's address once the staff are
    enrolled (the default prints it)."""
    emulator = BotApiEmulator()
    try:
        base_url = await emulator.start(host="127.0.0.1", port=port)
    except OSError as exc:
        raise ConfigError(_cannot_listen(port, exc)) from None
    try:
        with tempfile.TemporaryDirectory(prefix="safeperson-demo-") as folder:
            config = demo_config(ack_after)
            settings = Settings(
                _env_file=None,
                bot_token=SecretStr(DEMO_TOKEN),
                telegram_api_url=base_url,
                database_url=f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}",
                config=Path(folder) / "safeperson.toml",
            )
            app = build_safeperson(settings, config, token=DEMO_TOKEN, secret=os.urandom(32))
            await _serve_with_staff(app, emulator, base_url, config, ack_after, on_ready)
    finally:
        await emulator.stop()
        if on_ready is None:
            print("SafePerson demo stopped; its data is deleted.", flush=True)


async def _serve_with_staff(
    app: SafePerson,
    emulator: BotApiEmulator,
    base_url: str,
    config: OrganisationConfig,
    ack_after: timedelta,
    on_ready: Callable[[str], None] | None,
) -> None:
    # No ready line: it would warn that no officer is enrolled, before the demo enrols one.
    serving = asyncio.create_task(serve(app, say_ready=False))
    try:
        ready = asyncio.create_task(app.ready.wait())
        await asyncio.wait({ready, serving}, return_when=asyncio.FIRST_COMPLETED)
        if serving.done():
            serving.result()  # it stopped while starting: say why
        async with EmulatorClient(base_url) as telegram:
            staff = [await _enrol(app, telegram, member) for member in DEMO_STAFF]
        emulator.page.update(page_config(config, staff, ack_after, emulator.state.bot_username))
        if on_ready is not None:
            on_ready(base_url)
        else:
            print(
                f"SafePerson demo: open {base_url}/ in your browser. Ctrl-C stops it.", flush=True
            )
        await serving
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving


@dataclass(frozen=True)
class EnrolledPhone:
    member: DemoMember
    user_id: int


async def _enrol(app: SafePerson, telegram: EmulatorClient, member: DemoMember) -> EnrolledPhone:
    """Invite the member as `safeperson staff invite` does, then enrol them in the chat."""
    async with app.database.transaction():
        invitation = await app.staff.invite(member.name, member.role, None)
    phone = await telegram.create_user(first_name=member.name, language_code="en")
    with app.i18n.context(), app.i18n.use_locale("en"):
        language, choose, again, done = (
            texts.choose_language(),
            enrolment_texts.choose_passphrase(),
            enrolment_texts.again(),
            enrolment_texts.enrolled(),
        )
    await telegram.send_text(phone.user_id, f"/start {invitation.code}")
    # Staff pick their language first; the phone's (English) comes ticked.
    await _wait_for_text(telegram, phone.user_id, language)
    await telegram.press(phone.user_id, button_text=f"✓ {ENDONYMS['en']}")
    await _wait_for_text(telegram, phone.user_id, choose)
    await telegram.send_text(phone.user_id, member.passphrase)
    await _wait_for_text(telegram, phone.user_id, again)
    await telegram.send_text(phone.user_id, member.passphrase)
    await _wait_for_text(telegram, phone.user_id, done)
    return EnrolledPhone(member, phone.user_id)


async def _wait_for_text(telegram: EmulatorClient, user_id: int, text: str) -> Screen:
    try:
        return await telegram.wait_for(
            user_id,
            lambda screen: any(m.text == text for m in screen.bot_messages),
            timeout=ENROLMENT_TIMEOUT_SECONDS,
        )
    except TimeoutError:
        raise ConfigError("the demo could not enrol its staff: the bot did not answer") from None


def page_config(
    config: OrganisationConfig,
    staff: list[EnrolledPhone],
    ack_after: timedelta,
    bot_username: str,
) -> dict[str, Any]:
    """What the chat page shows: the reporters' phones, the staff phone, the guide's numbers."""
    return {
        "organisation": config.organisation.name,
        "bot_username": bot_username,
        "languages": [{"code": c, "name": ENDONYMS[c]} for c in config.languages.enabled],
        "ack_seconds": int(ack_after.total_seconds()),
        "read_visible_minutes": int(config.read_visible_for.total_seconds() // 60),
        "reporters": [
            {
                "key": "child",
                "title": "Child",
                "language": "ro",
                "links": [
                    {"label": f"Came from the «{a.name}» poster", "start": f"act_{a.code}"}
                    for a in config.activities
                ],
            },
            {"key": "parent", "title": "Parent", "language": "sq", "links": []},
        ],
        "staff": [
            {
                "role": phone.member.role,
                "title": phone.member.title,
                "name": phone.member.name,
                "user_id": phone.user_id,
                "passphrase": phone.member.passphrase,
            }
            for phone in staff
        ],
    }


def _cannot_listen(port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} is already in use (is another demo running?): stop it, or choose "
            f"another port with `make demo PORT={port + 1}` or `safeperson demo --port {port + 1}`."
        )
    return f"cannot listen on 127.0.0.1:{port} ({exc.strerror}): choose another port with --port."
