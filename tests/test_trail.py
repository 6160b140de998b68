"""The erase trail: what /erase deletes, including what a crash left unknown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import SystemRandom
from bot.server_keys import ServerKeys
from bot.trail import ChatTrail
from storage import migrate
from storage.db import Database
from storage.trail import TrailRepository

CHAT = 424242
BOT_ID = 100000001


class StoppedClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
async def trail(database_url: str, secret: bytes) -> AsyncIterator[tuple[ChatTrail, StoppedClock]]:
    database = Database(database_url)
    await migrate.upgrade(database)
    clock = StoppedClock()
    keys = ServerKeys(secret, SystemRandom())
    yield ChatTrail(TrailRepository(database), keys, clock, BOT_ID), clock
    await database.dispose()


async def test_settled_batches_are_deleted_by_their_ids_only(
    trail: tuple[ChatTrail, StoppedClock],
) -> None:
    chat_trail, _clock = trail
    await chat_trail.record(CHAT, "in-1", [10])
    await chat_trail.mark(CHAT, "out-1")
    await chat_trail.settle(CHAT, "out-1", [11, 12])
    found = await chat_trail.deletable(CHAT, newest_known=None)
    assert found.message_ids == [10, 11, 12]


async def test_a_batch_whose_ids_were_never_learnt_is_covered_by_the_gap_around_it(
    trail: tuple[ChatTrail, StoppedClock],
) -> None:
    """The bot died after Telegram delivered a batch but before it wrote the ids down: the
    ids between what is known before and after it are deleted too."""
    chat_trail, _clock = trail
    await chat_trail.record(CHAT, "in-1", [10])
    await chat_trail.settle(CHAT, "out-1", [11])
    await chat_trail.mark(CHAT, "out-2")  # sent, ids unknown
    await chat_trail.record(CHAT, "in-2", [16])
    found = await chat_trail.deletable(CHAT, newest_known=None)
    assert found.message_ids == [10, 11, 12, 13, 14, 15, 16]


async def test_a_last_unknown_batch_reaches_up_to_the_erase_message(
    trail: tuple[ChatTrail, StoppedClock],
) -> None:
    chat_trail, _clock = trail
    await chat_trail.settle(CHAT, "out-1", [20])
    await chat_trail.mark(CHAT, "out-2")
    found = await chat_trail.deletable(CHAT, newest_known=25)
    assert found.message_ids == [20, 21, 22, 23, 24, 25]


async def test_erased_rows_are_forgotten_and_old_ones_expire(
    trail: tuple[ChatTrail, StoppedClock],
) -> None:
    chat_trail, clock = trail
    await chat_trail.record(CHAT, "in-1", [5])
    found = await chat_trail.deletable(CHAT, newest_known=None)
    await chat_trail.forget(CHAT, found.row_ids)
    assert (await chat_trail.deletable(CHAT, newest_known=None)).message_ids == []

    await chat_trail.record(CHAT, "in-2", [6])
    clock.moment += timedelta(hours=49)  # past Telegram's 48-hour delete window
    assert await chat_trail.forget_expired() == 1
    assert (await chat_trail.deletable(CHAT, newest_known=None)).message_ids == []


async def test_another_chat_sees_nothing_of_this_one(trail: tuple[ChatTrail, StoppedClock]) -> None:
    chat_trail, _clock = trail
    await chat_trail.record(CHAT, "in-1", [7])
    assert (await chat_trail.deletable(CHAT + 1, newest_known=None)).message_ids == []
