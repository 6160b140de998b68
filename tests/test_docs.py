"""The documentation stays inside the repository: every link it has leads to a file here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", ROOT / "SECURITY.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
_PATH_OUTSIDE = re.compile(r"(?<![\w.])\.\./[\w./-]+")


def test_the_design_document_is_in_the_repository_and_linked() -> None:
    assert (ROOT / "docs" / "design.md").is_file()
    assert "](docs/design.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_relative_link_leads_to_a_file_in_the_repository() -> None:
    broken = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for target in _LINK.findall(text):
            if "://" in target or target.startswith("mailto:"):
                continue
            path = (document.parent / target).resolve()
            if not path.is_relative_to(ROOT) or not path.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
        # A path named in the text (not as a link) that leaves the repository: someone who
        # cloned only this repository cannot follow it.
        for outside in _PATH_OUTSIDE.findall(text):
            if not (document.parent / outside).resolve().is_relative_to(ROOT):
                broken.append(f"{document.relative_to(ROOT)}: {outside}")
    assert broken == []
