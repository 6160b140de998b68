"""The gettext catalogs: .po files in git, .mo files built from them, never committed.

Romani ("rom") has no CLDR locale, so Babel neither knows its plural rule nor writes a
Plural-Forms header for it. The catalog carries its own header; the two functions here keep it
through an update and carry it into the compiled .mo (gettext reads the rule from there).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileParser, read_po, write_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


class _CatalogKeepingPluralForms(Catalog):
    """A catalog that writes the Plural-Forms it was read with, even for an unknown locale."""

    own_plural_forms: str | None = None

    def _set_mime_headers(self, headers: Iterable[tuple[str, str]]) -> None:
        headers = list(headers)
        super()._set_mime_headers(headers)
        for name, value in headers:
            if name.lower() == "plural-forms":
                self.own_plural_forms = value

    def _get_mime_headers(self) -> list[tuple[str, str]]:
        headers = super()._get_mime_headers()
        if self.own_plural_forms and not any(n == "Plural-Forms" for n, _ in headers):
            headers.insert(-3, ("Plural-Forms", self.own_plural_forms))
        return headers

    mime_headers = property(_get_mime_headers, _set_mime_headers)


def read_catalog(po_path: Path) -> _CatalogKeepingPluralForms:
    catalog = _CatalogKeepingPluralForms(domain=DOMAIN)
    with po_path.open("rb") as po_file:
        PoFileParser(catalog).parse(po_file)
    return catalog


def catalog_paths(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    return sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_catalogs(locales_dir: Path = LOCALES_DIR, *, force: bool = False) -> list[Path]:
    """Write each locale's .mo next to its .po when missing or older; return what was written."""
    written = []
    for po_path in catalog_paths(locales_dir):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalog = read_catalog(po_path)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


def update_catalogs(locales_dir: Path = LOCALES_DIR) -> None:
    """Merge the extracted template into every catalog (what `pybabel update` does, keeping
    Romani's Plural-Forms header)."""
    with (locales_dir / f"{DOMAIN}.pot").open("rb") as pot_file:
        template = read_po(pot_file)
    for po_path in catalog_paths(locales_dir):
        catalog = read_catalog(po_path)
        catalog.update(template, update_header_comment=False)
        with po_path.open("wb") as po_file:
            write_po(po_file, catalog, width=100, ignore_obsolete=True)
