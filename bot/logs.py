"""Logging that never carries a Telegram id or a message text.

Our own log calls pass no content; this filter is the safety net for everyone else's (aiogram,
aiohttp, SQLAlchemy): numbers long enough to be Telegram ids are masked, and so are bot tokens.
"""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
_LONG_NUMBER = re.compile(r"(?<!\d)-?\d{6,}(?!\d)")


def redact(text: str) -> str:
    return _LONG_NUMBER.sub("<id>", _TOKEN.sub("<token>", text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so no handler formats the raw one.
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
