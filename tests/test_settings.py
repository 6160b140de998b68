"""Settings and the organisation's config: good input loads, bad input says what to fix."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, SecretStr, ValidationError

from bot.clock import SystemRandom
from bot.durations import format_duration, parse_duration
from bot.helplines import DEFAULT_HELPLINES
from bot.languages import guess_language
from bot.settings import (
    ConfigError,
    OrganisationConfig,
    Settings,
    bot_token,
    load_organisation_config,
    server_secret,
)
from bot.setup_files import EXAMPLE_CONFIG, write_setup_files

GOOD_TOKEN = "123456789:AAH-example_token_with_enough_chars"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("8h", 28800), ("2d", 172800), ("1h30m", 5400)],
)
def test_durations_read_as_written(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "10", "ten minutes", "10 minutes", "0s", "-5m", "5w"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|zero|no unit"):
        parse_duration(text)


# Every duration in the config, as (TOML before the [organisation] table, TOML inside the
# table it belongs to, the key the refusal names); "{}" is where the value goes.
DURATION_SETTINGS = [
    ("report_deadline = {}\n", "", "report_deadline"),
    ('reminders = ["12h", {}]\n', "", "reminders.1"),
    ("consent_deadline = {}\n", "", "consent_deadline"),
    ("consent_reminders = [{}]\n", "", "consent_reminders.0"),
    ("read_visible_for = {}\n", "", "read_visible_for"),
    ("unlocked_for = {}\n", "", "unlocked_for"),
    ("", "[ack]\nimmediate = {}\n", "ack.immediate"),
    ("", "[ack]\nurgent = {}\n", "ack.urgent"),
    ("", "[ack]\nstandard = {}\n", "ack.standard"),
    ("", "[retention]\nclosed_cases = {}\n", "retention.closed_cases"),
    ("", "[retention]\nconsent_requests = {}\n", "retention.consent_requests"),
]


def test_the_list_of_duration_settings_is_complete() -> None:
    def durations_in(model: type[BaseModel], prefix: str) -> set[str]:
        found = set()
        for name, info in model.model_fields.items():
            annotation = str(info.annotation)
            if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
                found |= durations_in(info.annotation, f"{prefix}{name}.")
            elif "timedelta" in annotation:
                found.add(prefix + name)
        return found

    # "reminders.1" is an item of the field "reminders".
    listed = {re.sub(r"\.\d+$", "", key) for _, _, key in DURATION_SETTINGS}
    assert durations_in(OrganisationConfig, "") == listed


@pytest.mark.parametrize("value", ["24", "0", "-5", "2.5", '"24"', '"0s"'])
@pytest.mark.parametrize(
    ("top", "table", "key"), DURATION_SETTINGS, ids=[key for _, _, key in DURATION_SETTINGS]
)
def test_a_duration_without_a_unit_or_not_positive_is_refused(
    tmp_path: Path, top: str, table: str, key: str, value: str
) -> None:
    # `report_deadline = 24` used to load as 24 seconds.
    toml = top.format(value) + '[organisation]\nname = "X"\ncountry = "RO"\n'
    toml += table.format(value)
    with pytest.raises(ConfigError) as caught:
        load_organisation_config(write(tmp_path, toml))
    problem = str(caught.value)
    assert f": {key}: " in problem
    assert '"24h"' in problem
    assert "\n" not in problem


@given(st.integers(min_value=1, max_value=10**8))
def test_durations_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(timedelta(seconds=seconds))).total_seconds() == seconds


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "safeperson.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_loads(tmp_path: Path) -> None:
    config = load_organisation_config(write(tmp_path, EXAMPLE_CONFIG))
    assert config.organisation.country == "RO"
    assert config.languages.default == "ro"
    assert config.ack.immediate == timedelta(minutes=5)
    assert config.report_deadline == timedelta(hours=24)
    assert [h.number for h in config.help_numbers] == ["112", "119", "116 111"]
    assert config.activity("summer_camp") is not None


def test_albania_gets_albanian_help_numbers(tmp_path: Path) -> None:
    config = load_organisation_config(
        write(tmp_path, '[organisation]\nname = "ASET"\ncountry = "AL"\n')
    )
    assert [h.number for h in config.help_numbers] == ["112", "129", "127", "116 111"]
    assert "Policia e Shtetit" in config.referral_authorities


def test_every_default_number_is_free_and_the_childrens_lines_are_named() -> None:
    for country, lines in DEFAULT_HELPLINES.items():
        assert all(line.free for line in lines), country
    named = {
        country: [(line.number, line.name) for line in lines if line.name]
        for country, lines in DEFAULT_HELPLINES.items()
    }
    assert named == {"RO": [("116 111", "Telefonul Copilului")], "AL": [("116 111", "ALO 116 111")]}


def test_a_configured_number_may_be_named_and_said_not_to_be_free(tmp_path: Path) -> None:
    toml = (
        '[organisation]\nname = "X"\ncountry = "RO"\n'
        '[[helplines]]\nnumber = "0800 500 500"\nkind = "child_helpline"\n'
        'name = "Linia noastră"\n'
        '[[helplines]]\nnumber = "021 555 0101"\nkind = "police"\nfree = false\n'
    )
    config = load_organisation_config(write(tmp_path, toml))
    assert [(h.number, h.name, h.free) for h in config.help_numbers] == [
        ("0800 500 500", "Linia noastră", True),
        ("021 555 0101", None, False),
    ]


def test_an_organisation_may_name_its_own_authorities(tmp_path: Path) -> None:
    config = load_organisation_config(
        write(
            tmp_path,
            'authorities = ["DGASPC Sector 3", "Poliția"]\n'
            '[organisation]\nname = "Împreună"\ncountry = "RO"\n',
        )
    )
    assert config.referral_authorities == ("DGASPC Sector 3", "Poliția")
    default = load_organisation_config(write(tmp_path, EXAMPLE_CONFIG))
    assert default.referral_authorities == ("DGASPC", "Poliția", "Parchetul")


@pytest.mark.parametrize(
    ("organisation", "zone"),
    [
        ('country = "RO"', "Europe/Bucharest"),
        ('country = "AL"', "Europe/Tirane"),
        ('country = "RO"\ntimezone = "Europe/Tirane"', "Europe/Tirane"),
        ('country = "AL"\ntimezone = "UTC"', "UTC"),
    ],
)
def test_the_time_zone_is_the_countrys_unless_the_config_names_one(
    tmp_path: Path, organisation: str, zone: str
) -> None:
    config = load_organisation_config(
        write(tmp_path, f'[organisation]\nname = "X"\n{organisation}\n')
    )
    assert config.zone.key == zone


def test_an_unknown_time_zone_says_how_to_write_one(tmp_path: Path) -> None:
    toml = '[organisation]\nname = "X"\ncountry = "RO"\ntimezone = "Europe/Bucuresti"\n'
    with pytest.raises(ConfigError) as caught:
        load_organisation_config(write(tmp_path, toml))
    message = str(caught.value)
    assert "organisation.timezone" in message
    assert '"Europe/Bucuresti" is not a time zone name' in message
    assert 'timezone = "Europe/Bucharest"' in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[organisation]\nname = "X"\ncountry = "FR"\n', "organisation.country"),
        ('[organisation]\nname = "X"\ncountry = "RO"\n[ack]\nurgent = "soon"\n', "ack.urgent"),
        (
            '[organisation]\nname = "X"\ncountry = "RO"\n'
            '[languages]\nenabled = ["ro"]\ndefault = "en"\n',
            "not in enabled",
        ),
        ('[organisation]\nname = "X"\ncountry = "RO"\ncolour = "red"\n', "colour"),
        ("[organisation\n", "not valid TOML"),
        ('report_deadline = "24h"\n', "organisation"),
    ],
)
def test_a_bad_config_names_the_problem(tmp_path: Path, toml: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as caught:
        load_organisation_config(write(tmp_path, toml))
    assert "\n" not in str(caught.value)


def test_a_missing_config_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="safeperson init"):
        load_organisation_config(tmp_path / "nope.toml")


def test_database_url_and_log_level_are_checked() -> None:
    with pytest.raises(ValidationError, match="sqlite\\+aiosqlite"):
        Settings(_env_file=None, database_url="sqlite:///x.db")
    with pytest.raises(ValidationError, match="sqlite\\+aiosqlite"):
        Settings(_env_file=None, database_url="postgresql://u@h/db")
    with pytest.raises(ValidationError, match="log_level"):
        Settings(_env_file=None, log_level="verbose")
    assert Settings(_env_file=None, log_level="debug").log_level == "DEBUG"


def test_a_driverless_database_url_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "safeperson.toml").write_text(EXAMPLE_CONFIG)
    result = run_cli(
        tmp_path,
        "run",
        SAFEPERSON_BOT_TOKEN=GOOD_TOKEN,
        SAFEPERSON_SECRET="00" * 32,
        SAFEPERSON_DATABASE_URL="sqlite:///x.db",
    )
    assert result.returncode == 2
    assert "SAFEPERSON_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_secret_and_token_are_checked() -> None:
    with pytest.raises(ConfigError, match="SAFEPERSON_SECRET is not set"):
        server_secret(Settings(secret=None))
    with pytest.raises(ConfigError, match="64 hexadecimal"):
        server_secret(Settings(secret=SecretStr("short")))
    assert server_secret(Settings(secret=SecretStr("ab" * 32))) == bytes([0xAB] * 32)
    with pytest.raises(ConfigError, match="BotFather"):
        bot_token(Settings(bot_token=None))
    with pytest.raises(ConfigError, match="does not look like a bot token"):
        bot_token(Settings(bot_token=SecretStr("not-a-token")))
    assert bot_token(Settings(bot_token=SecretStr(GOOD_TOKEN))) == GOOD_TOKEN


@pytest.mark.parametrize(
    ("telegram_code", "expected"),
    [
        ("ro", "ro"),
        ("ro-RO", "ro"),
        ("sq", "sq"),
        ("als", "sq"),
        ("rmy", "rom"),
        ("rmn", "rom"),
        ("rom", "rom"),
        ("en-GB", "en"),
        ("de", "ro"),
        (None, "ro"),
    ],
)
def test_telegram_language_codes_map_to_ours(telegram_code: str | None, expected: str) -> None:
    assert guess_language(telegram_code, ("ro", "sq", "rom", "en"), "ro") == expected


def test_a_language_the_organisation_did_not_enable_is_not_guessed() -> None:
    assert guess_language("sq", ("ro", "en"), "ro") == "ro"


def test_init_writes_both_files_once(tmp_path: Path) -> None:
    written = write_setup_files(tmp_path, Path("safeperson.toml"), SystemRandom())
    assert {p.name for p in written} == {"safeperson.toml", ".env"}
    env = (tmp_path / ".env").read_text()
    secret_line = next(line for line in env.splitlines() if line.startswith("SAFEPERSON_SECRET="))
    assert len(secret_line.split("=", 1)[1]) == 64
    assert (tmp_path / ".env").stat().st_mode & 0o077 == 0
    with pytest.raises(ConfigError, match="already exist; init never overwrites them"):
        write_setup_files(tmp_path, Path("safeperson.toml"), SystemRandom())


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SAFEPERSON_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_without_set_up_says_one_clear_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "SAFEPERSON_BOT_TOKEN is not set" in result.stderr


def test_cli_init_then_run_names_the_next_missing_thing(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "init").returncode == 0
    again = run_cli(tmp_path, "init")
    assert again.returncode == 2
    assert "safeperson.toml and " in again.stderr
    assert "/.env already exist; init never overwrites them" in again.stderr
    # init leaves the token empty on purpose: run says so, in one line, no traceback.
    result = run_cli(tmp_path, "run")
    assert result.returncode == 2
    assert "SAFEPERSON_BOT_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_reports_a_broken_config_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "safeperson.toml").write_text('[organisation]\nname = "X"\ncountry = "XX"\n')
    result = run_cli(tmp_path, "run", SAFEPERSON_BOT_TOKEN=GOOD_TOKEN, SAFEPERSON_SECRET="00" * 32)
    assert result.returncode == 2
    assert "organisation.country" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_cli_reports_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "safeperson.toml").write_text(EXAMPLE_CONFIG)
    result = run_cli(
        tmp_path,
        "run",
        SAFEPERSON_BOT_TOKEN=GOOD_TOKEN,
        SAFEPERSON_SECRET="00" * 32,
        SAFEPERSON_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none",
    )
    assert result.returncode == 2
    assert "Cannot open the database" in result.stderr
    assert "Traceback" not in result.stderr


EDITED_CONFIG = '[organisation]\nname = "Our own name"\ncountry = "AL"\n'


def test_init_writes_a_missing_env_beside_an_existing_config(tmp_path: Path) -> None:
    # Before, init refused: the config existed, and the advice for a missing secret led here.
    (tmp_path / "safeperson.toml").write_text(EDITED_CONFIG, encoding="utf-8")
    result = run_cli(tmp_path, "init")
    assert result.returncode == 0, result.stderr
    assert f"wrote {tmp_path / '.env'}" in result.stdout
    assert f"kept {tmp_path / 'safeperson.toml'} as it was" in result.stdout
    assert (tmp_path / "safeperson.toml").read_text(encoding="utf-8") == EDITED_CONFIG
    assert (tmp_path / ".env").stat().st_mode & 0o077 == 0
    assert "SAFEPERSON_SECRET=" in (tmp_path / ".env").read_text(encoding="utf-8")


def test_init_writes_a_missing_config_beside_an_existing_env(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SAFEPERSON_SECRET=" + "ab" * 32 + "\n", encoding="utf-8")
    result = run_cli(tmp_path, "init")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".env").read_text(
        encoding="utf-8"
    ) == "SAFEPERSON_SECRET=" + "ab" * 32 + "\n"
    assert (tmp_path / "safeperson.toml").read_text(encoding="utf-8") == EXAMPLE_CONFIG


def test_the_advice_for_a_missing_secret_without_env_works(tmp_path: Path) -> None:
    (tmp_path / "safeperson.toml").write_text(EDITED_CONFIG, encoding="utf-8")
    refused = run_cli(tmp_path, "audit", "verify")
    assert refused.returncode == 2
    assert "run `safeperson init`" in refused.stderr
    assert run_cli(tmp_path, "init").returncode == 0
    followed = run_cli(tmp_path, "audit", "verify")
    assert followed.returncode == 0, followed.stderr
    assert "audit log intact" in followed.stdout


@pytest.mark.parametrize("line", ["SAFEPERSON_SECRET=\n", "SAFEPERSON_SECRET=abc\n", ""])
def test_the_advice_for_a_missing_secret_beside_an_env_works(tmp_path: Path, line: str) -> None:
    (tmp_path / "safeperson.toml").write_text(EDITED_CONFIG, encoding="utf-8")
    env = tmp_path / ".env"
    env.write_text("# kept by hand\n" + line, encoding="utf-8")
    refused = run_cli(tmp_path, "audit", "verify")
    assert refused.returncode == 2
    assert "init" not in refused.stderr  # init never touches an existing .env
    command = re.search(r"`([^`]+)` prints a new one", refused.stderr)
    assert command is not None, refused.stderr
    made = subprocess.run(
        [sys.executable if part == "python3" else part for part in shlex.split(command[1])],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    secret = made.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    env.write_text(f"SAFEPERSON_SECRET={secret}\n", encoding="utf-8")
    followed = run_cli(tmp_path, "audit", "verify")
    assert followed.returncode == 0, followed.stderr


def test_an_unknown_country_names_the_choices_and_the_fix(tmp_path: Path) -> None:
    (tmp_path / "safeperson.toml").write_text('[organisation]\nname = "X"\ncountry = "FR"\n')
    result = run_cli(tmp_path, "run", SAFEPERSON_BOT_TOKEN=GOOD_TOKEN, SAFEPERSON_SECRET="00" * 32)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert 'organisation.country: "FR" is not a country' in result.stderr
    assert 'write country = "RO" (Romania) or country = "AL" (Albania)' in result.stderr
