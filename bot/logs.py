"""Logging that never carries a Telegram id or a message text.

Our own log calls pass no content; this filter is the safety net for everyone else's (aiogram,
aiohttp, SQLAlchemy): numbers long enough to be Telegram ids are masked, and so are bot tokens.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any, Final

# How many of the innermost frames an error report names.
_FRAMES: Final = 4
_PROJECT: Final = Path(__file__).resolve().parent.parent
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
_LONG_NUMBER = re.compile(r"(?<!\d)-?\d{6,}(?!\d)")


def redact(text: str) -> str:
    return _LONG_NUMBER.sub("<id>", _TOKEN.sub("<token>", text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # The error by type and place only, so no handler prints its message.
            record.exc_text = redact(where(record.exc_info[1]))
            record.exc_info = None
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiogram logs every update it handles at INFO; our own log says what matters.
    logging.getLogger("aiogram.event").setLevel(max(root.level, logging.WARNING))
    install_quiet_crash_output()


def where(exc: BaseException) -> str:
    """An error by its type and the places it went through (file, line, function), never its
    message: a message may quote what someone wrote (a validation error, a failed call)."""
    frames = traceback.extract_tb(exc.__traceback__)[-_FRAMES:]
    places = " < ".join(
        f"{_short(frame.filename)}:{frame.lineno} {frame.name}" for frame in reversed(frames)
    )
    return f"{type(exc).__name__} at {places}" if places else type(exc).__name__


def _short(filename: str) -> str:
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(_PROJECT))
    except ValueError:
        return path.name


def install_quiet_crash_output() -> None:
    """Uncaught exceptions (the main thread, other threads, asyncio tasks) are reported by
    type and place only. Python's own report would print the exception's message, and a
    library's message may carry a person's text, name or Telegram id."""

    def report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if tb is not None and exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        logging.getLogger("safeperson.crash").critical("uncaught: %s", where(exc))

    sys.excepthook = report
    threading.excepthook = lambda args: report(
        args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback
    )


def quiet_loop_exceptions(loop: asyncio.AbstractEventLoop) -> None:
    """The same for exceptions asyncio reports itself (a task nobody awaited)."""

    def report(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        what = where(exc) if isinstance(exc, BaseException) else "no exception"
        logging.getLogger("safeperson.crash").error("asyncio: %s", what)

    loop.set_exception_handler(report)
