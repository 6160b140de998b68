"""Posters and cards that bring children to the bot: a big QR code of the activity's link, who
reads the messages, three short lines, and the help numbers, in the children's languages.

Layout only: the words (already in each language), the link and the date go in, the PDF's bytes
come out. Nothing here writes a file or knows a translation; the typeface is read from
bot.fonts. The QR code is drawn as squares from segno's matrix, so it is sharp at any print size,
and the pictograms are drawn with plain shapes.

- `a4`: one A4 portrait poster per two languages (each page has its own QR code): four
  languages side by side would need letters too small to read from a few steps away.
- `a6-cards`: an A4 sheet cut into four A6 cards, one language a card, the chosen languages in
  turn; more sheets if more than four cards are needed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final, Protocol, cast

import segno
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue

from bot.fonts import dejavu_sans
from bot.languages import LanguageCode


class PosterTooFullError(Exception):
    """More to say than a page holds legibly (a long list of help numbers in the config)."""


class PosterFormat(StrEnum):
    A4 = "a4"
    A6_CARDS = "a6-cards"


@dataclass(frozen=True)
class HelplineWords:
    number: str
    # What it is for, in the language: "Telefonul Copilului: Linie pentru copii, gratuit".
    description: str


@dataclass(frozen=True)
class PosterWords:
    """Everything a poster says in one language."""

    language: LanguageCode
    headline: str
    role: str
    # What it is for; that it is free and secret; that a voice message is fine.
    lines: tuple[str, str, str]
    scan: str
    call_heading: str
    helplines: tuple[HelplineWords, ...]


class PosterWording(Protocol):
    def words(self, language: LanguageCode) -> PosterWords: ...


@dataclass(frozen=True)
class Poster:
    link: str
    organisation: str
    activity: str
    # Printed only when the organisation names the activity's safe person in its config.
    safe_person: str | None
    words: tuple[PosterWords, ...]  # one per language, in the order they are shown


A4_SIZE: Final = (210.0, 297.0)
LANGUAGES_PER_POSTER: Final = 2
CARDS_PER_SHEET: Final = 4
# The white margin a QR reader needs around the code, in modules (the standard's minimum).
QUIET_ZONE: Final = 4
# "q" restores a quarter of the code: a poster on a wall gets scratched and written on.
QR_ERROR_LEVEL: Final = "q"

_FONT: Final = "DejaVu"
_PT: Final = 25.4 / 72  # millimetres in a typographic point
_LEADING: Final = 1.3

Colour = tuple[int, int, int]
_INK: Final[Colour] = (33, 37, 41)
_MUTED: Final[Colour] = (90, 98, 104)
_TEAL: Final[Colour] = (0, 109, 119)
_ORANGE: Final[Colour] = (214, 96, 36)
_TINT: Final[Colour] = (232, 244, 245)
_WHITE: Final[Colour] = (255, 255, 255)
_CUT: Final[Colour] = (185, 185, 185)


@dataclass(frozen=True)
class _Frame:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class _Style:
    """Sizes in points (text) and millimetres (the rest) for one kind of panel."""

    margin: float
    border: float
    meta: float
    headline: float
    qr: float
    scan: float
    link: float
    body: float
    icon: float
    gap: float


_POSTER_STYLE: Final = _Style(
    margin=17, border=7, meta=11, headline=30, qr=88, scan=12, link=12, body=15, icon=14, gap=4.5
)
_CARD_STYLE: Final = _Style(
    margin=8,
    border=3.5,
    meta=6.5,
    headline=14,
    qr=46,
    scan=7.5,
    link=6.2,
    body=8.5,
    icon=7.5,
    gap=2.2,
)
# When the words do not fit, the body text shrinks in these steps before the layout gives up.
_SHRINK: Final = (1.0, 0.94, 0.88, 0.82, 0.76, 0.7)


def page_count(page_format: PosterFormat, languages: int) -> int:
    per_page = LANGUAGES_PER_POSTER if page_format is PosterFormat.A4 else CARDS_PER_SHEET
    return -(-languages // per_page)


def render_poster(poster: Poster, page_format: PosterFormat, created_at: datetime) -> bytes:
    """The PDF: A4 posters (two languages a page) or sheets of four A6 cards."""
    if not poster.words:
        raise ValueError("a poster needs at least one language")
    pdf = _document(poster, created_at)
    if page_format is PosterFormat.A4:
        for first in range(0, len(poster.words), LANGUAGES_PER_POSTER):
            group = poster.words[first : first + LANGUAGES_PER_POSTER]
            pdf.add_page()
            _panel(pdf, _Frame(0, 0, *A4_SIZE), poster, group, _POSTER_STYLE)
    else:
        _cards(pdf, poster)
    return bytes(pdf.output())


def _document(poster: Poster, created_at: datetime) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    typeface = dejavu_sans()
    pdf.add_font(_FONT, "", str(typeface.regular))
    pdf.add_font(_FONT, "B", str(typeface.bold))
    pdf.set_creation_date(created_at)
    pdf.set_title(f"{poster.organisation}: {poster.activity}")
    pdf.set_creator("SafePerson")
    pdf.set_lang(poster.words[0].language)
    return pdf


def _cards(pdf: FPDF, poster: Poster) -> None:
    width, height = A4_SIZE[0] / 2, A4_SIZE[1] / 2
    languages = itertools.cycle(poster.words)
    for _sheet in range(page_count(PosterFormat.A6_CARDS, len(poster.words))):
        pdf.add_page()
        for row, column in itertools.product(range(2), range(2)):
            frame = _Frame(column * width, row * height, width, height)
            _panel(pdf, frame, poster, (next(languages),), _CARD_STYLE)
        _cut_marks(pdf, width, height)


def _cut_marks(pdf: FPDF, x: float, y: float) -> None:
    """Light dashed lines where the sheet is cut: faint enough not to spoil a card cut a little
    off the line, and running to the edges, which many printers cannot reach."""
    pdf.set_draw_color(*_CUT)
    pdf.set_line_width(0.2)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.line(x, 0, x, A4_SIZE[1])
        pdf.line(0, y, A4_SIZE[0], y)


@dataclass(frozen=True)
class _Row:
    icon: Callable[[FPDF, float, float, float], None]
    texts: tuple[str, ...]  # one a language
    bold: bool = False


def _panel(
    pdf: FPDF, frame: _Frame, poster: Poster, words: Sequence[PosterWords], style: _Style
) -> None:
    """One poster page or one card: the languages of `words` side by side."""
    inner = _Frame(
        frame.x + style.margin,
        frame.y + style.margin,
        frame.w - 2 * style.margin,
        frame.h - 2 * style.margin,
    )
    _border(pdf, frame, style)
    y = _header(pdf, inner, poster, words, style)
    y = _qr_block(pdf, inner, y, poster.link, words, style)
    role = [w.role + (f": {poster.safe_person}" if poster.safe_person else "") for w in words]
    rows = [
        _Row(_person, tuple(role), bold=True),
        *(
            _Row(icon, tuple(w.lines[index] for w in words))
            for index, icon in enumerate((_bubble, _lock, _microphone))
        ),
    ]
    for scale in _SHRINK:
        body = style.body * scale
        help_height = _help_box(pdf, inner, words, style, body, draw_at=None)
        rows_height = sum(_row_height(pdf, inner, row, style, body) for row in rows)
        rows_height += style.gap * (len(rows) - 1)
        help_top = inner.y + inner.h - help_height
        if y + style.gap + rows_height <= help_top - style.gap:
            break
    else:
        raise PosterTooFullError(
            "the words and help numbers do not fit on the page even in smaller letters: "
            "shorten the helplines in the config"
        )
    # The rows sit in the middle of the room between the QR code and the help numbers.
    y += (help_top - y - rows_height) / 2
    for row in rows:
        y += _draw_row(pdf, inner, y, row, style, body) + style.gap
    _help_box(pdf, inner, words, style, body, draw_at=help_top)


def _border(pdf: FPDF, frame: _Frame, style: _Style) -> None:
    pdf.set_draw_color(*_TEAL)
    pdf.set_line_width(style.border / 6)
    inset = style.border
    pdf.rect(
        frame.x + inset,
        frame.y + inset,
        frame.w - 2 * inset,
        frame.h - 2 * inset,
        style="D",
        round_corners=True,
        corner_radius=style.border * 1.2,
    )


def _font(pdf: FPDF, size: float, colour: Colour, *, bold: bool = False) -> float:
    """Set the font; the height of one line of it, in millimetres."""
    pdf.set_font(_FONT, "B" if bold else "", size)
    pdf.set_text_color(*colour)
    return size * _PT * _LEADING


def _text(
    pdf: FPDF, x: float, y: float, width: float, text: str, line: float, align: Align
) -> float:
    """Write wrapped text; its height."""
    pdf.set_xy(x, y)
    height = pdf.multi_cell(width, line, text, align=align, output=MethodReturnValue.HEIGHT)
    return cast(float, height)


def _measure(pdf: FPDF, width: float, text: str, line: float) -> float:
    height = pdf.multi_cell(width, line, text, dry_run=True, output=MethodReturnValue.HEIGHT)
    return cast(float, height)


def _header(
    pdf: FPDF, inner: _Frame, poster: Poster, words: Sequence[PosterWords], style: _Style
) -> float:
    line = _font(pdf, style.meta, _MUTED)
    y = inner.y + _text(
        pdf, inner.x, inner.y, inner.w, f"{poster.organisation} · {poster.activity}", line, Align.C
    )
    y += style.gap / 2
    for index, language in enumerate(words):
        first = index == 0
        size = style.headline if first else style.headline * 0.72
        line = _font(pdf, size, _TEAL if first else _ORANGE, bold=True)
        y += _text(pdf, inner.x, y, inner.w, language.headline, line * 0.95, Align.C)
    return y + style.gap / 2


def _qr_block(
    pdf: FPDF, inner: _Frame, y: float, link: str, words: Sequence[PosterWords], style: _Style
) -> float:
    size = style.qr if len(words) > 1 else style.qr * 1.08
    _qr(pdf, link, inner.x + (inner.w - size) / 2, y, size)
    y += size
    line = _font(pdf, style.scan, _INK)
    for language in words:
        y += _text(pdf, inner.x, y, inner.w, language.scan, line, Align.C)
    # For someone who cannot scan: the same link, to type or tap.
    line = _font(pdf, style.link, _TEAL, bold=True)
    return y + _text(pdf, inner.x, y + style.gap / 3, inner.w, link, line, Align.C)


def _qr(pdf: FPDF, link: str, x: float, y: float, size: float) -> None:
    """The code with its quiet zone, `size` wide; each row's dark modules drawn as runs, so no
    hairline shows between neighbouring squares."""
    matrix = segno.make(link, error=QR_ERROR_LEVEL, micro=False).matrix
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    pdf.set_fill_color(*_WHITE)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row, modules in enumerate(matrix):
        column = 0
        for dark, run in itertools.groupby(modules, key=bool):
            length = len(list(run))
            if dark:
                pdf.rect(
                    x + (QUIET_ZONE + column) * module,
                    y + (QUIET_ZONE + row) * module,
                    length * module,
                    module,
                    style="F",
                )
            column += length


def _columns(inner: _Frame, style: _Style, count: int) -> tuple[float, float, float]:
    """Where the text columns of a row start, their width, and the room between them."""
    start = inner.x + style.icon * 1.5
    between = style.icon * 0.8
    width = (inner.x + inner.w - start - between * (count - 1)) / count
    return start, width, between


def _row_height(pdf: FPDF, inner: _Frame, row: _Row, style: _Style, body: float) -> float:
    _start, width, _between = _columns(inner, style, len(row.texts))
    line = _font(pdf, body, _INK, bold=row.bold)
    return max(style.icon, *(_measure(pdf, width, text, line) for text in row.texts))


def _draw_row(pdf: FPDF, inner: _Frame, y: float, row: _Row, style: _Style, body: float) -> float:
    height = _row_height(pdf, inner, row, style, body)
    row.icon(pdf, inner.x, y + (height - style.icon) / 2, style.icon)
    start, width, between = _columns(inner, style, len(row.texts))
    for index, text in enumerate(row.texts):
        first = index == 0
        line = _font(pdf, body, (_TEAL if first else _ORANGE) if row.bold else _INK, bold=row.bold)
        top = y + (height - _measure(pdf, width, text, line)) / 2
        _text(pdf, start + index * (width + between), top, width, text, line, Align.L)
    return height


def _help_box(
    pdf: FPDF,
    inner: _Frame,
    words: Sequence[PosterWords],
    style: _Style,
    body: float,
    *,
    draw_at: float | None,
) -> float:
    """The help numbers in a tinted box across the panel, drawn `draw_at` millimetres from the
    top (None: only measured); its height."""
    padding = style.gap
    size = body * 0.82
    within = _Frame(inner.x + padding, 0, inner.w - 2 * padding, 0)
    start, width, between = _columns(within, style, len(words))
    lefts = [start + index * (width + between) for index in range(len(words))]
    columns = list(zip(lefts, words, strict=True))
    tallest = max(_help_column(pdf, x, 0, width, w, size, draw=False) for x, w in columns)
    height = max(style.icon, tallest) + 2 * padding
    if draw_at is not None:
        # The box first: the numbers are written over it.
        pdf.set_fill_color(*_TINT)
        pdf.rect(
            inner.x, draw_at, inner.w, height, style="F", round_corners=True, corner_radius=padding
        )
        _phone(pdf, within.x, draw_at + (height - style.icon) / 2, style.icon)
        for x, language in columns:
            _help_column(pdf, x, draw_at + padding, width, language, size, draw=True)
    return height


def _help_column(
    pdf: FPDF, x: float, y: float, width: float, words: PosterWords, size: float, *, draw: bool
) -> float:
    """One language's heading and numbers (written only if `draw`); their height."""
    line = _font(pdf, size, _INK, bold=True)
    height = _measure(pdf, width, words.call_heading, line)
    if draw:
        _text(pdf, x, y, width, words.call_heading, line, Align.L)
    # The numbers in a column of their own, as wide as the longest, in bold.
    number_width = max(pdf.get_string_width(h.number) for h in words.helplines) + size * _PT
    described = width - number_width
    for helpline in words.helplines:
        line = _font(pdf, size, _INK)
        row = _measure(pdf, described, helpline.description, line)
        if draw:
            _text(pdf, x + number_width, y + height, described, helpline.description, line, Align.L)
            _font(pdf, size, _TEAL, bold=True)
            _text(pdf, x, y + height, number_width, helpline.number, line, Align.L)
        height += row
    return height


