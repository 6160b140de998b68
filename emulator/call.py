"""One Bot API call in progress, and the checks most methods share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.errors import bad_request, forbidden, too_many_requests
from emulator.limits import check_inline_keyboard

if TYPE_CHECKING:
    from emulator.limits import RateLimiter
    from emulator.params import CallParams
    from emulator.state import EmulatorState, SimulatedUser


@dataclass
class Call:
    token: str
    bot_id: int
    params: CallParams
    # Lets a long poll notice that nobody is waiting for its answer any more.
    client_connected: Callable[[], bool]
    # Filled in by the method once it knows the chat, for the call log.
    chat_id: int | None = None


MethodHandler = Callable[[Call], Awaitable[Any]]


class ChatAccess:
    """Finding the chat a call is about, and Telegram's rules on reaching it."""

    def __init__(self, state: EmulatorState, limiter: RateLimiter) -> None:
        self._state = state
        self._limiter = limiter

    def target_user(self, call: Call, *, sending: bool, field: str = "chat_id") -> SimulatedUser:
        raw = call.params.raw(field)
        if raw in (None, ""):
            raise bad_request(f"{field} is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            # "@username" targets only work for public chats; private chats have none.
            raise bad_request("chat not found") from None
        user = self._state.users.get(chat_id)
        if user is None:
            raise bad_request("chat not found")
        call.chat_id = chat_id
        if sending and user.blocked:
            raise forbidden("bot was blocked by the user")
        if sending and not user.started:
            raise forbidden("bot can't initiate conversation with a user")
        return user

    def take_rate_token(self, user: SimulatedUser) -> None:
        retry_after = self._limiter.acquire(user.chat_id, self._state.clock.now())
        if retry_after is not None:
            raise too_many_requests(retry_after)


def parse_reply_markup(call: Call) -> tuple[bool, dict[str, Any] | None]:
    """(whether reply_markup was given, the inline keyboard to attach to the message if any).

    Reply keyboards, keyboard removal and force-reply are accepted but never attached: Telegram
    only returns inline keyboards as a message's reply_markup.
    """
    if not call.params.has("reply_markup"):
        return False, None
    markup = call.params.json_or_none(
        "reply_markup", error="can't parse reply keyboard markup JSON object"
    )
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return True, {"inline_keyboard": check_inline_keyboard(markup)}
    if any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
        return True, None
    raise bad_request("can't parse reply keyboard markup JSON object")


def required_message_id(call: Call, missing: str) -> int:
    message_id = call.params.int_or_none("message_id")
    if message_id is None:
        raise bad_request(missing)
    return message_id
