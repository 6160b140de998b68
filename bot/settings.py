"""Settings: secrets and addresses from the environment (or .env), the organisation from TOML.

Everything is read once at start-up and passed down. Anything missing or malformed becomes a
`ConfigError` whose message is one line that names the problem and how to fix it; the CLI prints
that line instead of a traceback.
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.authorities import DEFAULT_AUTHORITIES
from bot.durations import not_a_duration, parse_duration
from bot.heartbeat_schedule import HeartbeatSchedule
from bot.helplines import COUNTRY_NAMES, DEFAULT_HELPLINES, Country, Helpline
from bot.languages import SUPPORTED, LanguageCode
from bot.local_time import COUNTRY_ZONES, zone_named


class ConfigError(Exception):
    """A problem with the set-up, explained in one line for the person running the bot."""


_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_SECRET = re.compile(r"^[0-9a-fA-F]{64}$")
ENV_FILE = ".env"
# init never overwrites .env, so where one exists the advice is a command that makes a secret.
_HOW_TO_MAKE_A_NEW_ONE = (
    "`python3 -c 'import secrets; print(secrets.token_hex(32))'` prints a new one; "
    "put it in .env after SAFEPERSON_SECRET="
)


def _duration(value: object) -> timedelta:
    """A duration from the config: only a string with a unit ("24h"). pydantic alone would take
    a bare number as seconds, so `report_deadline = 24` would have meant 24 seconds."""
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, timedelta) and value > timedelta(0):
        return value  # built in code (the demo, tests), not read from a file
    raise ValueError(not_a_duration(value))


Duration = Annotated[timedelta, BeforeValidator(_duration)]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
SUPPORTED_DATABASES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


class Settings(BaseSettings):
    """What differs between machines: read from SAFEPERSON_* variables and .env."""

    model_config = SettingsConfigDict(
        env_prefix="SAFEPERSON_", env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///safeperson.db"
    # Connections each instance keeps to the database (PostgreSQL), plus a quarter for bursts:
    # instances * 1.25 * this must stay under the server's max_connections.
    database_pool_size: int = Field(default=40, ge=2, le=500)
    redis_url: str | None = None
    secret: SecretStr | None = None
    config: Path = Path("safeperson.toml")
    # Webhook mode: the public HTTPS address Telegram posts to, and where this process listens.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    log_level: Annotated[LogLevel, BeforeValidator(_upper)] = "INFO"
    # Messages a second the bot sends at most, all chats together: Telegram's documented 30.
    # Raise it only with Telegram's paid broadcasts (up to 1000), or against a local emulator.
    send_rate: float = Field(default=30.0, gt=0, le=1000)
    # A small port answering GET /healthz (the container's check), in either mode; off unless
    # set. Webhook mode also answers /healthz beside /telegram.
    health_port: int | None = Field(default=None, gt=0, lt=65536)
    health_host: str = "127.0.0.1"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        if not url.startswith(SUPPORTED_DATABASES):
            raise ValueError(
                "use sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host/name"
            )
        return url


class Organisation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    country: Country
    # Where its clocks are (an IANA name); the country's own zone when not set.
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            zone_named(value)
        return value

    @property
    def zone(self) -> ZoneInfo:
        return zone_named(self.timezone or COUNTRY_ZONES[self.country])

    @field_validator("country", mode="before")
    @classmethod
    def _known_country(cls, value: object) -> object:
        # The country chooses the help numbers and authorities: each is checked data, so an
        # unknown one is refused with the choices rather than pydantic's "Input should be".
        code = value.strip().upper() if isinstance(value, str) else value
        if code not in COUNTRY_NAMES:
            choices = " or ".join(f'country = "{c}" ({name})' for c, name in COUNTRY_NAMES.items())
            shown = f'"{value}"' if isinstance(value, str) else repr(value)
            raise ValueError(
                f"{shown} is not a country SafePerson has help numbers for; write {choices} "
                "under [organisation]"
            )
        return code


class Languages(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: tuple[LanguageCode, ...] = SUPPORTED
    default: LanguageCode = "en"

    @model_validator(mode="after")
    def _default_is_enabled(self) -> Languages:
        if not self.enabled:
            raise ValueError("enable at least one language")
        if self.default not in self.enabled:
            raise ValueError(f'the default language "{self.default}" is not in enabled')
        return self


class AcknowledgeTimes(BaseModel):
    """How long an alert may wait for an acknowledgement before the ladder climbs."""

    model_config = ConfigDict(extra="forbid")
    immediate: Duration = timedelta(minutes=5)
    urgent: Duration = timedelta(minutes=30)
    standard: Duration = timedelta(hours=2)


class Retention(BaseModel):
    """How long a finished case is kept after it was closed (a concern) or done (a consent
    request), unless it is on legal hold. The reasons for the defaults are in the README."""

    model_config = ConfigDict(extra="forbid")
    closed_cases: Duration = timedelta(days=3 * 365)
    consent_requests: Duration = timedelta(days=365)


class Activity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    name: str = Field(min_length=1, max_length=100)
    # Printed on the activity's posters beside "Safe person" when set; unset, posters name the
    # role alone (the person may change, or prefer not to be named on a wall).
    safe_person: str | None = Field(default=None, min_length=1, max_length=60)


class OrganisationConfig(BaseModel):
    """The organisation's own choices, from safeperson.toml."""

    model_config = ConfigDict(extra="forbid")
    organisation: Organisation
    languages: Languages = Languages()
    ack: AcknowledgeTimes = AcknowledgeTimes()
    report_deadline: Duration = timedelta(hours=24)
    reminders: tuple[Duration, ...] = (timedelta(hours=12), timedelta(hours=4), timedelta(hours=1))
    consent_deadline: Duration = timedelta(days=30)
    # Reminders to the data-protection contact before a consent request's deadline.
    consent_reminders: tuple[Duration, ...] = (timedelta(days=7), timedelta(days=1))
    # How long a decrypted report stays in a reader's chat, and an unlocked key in memory.
    read_visible_for: Duration = timedelta(minutes=10)
    unlocked_for: Duration = timedelta(minutes=15)
    activities: tuple[Activity, ...] = ()
    retention: Retention = Retention()
    helplines: tuple[Helpline, ...] | None = None
    # Whom cases are referred to; the country's usual authorities when not set.
    authorities: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] | None = None
    # The officer's daily message that the channel works (bot.heartbeat).
    heartbeat: HeartbeatSchedule = HeartbeatSchedule()

    @model_validator(mode="after")
    def _activity_codes_unique(self) -> OrganisationConfig:
        codes = [a.code for a in self.activities]
        if len(codes) != len(set(codes)):
            raise ValueError("two activities share a code")
        return self

    @property
    def help_numbers(self) -> tuple[Helpline, ...]:
        return self.helplines if self.helplines else DEFAULT_HELPLINES[self.organisation.country]

    @property
    def referral_authorities(self) -> tuple[str, ...]:
        if self.authorities:
            return self.authorities
        return DEFAULT_AUTHORITIES[self.organisation.country]

    @property
    def zone(self) -> ZoneInfo:
        """The zone every time is shown and typed in (stored times stay UTC)."""
        return self.organisation.zone

    def activity(self, code: str) -> Activity | None:
        return next((a for a in self.activities if a.code == code), None)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_first_problem(exc, "SAFEPERSON_")) from exc


