"""Who is writing: each audience gets its own flow, wording and case routing."""

from __future__ import annotations

from typing import Final, Literal

Audience = Literal["child", "parent", "staff", "other"]

AUDIENCES: Final[tuple[Audience, ...]] = ("child", "parent", "staff", "other")
