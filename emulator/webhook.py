"""Pushing updates to the bot's webhook, the way Telegram does.

Updates of one chat go out one at a time and in order; different chats proceed in parallel.
An update is re-sent with a growing pause until the bot answers with a 2xx status. A 2xx answer
may carry one more Bot API call in its body ("reply to the webhook"), which is then performed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import MultipartReader

from emulator.params import CallParams, read_multipart

if TYPE_CHECKING:
    from emulator.state import EmulatorState, StoredUpdate, WebhookConfig
    from emulator.updates_api import UpdatesApi

ReplyCallPerformer = Callable[[str, str, CallParams], Awaitable[None]]

FIRST_RETRY_DELAY = 0.1
MAX_RETRY_DELAY = 2.0
REQUEST_TIMEOUT = 60.0
# How often the dispatcher looks again even without a signal (a safety net, not a schedule).
IDLE_RECHECK_SECONDS = 0.5


class WebhookDelivery:
    def __init__(
        self,
        state: EmulatorState,
        updates: UpdatesApi,
        perform_reply_call: ReplyCallPerformer,
        is_stopping: asyncio.Event,
    ) -> None:
        self._state = state
        self._updates = updates
        self._perform_reply_call = perform_reply_call
        self._is_stopping = is_stopping
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._dispatcher: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._dispatcher = asyncio.create_task(self._dispatch_forever())

    async def stop(self) -> None:
        tasks = [*self._workers.values(), *([self._dispatcher] if self._dispatcher else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()
        if self._session is not None:
            await self._session.close()

    async def _dispatch_forever(self) -> None:
        while not self._is_stopping.is_set():
            if self._state.webhook is not None:
                for chat_id in {update.chat_id for update in self._updates.deliverable_updates()}:
                    worker = self._workers.get(chat_id)
                    if worker is None or worker.done():
                        self._workers[chat_id] = asyncio.create_task(self._serve_chat(chat_id))
            await self._state.updates_changed.wait_at_most(IDLE_RECHECK_SECONDS)

    async def _serve_chat(self, chat_id: int) -> None:
        retry_delay = FIRST_RETRY_DELAY
        while (webhook := self._state.webhook) is not None and not self._is_stopping.is_set():
            update = self._next_update(chat_id)
            if update is None:
                return
            if await self._post(webhook, update):
                retry_delay = FIRST_RETRY_DELAY
            else:
                await asyncio.sleep(retry_delay)
                retry_delay = min(retry_delay * 2, MAX_RETRY_DELAY)

    def _next_update(self, chat_id: int) -> StoredUpdate | None:
        return next((u for u in self._updates.deliverable_updates() if u.chat_id == chat_id), None)

    async def _post(self, webhook: WebhookConfig, update: StoredUpdate) -> bool:
        """Send one update; True when the bot took it (a 2xx answer)."""
        if self._session is None:
            raise RuntimeError("WebhookDelivery.start() was not called")
        headers = {}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        update.mark_delivered()
        try:
            async with self._session.post(
                webhook.url,
                json=update.to_api(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            ) as response:
                if not 200 <= response.status < 300:
                    self._record_error(
                        webhook,
                        f"Wrong response from the webhook: {response.status} {response.reason}",
                    )
                    return False
                reply = await _reply_call(response)
        except (aiohttp.ClientError, TimeoutError) as error:
            self._record_error(webhook, f"Connection failed: {type(error).__name__}")
            return False
        update.confirmed = True
        if reply is not None:
            method, params = reply
            await self._perform_reply_call(webhook.bot_token, method, params)
        return True

    def _record_error(self, webhook: WebhookConfig, message: str) -> None:
        webhook.last_error_date = self._state.clock.unix()
        webhook.last_error_message = message


async def _reply_call(response: aiohttp.ClientResponse) -> tuple[str, CallParams] | None:
    """The Bot API call a webhook answer carries in its body, if it carries one."""
    if response.content_type == "multipart/form-data":
        params = await read_multipart(MultipartReader(response.headers, response.content))
    elif response.content_type == "application/json":
        try:
            body: Any = json.loads(await response.read() or b"{}")
        except ValueError:
            return None
        params = CallParams(values=body if isinstance(body, dict) else {})
    else:
        return None
    method = params.values.pop("method", None)
    return (method, params) if isinstance(method, str) and method else None
