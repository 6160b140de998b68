"""Posters and cards: the QR code a phone reads leads to the activity's link, and a child reads
the lines and the help numbers in each chosen language. Checked on the printed result: each PDF
page drawn as an image and read with a QR decoder, and its text as a PDF reader extracts it."""

from __future__ import annotations

import asyncio
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from bot.cli import main
from bot.languages import LanguageCode
from bot.links import activity_link
from bot.posters import Poster, PosterFormat, PosterWords, render_poster
from bot.services import poster_wording
from bot.settings import OrganisationConfig
from emulator.server import BotApiEmulator

CONFIG_TOML = """
[organisation]
name = "Demo Organisation"
country = "RO"

[languages]
enabled = ["ro", "sq", "rom", "en"]
default = "en"

[[activities]]
code = "summer_camp"
name = "Summer camp"

[[activities]]
code = "football"
name = "Football club"
safe_person = "Ana Ionescu"
"""
CONFIG = OrganisationConfig.model_validate(tomllib.loads(CONFIG_TOML))
BOT = "SafePersonDemoBot"
LINK = activity_link(BOT, "summer_camp")
CREATED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
WORDING = poster_wording(CONFIG)
HELP_NUMBERS = ("112", "119", "116 111")


def poster_pdf(
    languages: tuple[LanguageCode, ...],
    page_format: PosterFormat,
    *,
    safe_person: str | None = None,
) -> bytes:
    poster = Poster(
        link=LINK,
        organisation=CONFIG.organisation.name,
        activity="Summer camp",
        safe_person=safe_person,
        words=tuple(WORDING.words(language) for language in languages),
    )
    return render_poster(poster, page_format, CREATED)


@dataclass(frozen=True)
class Page:
    image: Image.Image
    text: str  # words as extracted, whitespace (line breaks included) as single spaces
    width: float  # in PDF points
    height: float


def pages(pdf: bytes) -> list[Page]:
    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        width, height = page.get_size()
        text = page.get_textpage().get_text_range()
        found.append(Page(page.render(scale=2).to_pil(), " ".join(text.split()), width, height))
    return found


def cards(pdf: bytes) -> list[tuple[Image.Image, str]]:
    """Each A6 card of each sheet, left to right and top to bottom: its image and its text."""
    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        width, height = page.get_size()
        image = page.render(scale=2).to_pil()
        textpage = page.get_textpage()
        for row in range(2):
            for column in range(2):
                # PDF points run from the bottom left; the image's pixels from the top left.
                left, right = column * width / 2, (column + 1) * width / 2
                top, bottom = height - row * height / 2, height - (row + 1) * height / 2
                text = textpage.get_text_bounded(left=left, bottom=bottom, right=right, top=top)
                box = (
                    column * image.width // 2,
                    row * image.height // 2,
                    (column + 1) * image.width // 2,
                    (row + 1) * image.height // 2,
                )
                found.append((image.crop(box), " ".join(text.split())))
    return found


def qr_codes(image: Image.Image) -> list[str]:
    return [
        barcode.text
        for barcode in zxingcpp.read_barcodes(image)
        if barcode.format == zxingcpp.BarcodeFormat.QRCode
    ]


def said(words: PosterWords) -> list[str]:
    """What a child reads in one language, each as one line of text."""
    sentences = [words.headline, words.role, *words.lines, words.scan, words.call_heading]
    sentences += [helpline.description for helpline in words.helplines]
    return [" ".join(sentence.split()) for sentence in sentences]


def test_an_a4_poster_in_two_languages_leads_to_the_activity_and_says_everything_in_both() -> None:
    [page] = pages(poster_pdf(("ro", "rom"), PosterFormat.A4))
    assert qr_codes(page.image) == [LINK]
    assert LINK in page.text  # for someone who cannot scan
    for language in ("ro", "rom"):
        for sentence in said(WORDING.words(language)):
            assert sentence in page.text, (language, sentence)
    for number in HELP_NUMBERS:
        assert number in page.text
    # The helplines' own names, and that each is free, in the language's words.
    assert "Telefonul Copilului" in page.text
    assert WORDING.words("ro").helplines[0].description.endswith("gratuit")
    assert WORDING.words("rom").helplines[0].description.endswith("bi love")
    assert "Is something worrying you?" not in page.text  # no English unless chosen


