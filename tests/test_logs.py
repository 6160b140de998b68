"""Logs never carry Telegram ids or tokens, whoever writes them."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactingFilter, redact


def test_long_numbers_and_tokens_are_masked() -> None:
    line = "Update id=812345678 from chat 987654321012 via bot 123456:AAH-abcdefghijklmnopqrstu"
    cleaned = redact(line)
    assert "987654321012" not in cleaned
    assert "812345678" not in cleaned
    assert "AAH-abcdefghijklmnopqrstu" not in cleaned
    assert redact("Duration 12 ms") == "Duration 12 ms"
    assert "987654321012" not in redact("chat 987654321012.")
    assert "987654321012" not in redact("user_id=987654321012,")


def test_filter_redacts_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("safeperson.test.redaction")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("user %s wrote", 987654321012)
            try:
                raise ValueError("chat 987654321012 not found")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.filters.clear()
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "987654321012" not in text
    assert "<id>" in text
