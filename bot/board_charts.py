"""The board's charts: one PNG dashboard to glance at in the chat, and a PDF for the annual
report with every figure and a table.

Drawn with matplotlib's object API (a Figure on its own Agg canvas, never pyplot's global
figures), so two members asking at once draw two separate pictures; the callers run it in a
thread. Every word comes in `ChartWords`, already in the reader's language: this module knows
no language, and it sees only what bot.board_figures lets be shown. A withheld count is drawn
as a hatched stub of one fixed height with its mark ("<3"), never as a bar of its value.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from fpdf import FPDF
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

from bot.board_figures import BoardFigures, Breakdown
from bot.fonts import dejavu_sans

PNG_DPI: Final = 110
PDF_CHART_DPI: Final = 150
_BAR: Final = "#2f6690"
_WITHHELD: Final = "#8a8a8a"
# A withheld bar's height, as a share of the chart's tallest shown bar.
_STUB: Final = 0.12
# Characters on a line of the key numbers' panel.
_PANEL_CHARACTERS: Final = 50


@dataclass(frozen=True)
class ChartWords:
    """Everything the charts say, in the reader's language."""

    title: str
    by_month: str
    by_audience: str
    by_urgency: str
    by_activity: str
    # The count axis ("Concerns").
    count_axis: str
    # The label of each cell's key, per breakdown.
    months: Mapping[str, str]
    audiences: Mapping[str, str]
    urgencies: Mapping[str, str]
    activities: Mapping[str, str]
    # The key numbers: label and value as shown ("Concerns received", "17").
    key_numbers: tuple[tuple[str, str], ...]
    key_numbers_title: str
    # What "<3" and "≥3" mean.
    footnote: str
    table_title: str
    table_heading: tuple[str, str]


class _Fonts:
    def __init__(self) -> None:
        face = dejavu_sans()
        self.regular = FontProperties(fname=face.regular)
        self.bold = FontProperties(fname=face.bold)


def _bars(
    axes: Axes,
    breakdown: Breakdown,
    labels: Mapping[str, str],
    title: str,
    count_axis: str,
    fonts: _Fonts,
    *,
    rotate: bool = False,
) -> None:
    cells = breakdown.cells
    shown = [cell.count.value for cell in cells if cell.count.value is not None]
    stub = max(max(shown, default=0), 1) * _STUB
    positions = range(len(cells))
    for position, cell in zip(positions, cells, strict=True):
        value = cell.count.value
        if value is None:
            axes.bar(position, stub, color="none", edgecolor=_WITHHELD, hatch="///")
            top = stub
        else:
            axes.bar(position, value, color=_BAR)
            top = value
        axes.annotate(
            cell.count.mark,
            (position, top),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontproperties=fonts.regular,
            fontsize=8,
            color=_WITHHELD if value is None else "black",
        )
    axes.set_xticks(list(positions))
    axes.set_xticklabels(
        [labels.get(cell.key, cell.key) for cell in cells],
        rotation=45 if rotate else 0,
        ha="right" if rotate else "center",
        fontproperties=fonts.regular,
        fontsize=8,
    )
    for label in axes.get_yticklabels():
        label.set_fontproperties(fonts.regular)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(max(shown, default=0), 1) * 1.2)
    axes.set_title(title, fontproperties=fonts.bold, fontsize=10)
    axes.set_ylabel(count_axis, fontproperties=fonts.regular, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)


def _key_numbers(axes: Axes, words: ChartWords, fonts: _Fonts) -> None:
    axes.axis("off")
    axes.set_title(words.key_numbers_title, fontproperties=fonts.bold, fontsize=10)
    # The panel is a third of the picture wide: lines are broken to fit it, not left to run off.
    lines = "\n".join(
        textwrap.fill(f"{label}: {value}", _PANEL_CHARACTERS, subsequent_indent="  ")
        for label, value in words.key_numbers
    )
    axes.text(0, 1, lines, va="top", ha="left", fontproperties=fonts.regular, fontsize=8)
    axes.text(
        0, 0, textwrap.fill(words.footnote, _PANEL_CHARACTERS + 8), va="bottom", ha="left",
        fontproperties=fonts.regular, fontsize=7, color=_WITHHELD,
    )  # fmt: skip


