"""/stats: a board member reading Romanian gets the figures as a picture and a PDF, both in
Romanian and with small counts hidden; a safe person is kindly told it is not for them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import aiohttp
import pypdfium2
from PIL import Image

from emulator.client import EmulatorClient, Screen
from storage.db import Database
from storage.models import ReportCase
from storage.vocabulary import CaseKind, CaseStatus, Urgency
from tests.e2e.conftest import MakePerson
from tests.e2e.flows import enrol, enrolled, staff_desk
from tests.e2e.harness import TOKEN, InProcessBot, translate

CAPTION = "{title}. Concerns received: {count}. The full report is in the PDF below."
NOT_FOR_YOU = "Only the board and the Child Protection Officer see these figures."


async def seed_concerns(bot: InProcessBot, audiences: list[str]) -> None:
    """Concerns received over the last days, metadata only (nothing sealed is needed)."""
    now = datetime.now(UTC)
    database = Database(bot.database_url)
    try:
        async with database.transaction() as session:
            for number, audience in enumerate(audiences):
                received = now - timedelta(days=2, minutes=number)
                session.add(
                    ReportCase(
                        kind=CaseKind.CONCERN,
                        code=f"S{number:05d}",
                        audience=audience,
                        urgency=Urgency.STANDARD,
                        category=None,
                        activity="summer_camp",
                        about_officer=False,
                        wants_reply=False,
                        status=CaseStatus.ACKNOWLEDGED,
                        received_at=received,
                        deadline_at=received + timedelta(hours=24),
                        updated_at=received,
                        receipt_hash="x",
                        submission_key=f"seeded-{number}",
                        tier=0,
                        alert_round=1,
                        acknowledged_at=received + timedelta(minutes=15),
                    )
                )
    finally:
        await database.dispose()


async def download(telegram: EmulatorClient, file_id: str) -> bytes:
    """A file as anyone holding its id would get it: getFile, then a download."""
    api = f"{telegram.base_url}/bot{TOKEN}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api}/getFile", params={"file_id": file_id}) as found:
            path = (await found.json())["result"]["file_path"]
        async with http.get(f"{telegram.base_url}/file/bot{TOKEN}/{path}") as got:
            return await got.read()


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    try:
        return "\n".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()


def has_photo_and_report(screen: Screen) -> bool:
    kinds = [m.kind for m in screen.bot_messages]
    return "photo" in kinds and "document" in kinds


async def test_a_board_member_gets_the_figures_in_romanian_with_small_counts_hidden(
    safeperson: InProcessBot, make_person: MakePerson, telegram: EmulatorClient
) -> None:
    # 6 concerns from children and 1 from a parent: the 1 is hidden, and so is the 6, which
    # with the total of 7 would give it away.
    await seed_concerns(safeperson, ["child"] * 6 + ["parent"])
    invitation = await staff_desk(safeperson).invite("Elena", "board", None)
    member = await make_person(first_name="Elena", language_code="ro")
    await enrol(member, invitation.code, "ro")
    # Her menu has /stats.
    await member.wait_for(lambda s: "stats" in [c["command"] for c in s.commands])

    await member.send("/stats")

    screen = await member.wait_for(has_photo_and_report, timeout=60)
    photo = next(m for m in screen.bot_messages if m.kind == "photo")
    report = next(m for m in screen.bot_messages if m.kind == "document")
    caption_start = translate("ro", CAPTION).split("{title}")[1].split("{count}")[0]
    assert f"{caption_start}7" in photo.text
    assert translate("ro", "Figures from {first} to {last}").split("{first}")[0] in photo.text
    picture = Image.open(io.BytesIO(await download(telegram, photo.photo[-1].file_id)))
    assert picture.format == "PNG"
    assert picture.width > picture.height > 400
    assert report.file_id is not None
    text = pdf_text(await download(telegram, report.file_id))
    assert translate("ro", "Concerns by who wrote") in text
    audiences = [
        line.split()[-1] for line in text.splitlines() if "Sesizări după cine a scris:" in line
    ]
    assert audiences[:2] == ["≥3", "<3"]
    assert "Concerns" not in text

    # Anything but a year is answered with how to ask.
    await member.send("/stats last year")
    await member.wait_for_bot_text(
        translate("ro", "Send /stats for the last 12 months, or /stats 2026 for one year.")
    )


async def test_a_safe_person_is_told_kindly_that_the_figures_are_not_for_them(
    safeperson: InProcessBot, make_person: MakePerson
) -> None:
    safe_person = await enrolled(safeperson, make_person, "Ion", "safe_person", "summer_camp")

    await safe_person.send("/stats")

    screen = await safe_person.wait_for_bot_text(translate("en", NOT_FOR_YOU))
    assert not [m for m in screen.bot_messages if m.kind in ("photo", "document")]
    assert "stats" not in [c["command"] for c in screen.commands]
