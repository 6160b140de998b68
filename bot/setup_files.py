"""`safeperson init`: a commented example config and a .env with a fresh server secret."""

from __future__ import annotations

from pathlib import Path

from bot.clock import RandomSource
from bot.settings import ConfigError

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

[languages]
# Any of ro (Română), sq (Shqip), rom (Romani čhib), en (English).
enabled = ["ro", "rom", "en"]
default = "ro"

[ack]
# How long an alert may wait for an acknowledgement, by urgency.
immediate = "5m"
urgent = "30m"
standard = "2h"

# Activities: a link t.me/<bot>?start=act_<code> brings reporters from that activity.
[[activities]]
code = "summer_camp"
name = "Summer camp"

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
    config_path = config_name if config_name.is_absolute() else folder / config_name
    env_path = folder / ".env"
    existing = [p for p in (config_path, env_path) if p.exists()]
    if existing:
        names = " and ".join(str(p) for p in existing)
        raise ConfigError(f"{names} already exists; init does not overwrite. Move it away first.")
    # "x": create, never overwrite, even if the file appeared since the check above.
    with config_path.open("x", encoding="utf-8") as config_file:
        config_file.write(EXAMPLE_CONFIG)
    with env_path.open("x", encoding="utf-8") as env_file:
        env_path.chmod(0o600)  # before the secret is written
        env_file.write(ENV_TEMPLATE.format(secret=random.token_bytes(32).hex()))
    return [config_path, env_path]