def test_the_words_come_from_the_catalogs_and_romani_letters_survive() -> None:
    romani = WORDING.words("rom")
    secret = romani.lines[1]
    assert "č" in secret, "the catalog's Romani line for 'free and secret'"
    assert secret != "It is free. It stays secret."
    [page] = pages(poster_pdf(("rom",), PosterFormat.A4))
    assert secret in page.text
    assert romani.role in page.text


def test_four_languages_make_two_pages_each_with_its_own_code() -> None:
    first, second = pages(poster_pdf(("ro", "sq", "rom", "en"), PosterFormat.A4))
    expected: tuple[tuple[Page, tuple[LanguageCode, ...]], ...] = (
        (first, ("ro", "sq")),
        (second, ("rom", "en")),
    )
    for page, languages in expected:
        assert qr_codes(page.image) == [LINK]
        assert (page.width, page.height) == pytest.approx((595.3, 841.9), abs=0.5)  # A4
        for language in languages:
            assert WORDING.words(language).lines[0] in page.text
    assert WORDING.words("rom").lines[0] not in first.text


def test_no_name_is_printed_unless_the_organisation_sets_one() -> None:
    [unnamed] = pages(poster_pdf(("ro",), PosterFormat.A4))
    role = WORDING.words("ro").role
    assert role in unnamed.text
    assert f"{role}:" not in unnamed.text
    assert "Ana Ionescu" not in unnamed.text
    [named] = pages(poster_pdf(("ro",), PosterFormat.A4, safe_person="Ana Ionescu"))
    assert f"{role}: Ana Ionescu" in named.text


def test_a_sheet_of_cards_has_four_cards_each_with_a_code_and_one_language_in_turn() -> None:
    found = cards(poster_pdf(("ro", "rom"), PosterFormat.A6_CARDS))
    assert len(found) == 4
    for index, (image, text) in enumerate(found):
        assert qr_codes(image) == [LINK], f"card {index + 1}"
        shown: LanguageCode = "ro" if index % 2 == 0 else "rom"
        other: LanguageCode = "rom" if shown == "ro" else "ro"
        for sentence in said(WORDING.words(shown)):
            assert sentence in text, (index, sentence)
        assert WORDING.words(other).headline not in text
        for number in HELP_NUMBERS:
            assert number in text


def test_three_languages_on_cards_go_round_and_fill_the_sheet() -> None:
    found = cards(poster_pdf(("ro", "sq", "rom"), PosterFormat.A6_CARDS))
    headlines = [WORDING.words(language).headline for language in ("ro", "sq", "rom", "ro")]
    assert len(found) == len(headlines)
    for (_image, text), headline in zip(found, headlines, strict=True):
        assert headline in text


# The command.


