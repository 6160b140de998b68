"""Reading an update from Telegram's JSON, one at a time, so that one odd update harms nobody.

aiogram reads a whole getUpdates answer at once: one update it cannot read (a poll missing a
field, a callback without `from`) fails them all, and its error quotes the JSON, names and texts
included. Here each update is read on its own; one that cannot be read is skipped with a line
that names its kind only.

Two repairs are made first, both for things Telegram does send:
- text with a lone UTF-16 surrogate (half an emoji cut by a client) cannot be encoded, sealed or
  sent back; the half is replaced by U+FFFD, and the rest of the message is kept;
- a private message without `from` (Telegram documents `from` as optional) is from the person
  whose chat it is: in a private chat the chat is the person.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

from aiogram import Bot
from aiogram.types import Update
from pydantic import ValidationError

logger = logging.getLogger(__name__)

_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_MESSAGE_KINDS: Final = ("message", "edited_message")


def read_update(raw: object, bot: Bot) -> Update | None:
    """The update, or None (logged by kind, never content) if it cannot be read."""
    if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
        logger.warning("an update without an id was skipped")
        return None
    cleaned = _without_lone_surrogates(raw)
    _private_sender(cleaned)
    try:
        return Update.model_validate(cleaned, context={"bot": bot})
    except ValidationError as invalid:
        kind = next((key for key in cleaned if key != "update_id"), "unknown")
        logger.warning(
            "an update (%s) could not be read (%d field errors) and was skipped",
            str(kind)[:32],
            invalid.error_count(),
        )
        return None


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: _without_lone_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    return value


def _private_sender(raw: dict[str, Any]) -> None:
    for kind in _MESSAGE_KINDS:
        message = raw.get(kind)
        if not isinstance(message, dict) or "from" in message:
            continue
        chat = message.get("chat")
        if isinstance(chat, dict) and chat.get("type") == "private" and "id" in chat:
            message["from"] = {
                "id": chat["id"],
                "is_bot": False,
                "first_name": str(chat.get("first_name") or "?"),
            }