def _png(figure: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)  # the figure's own canvas: nothing of pyplot's
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def dashboard_png(figures: BoardFigures, words: ChartWords) -> bytes:
    """One picture: concerns by month across the top; urgency, audience and the key numbers
    below."""
    fonts = _Fonts()
    figure = Figure(figsize=(11, 7.5), layout="constrained")
    grid = figure.add_gridspec(2, 3)
    _bars(
        figure.add_subplot(grid[0, :]),
        figures.by_month, words.months, words.by_month, words.count_axis, fonts, rotate=True,
    )  # fmt: skip
    _bars(
        figure.add_subplot(grid[1, 0]),
        figures.by_urgency, words.urgencies, words.by_urgency, words.count_axis, fonts,
    )  # fmt: skip
    _bars(
        figure.add_subplot(grid[1, 1]),
        figures.by_audience, words.audiences, words.by_audience, words.count_axis, fonts,
        rotate=True,
    )  # fmt: skip
    _key_numbers(figure.add_subplot(grid[1, 2]), words, fonts)
    figure.suptitle(words.title, fontproperties=fonts.bold, fontsize=13)
    return _png(figure, PNG_DPI)


def _chart_png(
    breakdown: Breakdown, labels: Mapping[str, str], title: str, words: ChartWords
) -> bytes:
    fonts = _Fonts()
    figure = Figure(figsize=(9, 5), layout="constrained")
    _bars(
        figure.add_subplot(), breakdown, labels, title, words.count_axis, fonts,
        rotate=len(breakdown.cells) > 4,
    )  # fmt: skip
    return _png(figure, PDF_CHART_DPI)


def _charts(figures: BoardFigures, words: ChartWords) -> Sequence[tuple[str, bytes]]:
    return [
        (title, _chart_png(breakdown, labels, title, words))
        for breakdown, labels, title in (
            (figures.by_month, words.months, words.by_month),
            (figures.by_audience, words.audiences, words.by_audience),
            (figures.by_urgency, words.urgencies, words.by_urgency),
            (figures.by_activity, words.activities, words.by_activity),
        )
    ]


def _table_rows(figures: BoardFigures, words: ChartWords) -> list[tuple[str, str]]:
    rows = list(words.key_numbers)
    for breakdown, labels, title in (
        (figures.by_month, words.months, words.by_month),
        (figures.by_audience, words.audiences, words.by_audience),
        (figures.by_urgency, words.urgencies, words.by_urgency),
        (figures.by_activity, words.activities, words.by_activity),
    ):
        rows += [(f"{title}: {labels.get(c.key, c.key)}", c.count.mark) for c in breakdown.cells]
    return rows


def report_pdf(figures: BoardFigures, words: ChartWords) -> bytes:
    """The annual report's pages: the key numbers, each chart, then every figure in a table.
    Text is real text (fpdf2 with DejaVu Sans), so it can be searched and copied."""
    face = dejavu_sans()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creator("SafePerson")
    pdf.add_font("DejaVu", "", str(face.regular))
    pdf.add_font("DejaVu", "B", str(face.bold))
    pdf.set_auto_page_break(auto=True, margin=15)

    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, words.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, words.key_numbers_title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    with pdf.table(col_widths=(3, 1), text_align="LEFT", first_row_as_headings=False) as table:
        for label, value in words.key_numbers:
            table.row((label, value))
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, words.footnote, new_x="LMARGIN", new_y="NEXT")

    for title, chart in _charts(figures, words):
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        pdf.image(io.BytesIO(chart), w=pdf.epw)

    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, words.table_title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    with pdf.table(col_widths=(3, 1), text_align="LEFT") as table:
        table.row(words.table_heading)
        for row in _table_rows(figures, words):
            table.row(row)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, words.footnote, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def table_lines(figures: BoardFigures, words: ChartWords) -> list[str]:
    """The table as plain text lines, for the command line."""
    rows = _table_rows(figures, words)
    width = max(len(label) for label, _ in rows)
    return [words.title, *(f"{label:<{width}}  {value}" for label, value in rows), words.footnote]