# Pictograms: a coloured disc with a white shape, each in a square of `size` at (x, y).


def _disc(pdf: FPDF, x: float, y: float, size: float, colour: Colour) -> tuple[float, float]:
    pdf.set_fill_color(*colour)
    pdf.circle(x + size / 2, y + size / 2, size / 2, style="F")
    pdf.set_fill_color(*_WHITE)
    pdf.set_draw_color(*_WHITE)
    return x + size / 2, y + size / 2


def _person(pdf: FPDF, x: float, y: float, s: float) -> None:
    cx, cy = _disc(pdf, x, y, s, _TEAL)
    pdf.circle(cx, cy - 0.13 * s, 0.12 * s, style="F")
    pdf.rect(
        cx - 0.22 * s,
        cy + 0.04 * s,
        0.44 * s,
        0.24 * s,
        style="F",
        round_corners=True,
        corner_radius=0.11 * s,
    )


def _bubble(pdf: FPDF, x: float, y: float, s: float) -> None:
    cx, cy = _disc(pdf, x, y, s, _ORANGE)
    pdf.rect(
        cx - 0.29 * s,
        cy - 0.22 * s,
        0.58 * s,
        0.36 * s,
        style="F",
        round_corners=True,
        corner_radius=0.1 * s,
    )
    pdf.polygon(
        [
            (cx - 0.16 * s, cy + 0.12 * s),
            (cx - 0.2 * s, cy + 0.3 * s),
            (cx + 0.02 * s, cy + 0.12 * s),
        ],
        style="F",
    )
    pdf.set_fill_color(*_ORANGE)
    for dot in (-0.14, 0.0, 0.14):
        pdf.circle(cx + dot * s, cy - 0.04 * s, 0.04 * s, style="F")


