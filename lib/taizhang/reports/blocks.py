"""What a report section returns: immutable blocks, built once and rendered per output.

A section builds its content once as blocks — a :class:`TableSpec` (columns, cells with their display text,
their raw value and their status code), a :class:`Tiles` row, a :class:`Notice`, a :class:`Header`,
a :class:`MetricBlock` (a chart with its ranking table) — and the renderers turn them into an output:
:func:`taizhang.reports.html.render` into HTML (Jinja2 templates, every text escaped) and
:func:`taizhang.excel.write_table` into a worksheet. The HTML and the Excel ledger render the same
:class:`TableSpec`, so their rows, values and statuses cannot drift apart.

Blocks display themselves in a notebook (``_repr_html_``). This module holds no HTML and imports no
renderer at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple


class Text(NamedTuple):
    """A run of text inside a cell; ``style`` is one of :data:`STYLES`; ``br`` starts it on a new line."""

    text: str
    style: str = ""
    br: bool = False


#: the styles a :class:`Text` run may have (each is one CSS class or element of the HTML templates)
STYLES = ("", "b", "sec", "quote", "hint", "nw", "assumed", "code", "up", "down", "q-ok", "q-bad", "q-miss")


class _AsShown:
    """The value of a cell that Excel writes as the text it shows."""

    def __repr__(self) -> str:
        return "AS_SHOWN"


AS_SHOWN = _AsShown()


class Cell(NamedTuple):
    """One table cell: its text runs (HTML), its raw ``value`` (Excel; :data:`AS_SHOWN` means the runs' plain
    text, None an empty cell), its
    ``status`` code (a badge in HTML, a coloured fill in Excel), an Excel number format and a tooltip."""

    runs: tuple = ()
    value: object = AS_SHOWN
    status: str | None = None
    num_format: str | None = None
    title: str = ""

    @property
    def text(self) -> str:
        """The plain text of the runs (lines joined by newlines)."""
        return "".join(("\n" if r.br else "") + r.text for r in self.runs)


def text(value, style: str = "", *, raw=AS_SHOWN, num_format: str | None = None) -> Cell:
    """A cell of one run of ``value`` (``None`` becomes "—"), with ``raw`` as its Excel value when given."""
    shown = "—" if value is None else str(value)
    return Cell((Text(shown, style),), raw, None, num_format)


def status_cell(code: str | None) -> Cell:
    """A cell showing the status ``code`` (badge / fill, symbol and Chinese label)."""
    return Cell((), AS_SHOWN, code)


def lines(items, style: str = "") -> tuple:
    """Runs of ``items``, each on its own line."""
    return tuple(Text(str(t), style, i > 0) for i, t in enumerate(items))


@dataclass(frozen=True)
class Column:
    """A table column: key, Chinese header, CSS class (widths, wrapping), where it shows, Excel layout.

    ``status`` makes the header a status badge (HTML) or a status-coloured header (Excel); ``row_header``
    renders the column's cells as row headers; ``vertical`` writes the header upright (heat maps);
    ``head_css`` False keeps the CSS class off the header cell.
    """

    key: str
    label: str
    css: str = ""
    html: bool = True
    xlsx: bool = True
    width: int | None = None
    wrap: bool = False
    status: str | None = None
    row_header: bool = False
    vertical: bool = False
    head_css: bool = True


class _Block:
    """What every block (and a table spec) shares: its HTML through the one renderer (``template`` names
    its Jinja2 template) and a short plain-text form for the notebook."""

    template = ""

    def _repr_html_(self) -> str:
        from .html import render

        return render(self)

    def _repr_pretty_(self, p, cycle) -> None:
        """The plain-text form a notebook keeps beside the HTML (IPython's text/plain): the block's kind, not
        the dataclass repr of its whole content (150 KB for a unit's charts), which every report would
        otherwise serialise, send and store for nothing. ``repr()`` stays the dataclass's, for debugging."""
        p.text(f"<{type(self).__name__}>")

    def __init_subclass__(cls, **kwargs) -> None:
        # IPython prefers a class's own __repr__ (each dataclass has one) to an inherited _repr_pretty_
        super().__init_subclass__(**kwargs)
        cls._repr_pretty_ = _Block._repr_pretty_

    @property
    def data(self) -> str:
        """The HTML (as ``IPython.display.HTML(...).data``)."""
        return self._repr_html_()


@dataclass(frozen=True)
class TableSpec(_Block):
    """A table built once: columns, rows of cells (one per column), CSS classes, an empty-table note and a
    note after the table. ``mode`` ``"heat"`` draws status cells as coloured symbols (heat maps)."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    css: str = ""
    mode: str = "table"
    row_css: tuple[str, ...] = ()
    empty: str = ""
    note: str = ""
    note_css: str = "tz-note"
    legend: tuple[str, ...] = ()
    caption: str = ""  # a first header row spanning the table (HTML/PDF; repeated on each printed page)
    template = "table.html.j2"

    def html_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.html]

    def xlsx_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.xlsx]

    def column(self, key: str) -> list[Cell]:
        """The cells of column ``key``, top to bottom."""
        i = [c.key for c in self.columns].index(key)
        return [row[i] for row in self.rows]

    def without(self, key: str) -> "TableSpec":
        """This table without its column ``key`` (a unit's own report needs no 单位 column); itself when it
        has no such column."""
        keys = [c.key for c in self.columns]
        if key not in keys:
            return self
        i = keys.index(key)
        return replace(self, columns=self.columns[:i] + self.columns[i + 1:],
                       rows=tuple(row[:i] + row[i + 1:] for row in self.rows))


@dataclass(frozen=True)
class Notice(_Block):
    """A note (``kind`` ``"note"``, a grey paragraph) or a first-page notice (``"notice"``: a boxed paragraph
    with a bold ``title``; ``css`` adds a class); ``items`` become a list under it."""

    text: str
    kind: str = "note"
    title: str = ""
    css: str = ""
    items: tuple[str, ...] = ()
    template = "notice.html.j2"


@dataclass(frozen=True)
class Tile:
    """One tile: a number (text), its label, and the status whose badge and colour it carries (if any)."""

    number: str
    label: str = ""
    status: str | None = None
    count: int | None = None


@dataclass(frozen=True)
class Tiles(_Block):
    """A row of tiles, with an optional note under it."""

    tiles: tuple[Tile, ...]
    total: int | None = None
    note: str = ""
    template = "tiles.html.j2"


@dataclass(frozen=True)
class Header(_Block):
    """A report's first block: kicker, title, subtitle (``sub`` runs; ``b`` runs are bold)."""

    kicker: str
    title: str
    sub: tuple = ()
    template = "header.html.j2"


@dataclass(frozen=True)
class Heading(_Block):
    """A heading inside a section (a unit's name above its ledger)."""

    text: str
    level: int = 3
    css: str = "tz-unit"
    template = "heading.html.j2"


@dataclass(frozen=True)
class Counts(_Block):
    """A one-line count of changes: (label, number, style) items after a lead text."""

    lead: str
    items: tuple[tuple[str, int, str], ...]
    tail: str = ""  # a short text after the counts on the same line (the brief's 督办 line, issue 14)
    template = "counts.html.j2"


@dataclass(frozen=True)
class Problems(_Block):
    """A list of items, each with its own list of problems (rejected returns)."""

    items: tuple[tuple[str, tuple[str, ...]], ...]
    template = "problems.html.j2"


@dataclass(frozen=True)
class MetricBlock(_Block):
    """One metric of a report: its name and direction, the chart (``svg``, drawn by
    :class:`taizhang.charts.TrendChart`) and the ranking table beside it."""

    name: str
    direction: str
    svg: str
    ranking: TableSpec | None
    pair: bool = False  # printed two to a row, the ranking under the chart (a unit's report: one ranking row)
    template = "metric.html.j2"


@dataclass(frozen=True)
class Footer(_Block):
    """Where a report's data came from: parameters, data source, registry and code versions, the time of
    generation and the table of data files."""

    parameters: tuple[tuple[str, str], ...]
    data_label: str
    registry_version: str
    source: str
    code_version: str
    generated: str
    files: TableSpec | None = None
    n_files: int = 0
    digest: str = ""
    has_data: bool = False
    excel: bool = False
    template = "footer.html.j2"


@dataclass(frozen=True)
class Blocks(_Block):
    """Several blocks shown one after another (one section)."""

    parts: tuple
    template = "blocks.html.j2"

    @classmethod
    def of(cls, *parts) -> "Blocks":
        return cls(tuple(p for p in parts if p is not None))


@dataclass(frozen=True)
class Legend(_Block):
    """A legend of marks that are not statuses: (symbol, CSS class, label) items (the quality matrix)."""

    items: tuple[tuple[str, str, str], ...]
    template = "legend.html.j2"
