"""The control API: how tests and the demo page act as Telegram users and steer the emulator."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator.faults import FaultSpecError
from emulator.formatting import bot_command_entities
from emulator.limits import MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH
from emulator.media_api import DOCUMENT, VOICE, MediaKind
from emulator.state import CallbackQueryRecord

if TYPE_CHECKING:
    from emulator.faults import FaultInjector
    from emulator.media_api import MediaApi
    from emulator.state import EmulatorState, SimulatedUser, StoredMessage

STICKER = MediaKind("sticker", "stickers", "image/webp", "webp")
PHOTO = MediaKind("photo", "photos", "image/jpeg", "jpg")
SENDABLE_KINDS = ("text", "voice", "sticker", "photo", "document", "location")
DEFAULT_WAIT_SECONDS = 10.0
MAX_WAIT_SECONDS = 60.0


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Control API failures answer with `{"ok": false, "error": ...}` and a fitting status."""
    try:
        response: web.StreamResponse = await handler(request)
    except ControlError as error:
        return web.json_response({"ok": False, "error": error.message}, status=error.status)
    return response


class ControlApi:
    def __init__(
        self,
        state: EmulatorState,
        faults: FaultInjector,
        media: MediaApi,
        is_stopping: asyncio.Event,
        page: dict[str, Any] | None = None,
    ) -> None:
        # What the chat page shows (its phones, a guide); set by whoever runs the page.
        self.page: dict[str, Any] = page if page is not None else {}
        self._state = state
        self._faults = faults
        self._media = media
        self._is_stopping = is_stopping

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/control/health", self.health),
            web.post("/control/users", self.create_user),
            web.post("/control/users/{user_id}/send", self.send),
            web.post("/control/users/{user_id}/press", self.press),
            web.post("/control/users/{user_id}/block", self.block),
            web.post("/control/users/{user_id}/unblock", self.unblock),
            web.get("/control/users/{user_id}/screen", self.screen),
            web.get("/control/users/{user_id}/wait", self.wait),
            web.get("/control/screens/wait", self.wait_any),
            web.get("/control/page", self.page_config),
            web.get("/control/updates", self.list_updates),
            web.post("/control/updates", self.queue_raw_update),
            web.post("/control/updates/{update_id}/redeliver", self.redeliver),
            web.get("/control/calls", self.list_calls),
            web.get("/control/polls", self.polls),
            web.delete("/control/calls", self.clear_calls),
            web.get("/control/faults", self.list_faults),
            web.post("/control/faults", self.add_fault),
            web.delete("/control/faults", self.clear_faults),
            web.post("/control/clock", self.advance_clock),
        ]

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def create_user(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        first_name = body.get("first_name")
        if not isinstance(first_name, str) or not first_name.strip():
            raise ControlError(400, '"first_name" is required')
        user = self._state.create_user(
            first_name=first_name,
            language_code=str(body.get("language_code") or "en"),
            last_name=_optional_str(body, "last_name"),
            username=_optional_str(body, "username"),
            started=bool(body.get("started", True)),
        )
        return web.json_response({"user_id": user.user_id, "chat_id": user.chat_id})

    async def send(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _json_body(request)
        given = [kind for kind in SENDABLE_KINDS if kind in body]
        if len(given) != 1:
            raise ControlError(400, f"give exactly one of {', '.join(SENDABLE_KINDS)}")
        kind = given[0]
        content = self._user_content(kind, body[kind], body.get("caption"))
        self._reopen_chat(user)
        message = self._state.add_message(user, "user", user.user_id, kind, **content)
        update = self._state.enqueue_update(
            "message", self._state.message_to_api(message), user.chat_id
        )
        return web.json_response({"update_id": update.update_id, "message_id": message.message_id})

    async def press(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _json_body(request)
        button_text = _optional_str(body, "button_text")
        callback_data = _optional_str(body, "callback_data")
        message_id = body.get("message_id")
        if button_text is None and callback_data is None:
            raise ControlError(400, 'give "button_text" or "callback_data"')
        found = self._find_button(user, message_id, button_text, callback_data)
        if found is not None:
            message, button = found
            if "callback_data" not in button:
                raise ControlError(400, f"button {button.get('text')!r} sends nothing to the bot")
            data = str(button["callback_data"])
            shown_message = self._state.message_to_api(message)
        elif body.get("allow_missing") and isinstance(message_id, int) and callback_data:
            # A tap that raced an edit or deletion: Telegram still delivers it.
            data = callback_data
            gone = self._state.visible_message(user.chat_id, message_id)
            shown_message = (
                self._state.message_to_api(gone)
                if gone is not None
                else {"chat": user.to_api_chat(), "message_id": message_id, "date": 0}
            )
        else:
            wanted = button_text if button_text is not None else callback_data
            raise ControlError(404, f"no visible button {wanted!r}")
        self._reopen_chat(user)
        query_id = self._state.new_callback_query_id()
        self._state.callback_queries[query_id] = CallbackQueryRecord(
            query_id, user.user_id, shown_message["message_id"], data, self._state.clock.now()
        )
        update = self._state.enqueue_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_api_user(),
                "message": shown_message,
                "chat_instance": user.chat_instance,
                "data": data,
            },
            user.chat_id,
        )
        return web.json_response({"update_id": update.update_id, "callback_query_id": query_id})

    async def block(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if not user.blocked:
            user.blocked = True
            self._chat_member_changed(user, old="member", new="kicked")
        return web.json_response({"ok": True})

    async def unblock(self, request: web.Request) -> web.Response:
        user = self._user(request)
        self._reopen_chat(user)
        return web.json_response({"ok": True})

    async def screen(self, request: web.Request) -> web.Response:
        return web.json_response(self._state.screen(self._user(request)))

    async def wait(self, request: web.Request) -> web.Response:
        user = self._user(request)
        after_version = _query_number(request, "after_version", -1)
        timeout = min(_query_number(request, "timeout", DEFAULT_WAIT_SECONDS), MAX_WAIT_SECONDS)
        deadline = asyncio.get_running_loop().time() + timeout
        while user.screen_version <= after_version and not self._is_stopping.is_set():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            await user.screen_changed.wait_at_most(remaining)
        return web.json_response(self._state.screen(user))

    async def wait_any(self, request: web.Request) -> web.Response:
        """Long poll for several users at once (`users=ID:VERSION,...`): the screens of those
        whose version is past the one given, as soon as there is one. A browser keeps only six
        connections to a host, so a page with many phones must not hold one poll per phone."""
        seen = _versions(request.query.get("users", ""))
        users = [self._state.users.get(user_id) for user_id in seen]
        if any(user is None for user in users):
            raise ControlError(404, "no such user")
        timeout = min(_query_number(request, "timeout", DEFAULT_WAIT_SECONDS), MAX_WAIT_SECONDS)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        def changed() -> dict[str, Any]:
            return {
                str(user_id): self._state.screen(self._state.users[user_id])
                for user_id, version in seen.items()
                if self._state.users[user_id].screen_version > version
            }

        screens = changed()
        while not screens and not self._is_stopping.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._state.any_screen_changed.wait_at_most(remaining)
            screens = changed()
        return web.json_response({"screens": screens})

    async def page_config(self, request: web.Request) -> web.Response:
        return web.json_response(self.page)

    async def list_updates(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "update_id": update.update_id,
                    "kind": update.kind,
                    "chat_id": update.chat_id,
                    "confirmed": update.confirmed,
                    "delivered_count": update.delivered_count,
                    "update": update.to_api(),
                }
                for update in sorted(self._state.updates, key=lambda update: update.update_id)
            ]
        )

    async def queue_raw_update(self, request: web.Request) -> web.Response:
        """Queue an update exactly as given (`{"kind": "message", "payload": {...}}`), for the
        odd ones real clients produce: a field missing, a message without `from`. The emulator
        adds only the update_id; the content is not checked, stored in a chat or shown."""
        body = await _json_body(request)
        kind = body.get("kind")
        payload = body.get("payload")
        if not isinstance(kind, str) or not kind or kind == "update_id":
            raise ControlError(400, '"kind" must name an update field, e.g. "message"')
        if not isinstance(payload, dict):
            raise ControlError(400, '"payload" must be a JSON object')
        chat_id = body.get("chat_id")
        if chat_id is None:
            chat_id = _chat_id_in(payload)
        elif isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise ControlError(400, '"chat_id" must be an integer')
        update = self._state.enqueue_update(kind, payload, chat_id)
        return web.json_response({"update_id": update.update_id})

    async def redeliver(self, request: web.Request) -> web.Response:
        update_id = _path_int(request, "update_id")
        update = next((u for u in self._state.updates if u.update_id == update_id), None)
        if update is None:
            raise ControlError(404, f"no update {update_id}")
        self._state.requeue(update)
        return web.json_response({"ok": True, "update_id": update_id})

    async def polls(self, request: web.Request) -> web.Response:
        """How many getUpdates calls have reached the emulator (a test can wait for a long poll
        to be in progress instead of sleeping)."""
        return web.json_response({"started": self._state.poll_generation})

    async def list_calls(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "method": call.method,
                    "status": call.status,
                    "chat_id": call.chat_id,
                    "at": call.at,
                }
                for call in self._state.calls
            ]
        )

    async def clear_calls(self, request: web.Request) -> web.Response:
        self._state.calls.clear()
        return web.json_response({"ok": True})

    async def list_faults(self, request: web.Request) -> web.Response:
        return web.json_response([fault.to_json() for fault in self._faults.list()])

    async def add_fault(self, request: web.Request) -> web.Response:
        try:
            fault = self._faults.add(await _json_body(request))
        except (FaultSpecError, TypeError, ValueError) as error:
            raise ControlError(400, str(error)) from None
        return web.json_response({"id": fault.fault_id})

    async def clear_faults(self, request: web.Request) -> web.Response:
        self._faults.clear()
        return web.json_response({"ok": True})

    async def advance_clock(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        seconds = body.get("advance")
        if not isinstance(seconds, int | float) or seconds < 0:
            raise ControlError(400, '"advance" must be a number of seconds ≥ 0')
        self._state.clock.advance(float(seconds))
        return web.json_response(
            {"now": self._state.clock.now(), "offset": self._state.clock.offset}
        )

    # Helpers

    def _user(self, request: web.Request) -> SimulatedUser:
        user = self._state.users.get(_path_int(request, "user_id"))
        if user is None:
            raise ControlError(404, "no such user")
        return user

    def _reopen_chat(self, user: SimulatedUser) -> None:
        """Writing or tapping means the user has the bot open: started, and not blocked."""
        user.started = True
        if user.blocked:
            user.blocked = False
            self._chat_member_changed(user, old="kicked", new="member")

    def _chat_member_changed(self, user: SimulatedUser, *, old: str, new: str) -> None:
        bot = self._state.bot_user()
        member: dict[str, Any] = {"status": new, "user": bot}
        if new == "kicked":
            member["until_date"] = 0
        self._state.enqueue_update(
            "my_chat_member",
            {
                "chat": user.to_api_chat(),
                "from": user.to_api_user(),
                "date": self._state.clock.unix(),
                "old_chat_member": {
                    "status": old,
                    "user": bot,
                    **({"until_date": 0} if old == "kicked" else {}),
                },
                "new_chat_member": member,
            },
            user.chat_id,
        )
        self._state.screen_changed(user)

    def _find_button(
        self,
        user: SimulatedUser,
        message_id: Any,
        button_text: str | None,
        callback_data: str | None,
    ) -> tuple[StoredMessage, dict[str, Any]] | None:
        if message_id is not None:
            if not isinstance(message_id, int):
                raise ControlError(400, '"message_id" must be an integer')
            message = self._state.visible_message(user.chat_id, message_id)
            candidates = [message] if message is not None and message.sender == "bot" else []
        else:
            candidates = sorted(
                (
                    m
                    for (chat_id, _), m in self._state.messages.items()
                    if chat_id == user.chat_id and m.sender == "bot" and not m.deleted
                ),
                key=lambda m: m.message_id,
                reverse=True,
            )
        for message in candidates:
            for row in message.buttons:
                for button in row:
                    if (button_text is not None and button.get("text") == button_text) or (
                        button_text is None and button.get("callback_data") == callback_data
                    ):
                        return message, button
        return None

    def _user_content(self, kind: str, value: Any, caption: Any) -> dict[str, Any]:
        """The stored content of a message a simulated user sends."""
        spec: dict[str, Any] = value if isinstance(value, dict) else {}
        if kind == "text":
            if not isinstance(value, str) or not value.strip():
                raise ControlError(400, '"text" must be a non-empty string')
            if len(value) > MAX_TEXT_LENGTH:
                raise ControlError(400, "a Telegram client cannot send text over 4096 characters")
            return {"text": value, "entities": bot_command_entities(value)}
        content: dict[str, Any] = {}
        if caption is not None:
            if not isinstance(caption, str) or len(caption) > MAX_CAPTION_LENGTH:
                raise ControlError(400, "caption must be a string of at most 1024 characters")
            content["caption"] = caption
        if kind == "location":
            content["media"] = {
                "latitude": float(spec.get("latitude", 44.4268)),
                "longitude": float(spec.get("longitude", 26.1025)),
            }
            return content
        if kind == "voice":
            # Given bytes (a test's canary) or, by default, a silent fake of the given size.
            data = _optional_base64(spec, "content_b64")
            size = len(data) if data is not None else _positive_int(spec, "size", 2048)
            file = self._media.store_file(
                VOICE, size=size, data=data, mime_type="audio/ogg", extension="oga"
            )
            content["media"] = {
                **_file_fields(file.file_id, file.file_unique_id, size),
                "duration": _positive_int(spec, "duration", 3),
                "mime_type": "audio/ogg",
            }
        elif kind == "sticker":
            file = self._media.store_file(
                STICKER, size=1024, data=None, mime_type="image/webp", extension="webp"
            )
            content["media"] = {
                **_file_fields(file.file_id, file.file_unique_id, 1024),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": str(spec.get("emoji", "🙂")),
            }
        elif kind == "photo":
            content["media"] = [self._photo_size(90, 67, 1200), self._photo_size(1280, 960, 90_000)]
        else:
            size = _positive_int(spec, "size", 4096)
            file_name = str(spec.get("file_name", "document.pdf"))
            mime_type = str(spec.get("mime_type", "application/pdf"))
            file = self._media.store_file(
                DOCUMENT,
                size=size,
                data=None,
                mime_type=mime_type,
                extension=file_name.rsplit(".", 1)[-1] if "." in file_name else "bin",
            )
            content["media"] = {
                **_file_fields(file.file_id, file.file_unique_id, size),
                "file_name": file_name,
                "mime_type": mime_type,
            }
        return content

    def _photo_size(self, width: int, height: int, size: int) -> dict[str, Any]:
        file = self._media.store_file(
            PHOTO, size=size, data=None, mime_type="image/jpeg", extension="jpg"
        )
        return {
            **_file_fields(file.file_id, file.file_unique_id, size),
            "width": width,
            "height": height,
        }


def _chat_id_in(payload: dict[str, Any]) -> int:
    """The chat a raw update belongs to (webhook delivery keeps each chat's updates in order):
    its chat, its message's chat, or its sender; 0 if it names none."""
    message = payload.get("message")
    for holder in (payload, message if isinstance(message, dict) else {}):
        for field_name in ("chat", "from"):
            found = holder.get(field_name)
            if isinstance(found, dict) and isinstance(found.get("id"), int):
                return int(found["id"])
    return 0


def _file_fields(file_id: str, unique_id: str, size: int) -> dict[str, Any]:
    return {"file_id": file_id, "file_unique_id": unique_id, "file_size": size}


async def _json_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError:
        raise ControlError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) else None


def _positive_int(spec: dict[str, Any], name: str, default: int) -> int:
    value = spec.get(name, default)
    if not isinstance(value, int) or value < 0:
        raise ControlError(400, f'"{name}" must be a whole number ≥ 0')
    return value


def _versions(raw: str) -> dict[int, int]:
    """`1234:5,5678:-1` as {user id: screen version seen}."""
    seen: dict[int, int] = {}
    for part in filter(None, raw.split(",")):
        user_id, _, version = part.partition(":")
        try:
            seen[int(user_id)] = int(version or -1)
        except ValueError:
            raise ControlError(400, "users must look like ID:VERSION,ID:VERSION") from None
    if not seen:
        raise ControlError(400, "give users=ID:VERSION,...")
    return seen


def _path_int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise ControlError(404, f"{name} must be an integer") from None


def _query_number(request: web.Request, name: str, default: float) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ControlError(400, f"{name} must be a number") from None


def _optional_base64(spec: dict[str, Any], name: str) -> bytes | None:
    value = spec.get(name)
    if value is None:
        return None
    try:
        return base64.b64decode(str(value), validate=True)
    except binascii.Error as exc:
        raise ControlError(400, f"{name} must be base64") from exc
