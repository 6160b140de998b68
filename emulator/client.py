"""`EmulatorClient`: typed async access to the emulator's control API, for tests and demos."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Self

import aiohttp

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType


FaultKindName = Literal["429", "500", "502", "drop", "slow"]
# Each long poll asks the server for at most this long, so a timeout is noticed promptly.
_WAIT_SLICE_SECONDS = 5.0


class EmulatorControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class SimUser:
    user_id: int
    chat_id: int
    first_name: str
    language_code: str


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class PhotoSize:
    file_id: str
    width: int
    height: int


@dataclass(frozen=True)
class ScreenMessage:
    message_id: int
    sender: Literal["bot", "user"]
    text: str
    kind: str
    buttons: list[list[Button]]
    edited: bool
    protect_content: bool
    date: int
    # The file of a voice note, audio or document, or a photo's largest size (None for text).
    file_id: str | None = None
    # A photo's sizes, smallest first (empty for other kinds).
    photo: list[PhotoSize] = field(default_factory=list)

    @property
    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]


@dataclass(frozen=True)
class Toast:
    text: str
    show_alert: bool
    callback_query_id: str


@dataclass(frozen=True)
class Screen:
    """What one user sees in their private chat with the bot."""

    version: int
    messages: list[ScreenMessage]
    deleted: list[int]
    toasts: list[Toast]
    commands: list[dict[str, str]] = field(default_factory=list)
    blocked: bool = False

    @property
    def bot_messages(self) -> list[ScreenMessage]:
        return [message for message in self.messages if message.sender == "bot"]

    @property
    def last_bot_message(self) -> ScreenMessage | None:
        return self.bot_messages[-1] if self.bot_messages else None

    @property
    def texts(self) -> list[str]:
        return [message.text for message in self.messages]

    def message(self, message_id: int) -> ScreenMessage | None:
        return next((m for m in self.messages if m.message_id == message_id), None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Screen:
        return cls(
            version=data["version"],
            messages=[
                ScreenMessage(
                    message_id=message["message_id"],
                    sender=message["from"],
                    text=message["text"],
                    kind=message["kind"],
                    buttons=[
                        [
                            Button(button["text"], button.get("callback_data"), button.get("url"))
                            for button in row
                        ]
                        for row in message["buttons"]
                    ],
                    edited=message["edited"],
                    protect_content=message["protect_content"],
                    date=message["date"],
                    file_id=message.get("file_id"),
                    photo=[
                        PhotoSize(size["file_id"], size["width"], size["height"])
                        for size in message.get("photo", [])
                    ],
                )
                for message in data["messages"]
            ],
            deleted=list(data["deleted"]),
            toasts=[
                Toast(t["text"], t["show_alert"], t["callback_query_id"]) for t in data["toasts"]
            ],
            commands=list(data.get("commands", [])),
            blocked=bool(data.get("blocked", False)),
        )


@dataclass(frozen=True)
class SentMessage:
    update_id: int
    message_id: int


@dataclass(frozen=True)
class ButtonPress:
    update_id: int
    callback_query_id: str


@dataclass(frozen=True)
class ApiCall:
    method: str
    status: int
    chat_id: int | None
    at: float


@dataclass(frozen=True)
class UpdateStatus:
    update_id: int
    kind: str
    chat_id: int
    confirmed: bool
    delivered_count: int
    update: dict[str, Any]


class EmulatorClient:
    def __init__(self, base_url: str, *, session: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    # Users

    async def health(self) -> bool:
        return bool((await self._request("GET", "/control/health"))["ok"])

    async def create_user(
        self, first_name: str, language_code: str = "en", *, started: bool = True
    ) -> SimUser:
        created = await self._request(
            "POST",
            "/control/users",
            {"first_name": first_name, "language_code": language_code, "started": started},
        )
        return SimUser(created["user_id"], created["chat_id"], first_name, language_code)

    async def send_text(self, user_id: int, text: str) -> SentMessage:
        return await self._send(user_id, {"text": text})

    async def send_voice(
        self, user_id: int, duration: int = 3, size: int = 2048, content: bytes | None = None
    ) -> SentMessage:
        """A voice note: `content` as its bytes, or a silent fake of `size` bytes."""
        spec: dict[str, Any] = {"duration": duration, "size": size}
        if content is not None:
            spec["content_b64"] = base64.b64encode(content).decode()
        return await self._send(user_id, {"voice": spec})

    async def send_sticker(self, user_id: int, emoji: str = "🙂") -> SentMessage:
        return await self._send(user_id, {"sticker": {"emoji": emoji}})

    async def send_photo(self, user_id: int) -> SentMessage:
        return await self._send(user_id, {"photo": {}})

    async def send_document(
        self, user_id: int, file_name: str = "document.pdf", size: int = 4096
    ) -> SentMessage:
        return await self._send(user_id, {"document": {"file_name": file_name, "size": size}})

    async def press(
        self,
        user_id: int,
        button_text: str | None = None,
        callback_data: str | None = None,
        message_id: int | None = None,
        allow_missing: bool = False,
    ) -> ButtonPress:
        body: dict[str, Any] = {"allow_missing": allow_missing}
        if button_text is not None:
            body["button_text"] = button_text
        if callback_data is not None:
            body["callback_data"] = callback_data
        if message_id is not None:
            body["message_id"] = message_id
        pressed = await self._request("POST", f"/control/users/{user_id}/press", body)
        return ButtonPress(pressed["update_id"], pressed["callback_query_id"])

    async def block(self, user_id: int) -> None:
        await self._request("POST", f"/control/users/{user_id}/block")

    async def unblock(self, user_id: int) -> None:
        await self._request("POST", f"/control/users/{user_id}/unblock")

    # Screens

    async def screen(self, user_id: int) -> Screen:
        return Screen.from_json(await self._request("GET", f"/control/users/{user_id}/screen"))

    # The timeout is the server-side long-poll limit, not a local deadline.
    async def wait_screen(
        self,
        user_id: int,
        after_version: int,
        timeout: float,  # noqa: ASYNC109
    ) -> Screen:
        """The screen once its version passes `after_version`, or as it is after `timeout`."""
        path = f"/control/users/{user_id}/wait?after_version={after_version}&timeout={timeout}"
        return Screen.from_json(await self._request("GET", path))

    # A plain timeout argument keeps test code short; the deadline spans several long polls.
    async def wait_for(
        self,
        user_id: int,
        predicate: Callable[[Screen], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> Screen:
        """Wait until the user's screen satisfies `predicate`; AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        screen = await self.screen(user_id)
        while not predicate(screen):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"user {user_id}'s screen never matched within {timeout}s; "
                    f"it shows: {screen.texts!r}"
                )
            screen = await self.wait_screen(
                user_id, screen.version, min(remaining, _WAIT_SLICE_SECONDS)
            )
        return screen

    # Faults, calls, updates, clock

    async def add_fault(
        self,
        kind: FaultKindName,
        method: str = "*",
        *,
        times: int | None = None,
        probability: float | None = None,
        retry_after: int | None = None,
        delay: float | None = None,
        chat_id: int | None = None,
    ) -> int:
        """Make calls of `method` ("*": any) fail; with `chat_id`, only calls to that chat."""
        spec: dict[str, Any] = {"method": method, "kind": kind}
        optional = {
            "times": times,
            "probability": probability,
            "retry_after": retry_after,
            "delay": delay,
            "chat_id": chat_id,
        }
        spec.update({name: value for name, value in optional.items() if value is not None})
        return int((await self._request("POST", "/control/faults", spec))["id"])

    async def faults(self) -> list[dict[str, Any]]:
        """The faults still armed (a fault with `times` disappears once used up)."""
        faults: list[dict[str, Any]] = await self._request("GET", "/control/faults")
        return faults

    async def clear_faults(self) -> None:
        await self._request("DELETE", "/control/faults")

    async def calls(self) -> list[ApiCall]:
        return [
            ApiCall(call["method"], call["status"], call["chat_id"], call["at"])
            for call in await self._request("GET", "/control/calls")
        ]

    async def polls_started(self) -> int:
        """How many getUpdates calls have reached the emulator so far."""
        answer = await self._request("GET", "/control/polls")
        return int(answer["started"])

    async def wait_for_poll(self, started: int) -> None:
        """Until the emulator has received more than `started` getUpdates calls (at most 10 s:
        TimeoutError)."""
        async with asyncio.timeout(10):
            while True:
                if await self.polls_started() > started:
                    return
                await asyncio.sleep(0.01)

    async def clear_calls(self) -> None:
        await self._request("DELETE", "/control/calls")

    async def updates(self) -> list[UpdateStatus]:
        return [
            UpdateStatus(
                u["update_id"],
                u["kind"],
                u["chat_id"],
                u["confirmed"],
                u["delivered_count"],
                u["update"],
            )
            for u in await self._request("GET", "/control/updates")
        ]

    async def queue_raw_update(
        self, kind: str, payload: dict[str, Any], *, chat_id: int | None = None
    ) -> int:
        """Queue `{"update_id": <next>, kind: payload}` for the bot exactly as given (a field
        missing, a message without `from`); return its update_id. `chat_id` orders it among a
        chat's updates in webhook mode (by default, the chat or sender it names)."""
        body: dict[str, Any] = {"kind": kind, "payload": payload}
        if chat_id is not None:
            body["chat_id"] = chat_id
        return int((await self._request("POST", "/control/updates", body))["update_id"])

    async def redeliver(self, update_id: int) -> None:
        await self._request("POST", f"/control/updates/{update_id}/redeliver")

    async def advance_clock(self, seconds: float) -> None:
        await self._request("POST", "/control/clock", {"advance": seconds})

    # Plumbing

    async def _send(self, user_id: int, body: dict[str, Any]) -> SentMessage:
        sent = await self._request("POST", f"/control/users/{user_id}/send", body)
        return SentMessage(sent["update_id"], sent["message_id"])

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.request(method, self.base_url + path, json=body) as response:
            data = await response.json()
            if response.status >= 400:
                message = data.get("error", "") if isinstance(data, dict) else str(data)
                raise EmulatorControlError(response.status, message)
            return data
