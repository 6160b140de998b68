"""Help numbers a person in danger can call at once, per country.

The defaults are listed in docs/design.md; each organisation confirms them at set-up and may
replace them in its config. A number's description is translated by its kind, so the config names
the kind.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, Field

Country = Literal["RO", "AL"]
COUNTRY_NAMES: Final[dict[Country, str]] = {"RO": "Romania", "AL": "Albania"}
HelplineKind = Literal["emergency", "child_abuse", "child_helpline", "police", "ambulance"]


class Helpline(BaseModel):
    number: str = Field(pattern=r"^\+?[0-9][0-9 ]{1,18}$")
    kind: HelplineKind
    # The service's own name, shown as it is in every language ("Telefonul Copilului").
    name: str | None = Field(default=None, min_length=1, max_length=60)
    # Said next to the number: a child who fears the cost does not call.
    free: bool = True


DEFAULT_HELPLINES: Final[dict[Country, tuple[Helpline, ...]]] = {
    "RO": (
        Helpline(number="112", kind="emergency"),
        Helpline(number="119", kind="child_abuse"),
        Helpline(number="116 111", kind="child_helpline", name="Telefonul Copilului"),
    ),
    "AL": (
        Helpline(number="112", kind="emergency"),
        Helpline(number="129", kind="police"),
        Helpline(number="127", kind="ambulance"),
        Helpline(number="116 111", kind="child_helpline", name="ALO 116 111"),
    ),
}
