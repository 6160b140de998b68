"""Voice notes both ways, getFile and file downloads."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile

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
