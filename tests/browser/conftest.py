"""The browser the page tests drive: Debian's Chromium (Playwright cannot download one here)."""

from __future__ import annotations

import os
from pathlib import Path

# `make test` installs Debian's chromium when it is missing; another path can be given.
CHROMIUM = os.environ.get("SAFEPERSON_TEST_CHROMIUM", "/usr/bin/chromium")
# Headless, and quiet: without these, Chromium keeps calling Google's servers, which a closed
# network refuses many times a second.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots of failures, kept by CI as artefacts.
ARTIFACTS = Path(os.environ.get("SAFEPERSON_TEST_ARTIFACTS", "build/test-artifacts"))
