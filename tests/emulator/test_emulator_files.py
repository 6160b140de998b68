"""Voice notes both ways, getFile and file downloads."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile
from PIL import Image

if TYPE_CHECKING:
    from aiogram import Bot

    from emulator import EmulatorClient


@pytest.mark.asyncio
async def test_users_voice_note_can_be_fetched_and_downloaded(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    await client.send_voice(ana.user_id, duration=4, size=3000)

    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.voice is not None
    voice = update.message.voice
    file = await bot.get_file(voice.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)

    assert (voice.duration, voice.file_size, voice.mime_type) == (4, 3000, "audio/ogg")
    assert downloaded is not None
    content = downloaded.read()
    assert len(content) == 3000
    assert content.startswith(b"OggS")
    assert (await client.screen(ana.user_id)).messages[0].kind == "voice"


@pytest.mark.asyncio
async def test_bot_voice_upload_is_stored_and_reusable_by_file_id(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    audio = b"OggS" + bytes(range(256)) * 4

    sent = await bot.send_voice(
        ana.chat_id, BufferedInputFile(audio, "note.ogg"), duration=2, caption="Listen"
    )
    assert sent.voice is not None
    again = await bot.send_voice(ana.chat_id, sent.voice.file_id)
    file = await bot.get_file(sent.voice.file_id)
    assert file.file_path is not None
    target = io.BytesIO()
    await bot.download_file(file.file_path, destination=target)

    assert target.getvalue() == audio
    assert again.voice is not None
    assert again.voice.file_id == sent.voice.file_id
    screen = await client.screen(ana.user_id)
    assert [(m.kind, m.text) for m in screen.messages] == [("voice", "Listen"), ("voice", "")]
    # A test reads a voice message the bot sent back through its file, as a phone would play it.
    assert [m.file_id for m in screen.messages] == [sent.voice.file_id] * 2


@pytest.mark.asyncio
async def test_files_over_20_megabytes_cannot_be_fetched(bot: Bot, client: EmulatorClient) -> None:
    ana = await client.create_user("Ana", "ro")
    await client.send_voice(ana.user_id, size=21 * 1024 * 1024)
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.voice is not None

    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(update.message.voice.file_id)
    with pytest.raises(TelegramBadRequest, match="wrong file"):
        await bot.send_voice(ana.chat_id, "no-such-file-id")


def png_of(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#2f6690").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.asyncio
async def test_a_photo_upload_comes_with_its_sizes_and_can_be_sent_again_by_file_id(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    picture = png_of(1210, 825)

    sent = await bot.send_photo(
        ana.chat_id,
        BufferedInputFile(picture, "figures.png"),
        caption="<b>Cifre</b>: &lt;3",
        parse_mode="HTML",
    )
    again = await bot.send_photo(ana.chat_id, sent.photo[-1].file_id if sent.photo else "")

    assert sent.photo is not None
    # Smallest first, the largest as big as the photo (under Telegram's 2560).
    assert [(size.width, size.height) for size in sent.photo] == [
        (90, 61),
        (320, 218),
        (800, 545),
        (1210, 825),
    ]
    assert sent.caption == "Cifre: <3"
    largest = await bot.get_file(sent.photo[-1].file_id)
    assert largest.file_path is not None
    downloaded = await bot.download_file(largest.file_path)
    assert downloaded is not None
    assert downloaded.read() == picture
    thumbnail = await bot.get_file(sent.photo[0].file_id)
    assert thumbnail.file_path is not None
    small = await bot.download_file(thumbnail.file_path)
    assert small is not None
    assert Image.open(small).size == (90, 61)
    assert again.photo == sent.photo
    # What the phone shows: the caption and the photo's sizes.
    screen = await client.screen(ana.user_id)
    assert [(m.kind, m.text) for m in screen.messages] == [("photo", "Cifre: <3"), ("photo", "")]
    assert screen.messages[0].file_id == sent.photo[-1].file_id
    assert [(p.width, p.height) for p in screen.messages[0].photo][-1] == (1210, 825)


@pytest.mark.asyncio
async def test_a_photo_telegram_would_refuse_is_refused_with_its_words(
    bot: Bot, client: EmulatorClient
) -> None:
    ana = await client.create_user("Ana", "ro")
    document = await bot.send_document(ana.chat_id, BufferedInputFile(b"%PDF-1.7", "a.pdf"))
    assert document.document is not None

    refusals = {
        "PHOTO_INVALID_DIMENSIONS": [png_of(6000, 4001), png_of(2100, 100)],
        "IMAGE_PROCESS_FAILED": [b"%PDF-1.7 not a picture"],
        "PHOTO_SAVE_FILE_INVALID": [b"\x89PNG" + b"\x00" * (10 * 1024 * 1024)],
    }
    for error, pictures in refusals.items():
        for picture in pictures:
            with pytest.raises(TelegramBadRequest, match=error):
                await bot.send_photo(ana.chat_id, BufferedInputFile(picture, "p.png"))
    with pytest.raises(TelegramBadRequest, match="type of file mismatch"):
        await bot.send_photo(ana.chat_id, document.document.file_id)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(
            ana.chat_id, BufferedInputFile(png_of(10, 10), "p.png"), caption="x" * 1025
        )
    # At the limits: 10000 pixels together, 20 times wider than high.
    assert (await bot.send_photo(ana.chat_id, BufferedInputFile(png_of(5000, 5000), "p.png"))).photo
    assert (await bot.send_photo(ana.chat_id, BufferedInputFile(png_of(2000, 100), "p.png"))).photo
    screen = await client.screen(ana.user_id)
    assert [m.kind for m in screen.messages] == ["document", "photo", "photo"]
