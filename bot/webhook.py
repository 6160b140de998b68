"""Webhook mode: Telegram posts updates to this process, which answers only after committing.

aiogram's handler is used with handle_in_background=False, so the HTTP answer waits for the
update's unit of work; a failure answers 500 and Telegram re-sends the update.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.settings import ConfigError

if TYPE_CHECKING:
    from bot.app import SafePerson

WEBHOOK_PATH = "/telegram"


async def run_webhook(app: SafePerson) -> None:
    settings = app.settings
    if not settings.webhook_url:
        raise ConfigError(
            "Webhook mode needs SAFEPERSON_WEBHOOK_URL, the public https address that "
            "Telegram should post to (it must end in /telegram)."
        )
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    web_app = web.Application()
    SimpleRequestHandler(
        dispatcher=app.dispatcher, bot=app.bot, handle_in_background=False, secret_token=secret
    ).register(web_app, path=WEBHOOK_PATH)
    setup_application(web_app, app.dispatcher, bot=app.bot)
    runner = web.AppRunner(web_app)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        await app.bot.set_webhook(
            settings.webhook_url,
            secret_token=secret,
            allowed_updates=app.dispatcher.resolve_used_update_types(),
        )
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