def load_organisation_config(path: Path) -> OrganisationConfig:
    if not path.exists():
        raise ConfigError(
            f"The config file {path} does not exist: run `safeperson init` to create one, "
            "or set SAFEPERSON_CONFIG to its path."
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The config file {path} is not valid TOML ({exc}).") from exc
    try:
        return OrganisationConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"The config file {path}: {_first_problem(exc, '')}") from exc


def server_secret(settings: Settings) -> bytes:
    if settings.secret is None or not settings.secret.get_secret_value():
        if not Path(ENV_FILE).exists():
            raise ConfigError(
                "SAFEPERSON_SECRET is not set and there is no .env here: run `safeperson init` "
                "to write one with a new secret (an existing config is kept)."
            )
        raise ConfigError(f"SAFEPERSON_SECRET is not set in .env: {_HOW_TO_MAKE_A_NEW_ONE}")
    value = settings.secret.get_secret_value().strip()
    if not _SECRET.match(value):
        raise ConfigError(
            "SAFEPERSON_SECRET must be 64 hexadecimal characters (32 random bytes): "
            + _HOW_TO_MAKE_A_NEW_ONE
        )
    return bytes.fromhex(value)


def bot_token(settings: Settings) -> str:
    if settings.bot_token is None or not settings.bot_token.get_secret_value():
        raise ConfigError(
            "SAFEPERSON_BOT_TOKEN is not set: create a bot with @BotFather and put its token "
            "in .env (or try `make demo`, which needs no token)."
        )
    value = settings.bot_token.get_secret_value().strip()
    if not _TOKEN.match(value):
        raise ConfigError(
            "SAFEPERSON_BOT_TOKEN does not look like a bot token (digits, a colon, then letters): "
            "copy it again from @BotFather."
        )
    return value


def _first_problem(exc: ValidationError, prefix: str) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    if prefix:
        where = prefix + where.upper()
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}." if where else f"{message}."
