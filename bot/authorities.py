"""The authorities a case is usually referred to, per country; the config may replace them.

Their official names are kept as they are spelled locally: they are what a board member checks
a referral against, in any language.
"""

from __future__ import annotations

from typing import Final

from bot.helplines import Country

DEFAULT_AUTHORITIES: Final[dict[Country, tuple[str, ...]]] = {
    # The county child-protection directorate, the police, the prosecutor's office.
    "RO": ("DGASPC", "Poliția", "Parchetul"),
    # The municipal child protection unit, the State Police, the State Agency for children.
    "AL": ("NjMF (Njësia për Mbrojtjen e Fëmijëve)", "Policia e Shtetit", "ASHDMF"),
}
