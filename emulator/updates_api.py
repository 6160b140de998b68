"""Bot API methods that hand updates to the bot: getUpdates and the webhook settings."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from emulator.errors import bad_request, conflict
from emulator.state import WebhookConfig

if TYPE_CHECKING:
    from emulator.call import Call, MethodHandler
    from emulator.state import EmulatorState, StoredUpdate

MAX_UPDATES_PER_CALL = 100
DEFAULT_MAX_CONNECTIONS = 40
# What Telegram sends when allowed_updates was never given (or given as an empty list).
DEFAULT_UPDATE_TYPES = frozenset({"message", "edited_message", "callback_query", "my_chat_member"})
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)
_OTHER_POLL = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)


class UpdatesApi:
    def __init__(self, state: EmulatorState, is_stopping: asyncio.Event) -> None:
        self._state = state
        self._is_stopping = is_stopping

    def methods(self) -> dict[str, MethodHandler]:
        return {
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
        }

    async def get_updates(self, call: Call) -> list[dict[str, Any]]:
        state = self._state
        if state.webhook is not None:
            raise conflict(_WEBHOOK_ACTIVE)
        limit = min(
            max(call.params.int_or_none("limit") or MAX_UPDATES_PER_CALL, 1), MAX_UPDATES_PER_CALL
        )
        timeout = max(call.params.float_or_none("timeout") or 0.0, 0.0)
        if call.params.has("allowed_updates"):
            allowed = call.params.json_or_none("allowed_updates")
            state.allowed_updates = [str(kind) for kind in allowed] if allowed else None
        self._apply_offset(call.params.int_or_none("offset"))

        state.poll_generation += 1
        generation = state.poll_generation
        state.updates_changed.notify()  # ends an older poll that is still waiting
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if generation != state.poll_generation:
                raise conflict(_OTHER_POLL)
            if state.webhook is not None:
                raise conflict(_WEBHOOK_ACTIVE)
            batch = self.deliverable_updates()[:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if batch or remaining <= 0 or self._is_stopping.is_set():
                break
            await state.updates_changed.wait_at_most(remaining)
        if call.client_connected():
            for update in batch:
                update.mark_delivered()
        return [update.to_api() for update in batch]

    def deliverable_updates(self) -> list[StoredUpdate]:
        """Pending updates of allowed types; Telegram drops updates of other types."""
        allowed = set(self._state.allowed_updates or DEFAULT_UPDATE_TYPES)
        pending = []
        for update in self._state.pending_updates():
            if update.kind in allowed:
                pending.append(update)
            else:
                update.confirmed = True
        return pending

    def _apply_offset(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset >= 0:
            self._state.confirm_below(offset)
            return
        # A negative offset keeps only the last -offset updates and forgets the rest.
        pending = self._state.pending_updates()
        for update in pending[: max(0, len(pending) + offset)]:
            update.confirmed = True

    async def set_webhook(self, call: Call) -> bool:
        url = call.params.str_or_none("url") or ""
        if not url:
            return await self.delete_webhook(call)
        parts = urlsplit(url)
        # Real Telegram wants https on a public port; locally plain http is what tests can serve.
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = call.params.str_or_none("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if call.params.has("allowed_updates"):
            allowed = call.params.json_or_none("allowed_updates")
            self._state.allowed_updates = [str(kind) for kind in allowed] if allowed else None
        if call.params.flag("drop_pending_updates"):
            self._drop_pending()
        self._state.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=call.params.int_or_none("max_connections") or DEFAULT_MAX_CONNECTIONS,
            bot_token=call.token,
        )
        self._state.webhook_changed.notify()
        self._state.updates_changed.notify()
        return True

    async def delete_webhook(self, call: Call) -> bool:
        if call.params.flag("drop_pending_updates"):
            self._drop_pending()
        self._state.webhook = None
        self._state.webhook_changed.notify()
        return True

    async def get_webhook_info(self, call: Call) -> dict[str, Any]:
        webhook = self._state.webhook
        info: dict[str, Any] = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._state.pending_updates()),
        }
        if webhook is not None:
            info["max_connections"] = webhook.max_connections
            if webhook.last_error_date is not None:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
        if self._state.allowed_updates:
            info["allowed_updates"] = self._state.allowed_updates
        return info

    def _drop_pending(self) -> None:
        for update in self._state.pending_updates():
            update.confirmed = True
