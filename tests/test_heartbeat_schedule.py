"""`[heartbeat]` in the config: when the daily message is due, on the organisation's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.heartbeat import due_moment
from bot.heartbeat_schedule import HeartbeatSchedule
from bot.settings import ConfigError, load_organisation_config

ORGANISATION = '[organisation]\nname = "X"\ncountry = "RO"\n'
BUCHAREST = ZoneInfo("Europe/Bucharest")


def load(tmp_path: Path, heartbeat: str) -> HeartbeatSchedule:
    path = tmp_path / "safeperson.toml"
    path.write_text(ORGANISATION + "[heartbeat]\n" + heartbeat, encoding="utf-8")
    return load_organisation_config(path).heartbeat


def test_on_by_default_at_eight_to_the_officer_alone(tmp_path: Path) -> None:
    path = tmp_path / "safeperson.toml"
    path.write_text(ORGANISATION, encoding="utf-8")
    schedule = load_organisation_config(path).heartbeat
    assert (schedule.enabled, schedule.at, schedule.to_board) == (True, time(8, 0), False)


@pytest.mark.parametrize("written", ['at = "07:30"', "at = 07:30:00", 'at = " 7:30 "'])
def test_the_time_is_read_as_written(tmp_path: Path, written: str) -> None:
    schedule = load(tmp_path, written + "\nto_board = true\n")
    assert schedule == HeartbeatSchedule(at=time(7, 30), to_board=True)


@pytest.mark.parametrize("written", ['at = "8am"', 'at = "25:00"', "at = 8", 'at = "08:00:30"'])
def test_anything_else_is_refused_with_an_example(tmp_path: Path, written: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, written + "\n")
    assert "heartbeat.at" in str(caught.value)
    assert 'at = "08:00"' in str(caught.value)


def test_it_can_be_turned_off(tmp_path: Path) -> None:
    schedule = load(tmp_path, "enabled = false\n")
    assert schedule.enabled is False


def test_eight_oclock_is_eight_on_bucharests_clocks_in_winter_and_in_summer() -> None:
    assert due_moment(date(2026, 12, 7), time(8, 0), BUCHAREST) == datetime(
        2026, 12, 7, 6, 0, tzinfo=UTC
    )
    assert due_moment(date(2026, 7, 7), time(8, 0), BUCHAREST) == datetime(
        2026, 7, 7, 5, 0, tzinfo=UTC
    )
    # The hour the clocks repeat in autumn: the first time it is 03:30.
    assert due_moment(date(2026, 10, 25), time(3, 30), BUCHAREST) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