@pytest.fixture
def poster_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = CONFIG_TOML.replace(
        'enabled = ["ro", "sq", "rom", "en"]', 'enabled = ["ro", "rom", "en"]'
    )
    (tmp_path / "safeperson.toml").write_text(config, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("SAFEPERSON_BOT_TOKEN", "SAFEPERSON_CONFIG", "SAFEPERSON_TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_the_command_writes_the_poster_in_every_enabled_language(
    poster_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["poster", "--activity", "football", "--bot", "@" + BOT]) == 0
    written = poster_folder / "poster-football-a4.pdf"
    out = capsys.readouterr().out
    assert str(written.name) in out
    link = activity_link(BOT, "football")
    assert link in out
    first, second = pages(written.read_bytes())
    assert qr_codes(first.image) == qr_codes(second.image) == [link]
    assert WORDING.words("ro").lines[0] in first.text
    assert WORDING.words("rom").lines[0] in first.text
    assert WORDING.words("en").lines[0] in second.text
    # This activity's safe person is named in its config.
    assert f"{WORDING.words('en').role}: Ana Ionescu" in second.text


def test_the_command_writes_cards_where_it_is_told(poster_folder: Path) -> None:
    output = poster_folder / "cards.pdf"
    arguments = ["poster", "--activity", "summer_camp", "--language", "rom, ro", "--bot", BOT]
    assert main([*arguments, "--format", "a6-cards", "--output", str(output)]) == 0
    found = cards(output.read_bytes())
    assert [qr_codes(image) for image, _text in found] == [[LINK]] * 4
    assert WORDING.words("rom").headline in found[0][1]
    assert WORDING.words("ro").headline in found[1][1]


def test_an_unknown_activity_is_refused_with_the_known_codes(
    poster_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["poster", "--activity", "chess", "--bot", BOT]) == 2
    error = capsys.readouterr().err
    assert 'no activity "chess"' in error
    assert "summer_camp, football" in error
    assert list(poster_folder.glob("*.pdf")) == []


@pytest.mark.parametrize("languages", ["sq", "ro,xx", ""])
def test_a_language_the_organisation_has_not_enabled_is_refused(
    poster_folder: Path, capsys: pytest.CaptureFixture[str], languages: str
) -> None:
    arguments = ["poster", "--activity", "summer_camp", "--language", languages, "--bot", BOT]
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert "--language" in error
    assert "(ro, rom, en," in error
    assert list(poster_folder.glob("*.pdf")) == []


def test_an_existing_file_is_kept_unless_force(
    poster_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = poster_folder / "poster-summer_camp-a4.pdf"
    existing.write_bytes(b"the poster printed last year")
    assert main(["poster", "--activity", "summer_camp", "--bot", BOT]) == 2
    error = capsys.readouterr().err
    assert "poster-summer_camp-a4.pdf already exists" in error
    assert "--force" in error
    assert existing.read_bytes() == b"the poster printed last year"
    assert main(["poster", "--activity", "summer_camp", "--bot", BOT, "--force"]) == 0
    assert qr_codes(pages(existing.read_bytes())[0].image) == [LINK]


@pytest.fixture
def telegram() -> Iterator[str]:
    """The project's Bot API emulator on a loop of its own (the command runs its own loop to ask
    getMe); its base URL."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    emulator = BotApiEmulator(bot_username="CampSafePersonBot")
    try:
        yield asyncio.run_coroutine_threadsafe(emulator.start(), loop).result(timeout=10)
    finally:
        asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_the_username_is_asked_from_telegram_with_the_token(
    poster_folder: Path, telegram: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFEPERSON_BOT_TOKEN", "123456:" + "A" * 35)
    monkeypatch.setenv("SAFEPERSON_TELEGRAM_API_URL", telegram)
    assert main(["poster", "--activity", "summer_camp", "--language", "ro"]) == 0
    [page] = pages((poster_folder / "poster-summer_camp-a4.pdf").read_bytes())
    assert qr_codes(page.image) == [activity_link("CampSafePersonBot", "summer_camp")]


def test_without_the_bots_username_no_poster_is_made(
    poster_folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No token: Telegram cannot be asked.
    assert main(["poster", "--activity", "summer_camp"]) == 2
    assert "--bot USERNAME" in capsys.readouterr().err
    # A token, but Telegram does not answer (nothing listens on the discard port).
    monkeypatch.setenv("SAFEPERSON_BOT_TOKEN", "123456:" + "A" * 35)
    monkeypatch.setenv("SAFEPERSON_TELEGRAM_API_URL", "http://127.0.0.1:9")
    assert main(["poster", "--activity", "summer_camp"]) == 2
    assert "--bot USERNAME" in capsys.readouterr().err
    assert list(poster_folder.glob("*.pdf")) == []


def test_a_username_that_is_not_a_bots_is_refused(
    poster_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["poster", "--activity", "summer_camp", "--bot", "t.me/someone"])
    assert stopped.value.code == 2
    assert "--bot" in capsys.readouterr().err
    assert list(poster_folder.glob("*.pdf")) == []
