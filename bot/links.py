"""The t.me links that open the bot, with what /start is told: an invitation's code, or the
activity a reporter came from (its poster's QR code)."""

from __future__ import annotations

from typing import Final

# t.me/<bot>?start=act_<code>: the reporter came from that activity's poster or link.
ACTIVITY_LINK_PREFIX: Final = "act_"


def start_link(bot_username: str, payload: str) -> str:
    """The link that opens a chat with the bot and sends it /start with `payload`."""
    return f"https://t.me/{bot_username}?start={payload}"


def activity_link(bot_username: str, activity_code: str) -> str:
    return start_link(bot_username, ACTIVITY_LINK_PREFIX + activity_code)
