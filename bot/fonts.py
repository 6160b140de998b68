"""The typeface posters and charts are drawn in.

DejaVu Sans has every letter the four languages need (ș ț ă â î, ë ç, and Romani's č š ž θ) and
ships inside matplotlib, which the charts need anyway: no font has to be installed on the
machine, and a slim container image draws the same PDF as a desktop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib


@dataclass(frozen=True)
class Typeface:
    regular: Path
    bold: Path


def dejavu_sans() -> Typeface:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return Typeface(regular=folder / "DejaVuSans.ttf", bold=folder / "DejaVuSans-Bold.ttf")