def _lock(pdf: FPDF, x: float, y: float, s: float) -> None:
    cx, cy = _disc(pdf, x, y, s, _TEAL)
    pdf.set_line_width(0.07 * s)
    pdf.arc(cx - 0.14 * s, cy - 0.3 * s, 0.28 * s, 180, 360, b=0.32 * s, style="D")
    pdf.line(cx - 0.14 * s, cy - 0.14 * s, cx - 0.14 * s, cy - 0.04 * s)
    pdf.line(cx + 0.14 * s, cy - 0.14 * s, cx + 0.14 * s, cy - 0.04 * s)
    pdf.rect(
        cx - 0.24 * s,
        cy - 0.06 * s,
        0.48 * s,
        0.36 * s,
        style="F",
        round_corners=True,
        corner_radius=0.05 * s,
    )
    pdf.set_fill_color(*_TEAL)
    pdf.circle(cx, cy + 0.08 * s, 0.05 * s, style="F")
    pdf.rect(cx - 0.02 * s, cy + 0.08 * s, 0.04 * s, 0.11 * s, style="F")


def _microphone(pdf: FPDF, x: float, y: float, s: float) -> None:
    cx, cy = _disc(pdf, x, y, s, _ORANGE)
    pdf.rect(
        cx - 0.1 * s,
        cy - 0.31 * s,
        0.2 * s,
        0.36 * s,
        style="F",
        round_corners=True,
        corner_radius=0.1 * s,
    )
    pdf.set_line_width(0.05 * s)
    pdf.arc(cx - 0.18 * s, cy - 0.2 * s, 0.36 * s, 0, 180, style="D")
    pdf.line(cx, cy + 0.16 * s, cx, cy + 0.29 * s)
    pdf.line(cx - 0.11 * s, cy + 0.29 * s, cx + 0.11 * s, cy + 0.29 * s)


def _phone(pdf: FPDF, x: float, y: float, s: float) -> None:
    cx, cy = _disc(pdf, x, y, s, _ORANGE)
    pdf.rect(
        cx - 0.15 * s,
        cy - 0.3 * s,
        0.3 * s,
        0.6 * s,
        style="F",
        round_corners=True,
        corner_radius=0.05 * s,
    )
    pdf.set_fill_color(*_ORANGE)
    pdf.rect(cx - 0.11 * s, cy - 0.23 * s, 0.22 * s, 0.38 * s, style="F")
    pdf.circle(cx, cy + 0.23 * s, 0.035 * s, style="F")
