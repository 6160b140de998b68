"""Telegram's documented Bot API limits, checked with Telegram's own error descriptions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from emulator.errors import bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
CALLBACK_QUERY_LIFETIME_SECONDS = 15 * 60
DELETE_WINDOW_SECONDS = 48 * 60 * 60
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_DELETE_MESSAGES = 100
MAX_COMMANDS = 100
INLINE_BUTTON_URL_SCHEMES = ("http", "https", "tg")
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Inline button fields that give a button something to do; a button needs exactly one.
INLINE_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_text(text: str) -> None:
    """`text` is the message text after entity parsing."""
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")


def check_caption(caption: str) -> None:
    if len(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")


def check_inline_keyboard(markup: Any) -> list[list[dict[str, Any]]]:
    """Validate an InlineKeyboardMarkup and return its rows."""
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Array'
        )
    for row in rows:
        for button in row:
            _check_inline_button(button)
    return rows


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [name for name in INLINE_BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        _check_button_url(str(button["url"]))


def _check_button_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in INLINE_BUTTON_URL_SCHEMES:
        raise bad_request(
            f"inline keyboard button URL '{url}' is invalid: Unsupported URL protocol"
        )
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def check_callback_answer_text(text: str | None) -> None:
    if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")


@dataclass
class TokenBucket:
    """`capacity` tokens that refill at `refill_per_second`, measured on the emulator clock."""

    capacity: float
    refill_per_second: float
    tokens: float
    updated_at: float

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated_at)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
        self.updated_at = max(self.updated_at, now)

    def seconds_until_available(self, now: float) -> float:
        self.refill(now)
        if self.tokens >= 1.0:
            return 0.0
        if self.refill_per_second <= 0:
            return math.inf
        return (1.0 - self.tokens) / self.refill_per_second

    def take(self) -> None:
        self.tokens -= 1.0


class RateLimiter:
    """Telegram's flood limits: one bucket for the whole bot and one per chat."""

    def __init__(
        self, *, per_chat_burst: int, per_chat_per_second: float, global_per_second: float
    ) -> None:
        self._per_chat_burst = per_chat_burst
        self._per_chat_per_second = per_chat_per_second
        self._global_per_second = global_per_second
        self._global: TokenBucket | None = None
        self._per_chat: dict[int, TokenBucket] = {}

    def acquire(self, chat_id: int, now: float) -> int | None:
        """Take a token from both buckets, or return the retry_after (whole seconds, ≥ 1)."""
        if self._global is None:
            self._global = TokenBucket(
                self._global_per_second, self._global_per_second, self._global_per_second, now
            )
        chat_bucket = self._per_chat.setdefault(
            chat_id,
            TokenBucket(self._per_chat_burst, self._per_chat_per_second, self._per_chat_burst, now),
        )
        wait = max(
            self._global.seconds_until_available(now), chat_bucket.seconds_until_available(now)
        )
        if wait > 0:
            # Telegram always answers with a whole number of seconds, at least one.
            return max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
        self._global.take()
        chat_bucket.take()
        return None
