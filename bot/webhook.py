"""Webhook mode: Telegram posts updates to this process, which answers only after committing.

aiogram's ready-made handler answers 200 after 55 seconds even if the update is still being
handled, and then goes on in the background, where a failure would be lost. This handler gives
the update to the pipeline (the same as polling: ordered per person, concurrent across people)
and answers 200 once its effects are committed or it was set aside, 500 if not even that worked,
so Telegram sends it again. An update that cannot be read is answered 200: sending it again
would not make it readable.
Telegram proves itself with a secret header, derived from SAFEPERSON_SECRET when none is set:
without it, anyone who can reach the port could post updates as any Telegram user.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.health import add_health_route
from bot.settings import ConfigError
from bot.update_parsing import read_update

if TYPE_CHECKING:
    from bot.app import SafePerson

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def make_webhook_app(app: SafePerson, secret: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401)
        try:
            raw = await request.json()
        except ValueError:
            return web.Response(status=400)
        update = read_update(raw, app.bot)
        if update is None:
            return web.Response(status=200)
        try:
            await app.pipeline.submit(update)
        except Exception as exc:
            # Rolled back; Telegram re-sends it later.
            logger.warning("an update failed (%s); asking Telegram to resend", type(exc).__name__)
            return web.Response(status=500)
        return web.Response(status=200)

    web_app = web.Application()
    web_app.router.add_post(WEBHOOK_PATH, receive)
    add_health_route(web_app, app.health)
    return web_app


async def run_webhook(app: SafePerson) -> None:
    settings = app.settings
    if not settings.webhook_url:
        raise ConfigError(
            "Webhook mode needs SAFEPERSON_WEBHOOK_URL, the public https address that "
            "Telegram should post to (it must end in /telegram)."
        )
    secret = (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret
        else app.default_webhook_secret
    )
    runner = web.AppRunner(make_webhook_app(app, secret))
    await runner.setup()
    await app.dispatcher.emit_startup(bot=app.bot)
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        await app.bot.set_webhook(
            settings.webhook_url,
            secret_token=secret,
            allowed_updates=app.dispatcher.resolve_used_update_types(),
        )
        app.ready.set()
        await asyncio.Event().wait()
    finally:
        await app.pipeline.stop()
        await app.dispatcher.emit_shutdown(bot=app.bot)
        await runner.cleanup()
