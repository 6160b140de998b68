"""`BotApiEmulator`: a local stand-in for api.telegram.org that a real aiogram bot can talk to."""

from __future__ import annotations

import asyncio
import random
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator.bot_info_api import BotInfoApi
from emulator.call import Call, ChatAccess
from emulator.clock import EmulatorClock
from emulator.control import ControlApi, control_errors
from emulator.errors import BotApiError, not_found, unauthorized
from emulator.faults import FaultInjector
from emulator.limits import RateLimiter
from emulator.media_api import MediaApi
from emulator.messages_api import MessagesApi
from emulator.params import MAX_REQUEST_BYTES, read_call_params
from emulator.state import CallRecord, EmulatorState
from emulator.updates_api import UpdatesApi
from emulator.webhook import WebhookDelivery

if TYPE_CHECKING:
    from collections.abc import Callable

    from emulator.call import MethodHandler
    from emulator.faults import Fault
    from emulator.params import CallParams

_BOT_TOKEN = re.compile(r"([0-9]{1,20}):([A-Za-z0-9_-]+)")
DEMO_PAGE = Path(__file__).parent / "static" / "chat.html"
# Call-log statuses for calls that never got an answer (the numbers nginx uses for these).
STATUS_DROPPED = 444
STATUS_CLIENT_GONE = 499


class BotApiEmulator:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        bot_username: str = "SafePersonDemoBot",
        per_chat_burst: int = 20,
        per_chat_per_second: float = 1.0,
        global_per_second: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        # Not for security: the random source only makes ids look like Telegram's, reproducibly.
        self.rng = rng if rng is not None else random.Random()  # noqa: S311
        self.clock = EmulatorClock(clock)
        self.state = EmulatorState(clock=self.clock, rng=self.rng, bot_username=bot_username)
        self.faults = FaultInjector(self.rng)
        self._is_stopping = asyncio.Event()
        chats = ChatAccess(
            self.state,
            RateLimiter(
                per_chat_burst=per_chat_burst,
                per_chat_per_second=per_chat_per_second,
                global_per_second=global_per_second,
            ),
        )
        media = MediaApi(self.state, chats)
        updates = UpdatesApi(self.state, self._is_stopping)
        self._methods: dict[str, tuple[str, MethodHandler]] = {}
        for group in (
            BotInfoApi(self.state).methods(),
            MessagesApi(self.state, chats).methods(),
            media.methods(),
            updates.methods(),
        ):
            for name, handler in group.items():
                # Telegram matches method names case-insensitively.
                self._methods[name.lower()] = (name, handler)
        self._control = ControlApi(self.state, self.faults, media, self._is_stopping)
        # What the chat page shows; `safeperson demo` fills it in (its phones, the guide).
        self.page = self._control.page
        self._webhooks = WebhookDelivery(
            self.state, updates, self._perform_reply_call, self._is_stopping
        )
        self._runner: web.AppRunner | None = None
        self.base_url: str | None = None

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[control_errors])
        app.router.add_routes(self._control.routes())
        app.router.add_route("*", "/bot{token}/{method}", self._serve_bot_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._serve_file)
        app.router.add_get("/", self._serve_demo_page)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0 picks a free port) and return the base URL for the bot."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        self._is_stopping.clear()
        # Long polls end at once on stop, so a short grace period is enough.
        runner = web.AppRunner(self.make_app(), shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        bound_port = runner.addresses[0][1]
        self._webhooks.start()
        self.base_url = f"http://{host}:{bound_port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._is_stopping.set()
        # Wake every long poll so it answers now instead of holding the shutdown up.
        self.state.updates_changed.notify()
        for user in self.state.users.values():
            user.screen_changed.notify()
        await self._webhooks.stop()
        await self._runner.cleanup()
        self._runner = None
        self.base_url = None

    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)

    async def _serve_bot_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        requested = request.match_info["method"]
        token_match = _BOT_TOKEN.fullmatch(token)
        entry = self._methods.get(requested.lower())
        method = entry[0] if entry is not None else requested
        if token_match is None:
            return self._answer(method, None, unauthorized())
        if entry is None:
            return self._answer(method, None, not_found("method not found"))
        bot_id = int(token_match.group(1))
        self.state.bot_id = bot_id
        try:
            params = await read_call_params(request)
        except BotApiError as error:
            return self._answer(method, None, error)
        fault = self.faults.pick(method, _chat_id_of(params))
        if fault is not None:
            faulted = await self._inject(fault, method, params, request)
            if faulted is not None:
                return faulted
        call = Call(token, bot_id, params, client_connected=lambda: _is_connected(request))
        try:
            result = await entry[1](call)
        except BotApiError as error:
            return self._answer(method, call.chat_id or _chat_id_of(params), error)
        return self._answer(method, call.chat_id, result)

    async def _inject(
        self, fault: Fault, method: str, params: CallParams, request: web.Request
    ) -> web.StreamResponse | None:
        """Apply a fault; None means the call goes ahead (after a "slow" fault's delay)."""
        chat_id = _chat_id_of(params)
        if fault.kind == "429":
            error = BotApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                retry_after=fault.retry_after,
            )
            return self._answer(method, chat_id, error)
        if fault.kind == "500":
            return self._answer(method, chat_id, BotApiError(500, "Internal Server Error"))
        if fault.kind == "502":
            return self._answer(method, chat_id, BotApiError(502, "Bad Gateway"))
        if fault.kind == "drop":
            self._log(method, STATUS_DROPPED, chat_id)
            _close_connection(request)
            return web.Response(status=STATUS_DROPPED)
        # "slow": wait first; a client that gave up meanwhile never gets the method performed.
        await asyncio.sleep(fault.delay)
        if not _is_connected(request):
            self._log(method, STATUS_CLIENT_GONE, chat_id)
            return web.Response(status=STATUS_CLIENT_GONE)
        return None

    async def _perform_reply_call(self, token: str, requested: str, params: CallParams) -> None:
        """A call the bot made in its webhook answer; Telegram ignores its outcome."""
        entry = self._methods.get(requested.lower())
        token_match = _BOT_TOKEN.fullmatch(token)
        if entry is None or token_match is None:
            self._log(requested, 404, _chat_id_of(params))
            return
        call = Call(token, int(token_match.group(1)), params, client_connected=lambda: True)
        try:
            await entry[1](call)
        except BotApiError as error:
            self._log(entry[0], error.error_code, call.chat_id or _chat_id_of(params))
        else:
            self._log(entry[0], 200, call.chat_id)

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        if _BOT_TOKEN.fullmatch(request.match_info["token"]) is None:
            return web.json_response(unauthorized().to_json(), status=401)
        file = self.state.files_by_path.get(request.match_info["file_path"])
        if file is None:
            return web.json_response(BotApiError(404, "Not Found").to_json(), status=404)
        return web.Response(body=file.content(), content_type=file.mime_type)

    async def _serve_demo_page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(DEMO_PAGE, headers={"Cache-Control": "no-store"})

    def _answer(self, method: str, chat_id: int | None, outcome: Any) -> web.Response:
        if isinstance(outcome, BotApiError):
            self._log(method, outcome.error_code, chat_id)
            return web.json_response(outcome.to_json(), status=outcome.error_code)
        self._log(method, 200, chat_id)
        return web.json_response({"ok": True, "result": outcome})

    def _log(self, method: str, status: int, chat_id: int | None) -> None:
        self.state.calls.append(CallRecord(method, status, chat_id, self.clock.now()))


def _is_connected(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and not transport.is_closing()


def _close_connection(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


def _chat_id_of(params: CallParams) -> int | None:
    raw = params.raw("chat_id")
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None
