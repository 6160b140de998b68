"""`safeperson init`: a commented example config and a .env with a fresh server secret.

Each is written only where it is missing, and neither is ever overwritten: a lost .env beside a
config that was already edited gets a new .env alone, and the other way round.
"""

from __future__ import annotations

from pathlib import Path

from bot.clock import RandomSource
from bot.settings import ENV_FILE, ConfigError

EXAMPLE_CONFIG = """\
# SafePerson configuration for one organisation. Durations: "90s", "10m", "8h", "2d".

# Alerts that nobody acknowledges climb to the next tier after these times (see [ack]).
# The report deadline runs from receipt until the case is referred or closed.
report_deadline = "24h"
# Reminders before the report deadline, counted back from it.
reminders = ["12h", "4h", "1h"]
# How long the organisation has to act on a consent withdrawal (GDPR art. 12(3): one month).
consent_deadline = "30d"
# Reminders to the data-protection contact before that deadline.
consent_reminders = ["7d", "1d"]
# A report opened with Read is deleted from the reader's chat after this time; the key a
# passphrase unlocked stays usable for this long (or until /lock).
read_visible_for = "10m"
unlocked_for = "15m"
# Whom cases are referred to (buttons under «Referred to…»); unset, the country's usual ones:
# RO: DGASPC, Poliția, Parchetul; AL: NjMF, Policia e Shtetit, ASHDMF.
# authorities = ["DGASPC Sector 3", "Poliția"]

[organisation]
name = "Împreună Agency"
# RO or AL: selects the help numbers shown to people in danger.
country = "RO"
# Every time is shown and typed in this zone; unset, the country's: RO Europe/Bucharest,
# AL Europe/Tirane.
# timezone = "Europe/Bucharest"

[languages]
# Any of ro (Română), sq (Shqip), rom (Romani čhib), en (English).
enabled = ["ro", "rom", "en"]
default = "ro"

[ack]
# How long an alert may wait for an acknowledgement, by urgency.
immediate = "5m"
urgent = "30m"
standard = "2h"

# How long finished cases are kept before they are deleted (unless on legal hold); the
# README says why these are the defaults.
[retention]
closed_cases = "1095d"
consent_requests = "365d"

# Every day at this time (on the organisation's clock) the Child Protection Officer gets one
# short message: the bot runs, open cases and consent requests with their nearest deadlines,
# the audit log's fingerprint. to_board = true sends it to the board too; enabled = false
# turns it off. A bot that was down says so, and for how long, when it starts again.
[heartbeat]
at = "08:00"
to_board = false

# Activities: a link t.me/<bot>?start=act_<code> brings reporters from that activity;
# `safeperson poster --activity <code>` prints it as a QR code. safe_person (optional) is the
# name printed on its posters beside "Safe person"; unset, the posters name no one.
[[activities]]
code = "summer_camp"
name = "Summer camp"
# safe_person = "Ana"

# The default help numbers for the country are used unless you list your own here
# (kind is one of emergency, child_abuse, child_helpline, police, ambulance):
# [[helplines]]
# number = "112"
# kind = "emergency"
"""

ENV_TEMPLATE = """\
# SafePerson settings. Keep this file private: the secret protects conversations in progress.
# The token of your bot, from @BotFather:
SAFEPERSON_BOT_TOKEN=
# 32 random bytes. Losing it makes drafts in progress unreadable; never share it.
SAFEPERSON_SECRET={secret}
# SAFEPERSON_DATABASE_URL=sqlite+aiosqlite:///safeperson.db
# SAFEPERSON_TELEGRAM_API_URL=https://api.telegram.org
# SAFEPERSON_CONFIG=safeperson.toml
"""


def write_setup_files(folder: Path, config_name: Path, random: RandomSource) -> list[Path]:
    """Write whichever of the config and .env is missing; the paths written."""
    config_path = config_name if config_name.is_absolute() else folder / config_name
    env_path = folder / ENV_FILE
    if config_path.exists() and env_path.exists():
        raise ConfigError(
            f"{config_path} and {env_path} already exist; init never overwrites them: "
            "move them away first to start afresh."
        )
    written = []
    # "x": create, never overwrite, even if the file appeared since the check above.
    if not config_path.exists():
        with config_path.open("x", encoding="utf-8") as config_file:
            config_file.write(EXAMPLE_CONFIG)
        written.append(config_path)
    if not env_path.exists():
        with env_path.open("x", encoding="utf-8") as env_file:
            env_path.chmod(0o600)  # before the secret is written
            env_file.write(ENV_TEMPLATE.format(secret=random.token_bytes(32).hex()))
        written.append(env_path)
    return written
