"""A local Telegram Bot API emulator for end-to-end tests and demos of the SafePerson bot.

    emulator = BotApiEmulator()
    base_url = await emulator.start()          # e.g. http://127.0.0.1:40123
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    async with EmulatorClient(base_url) as telegram:
        ana = await telegram.create_user("Ana", "ro")
        await telegram.send_text(ana.user_id, "/start")
        screen = await telegram.wait_for(ana.user_id, lambda s: s.last_bot_message is not None)
    await emulator.stop()

Run it standalone with `python -m emulator --port 8081`; the demo chat page is served at `/`.
"""

from emulator.client import EmulatorClient
from emulator.server import BotApiEmulator

__all__ = ["BotApiEmulator", "EmulatorClient"]
