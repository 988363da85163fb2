"""The one HTML renderer of report blocks: Jinja2 templates (``taizhang/templates/*.html.j2``), autoescaped.

:func:`render` turns any block of :mod:`taizhang.reports.blocks` (or a list of them) into an HTML fragment;
:func:`page` wraps a body into the self-contained page the reports are written as. Every text a block
carries is escaped by the template engine; only the chart SVG (drawn and escaped by
:mod:`taizhang.charts`) is inserted as it is.
Status colours, symbols and labels come from one place (:func:`status_look`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

#: how a text run of each style is marked up: (element, CSS class)
RUN_MARKUP = {"": ("", ""), "b": ("b", ""), "sec": ("span", "tz-sec"), "quote": ("div", "tz-quote"),
              "hint": ("span", "tz-hint"), "hint-block": ("div", "tz-hint"), "nw": ("span", "tz-nw"),
              "assumed": ("span", "tz-assumed"), "code": ("code", ""), "hm-s": ("span", "tz-hm-s"),
              "up": ("b", "tz-up"), "down": ("b", "tz-down"), "q-ok": ("span", "tz-qs tz-q-ok"),
              "q-bad": ("span", "tz-qs tz-q-bad"), "q-miss": ("span", "tz-qs tz-q-miss")}


@lru_cache(maxsize=64)
def status_look(code: str) -> tuple[str, str, str, str]:
    """``(background, ink, symbol, Chinese label)`` of a status code, from the one status table
    (:mod:`taizhang.kernel.statuses`)."""
    from ..kernel.statuses import status

    st = status(code)
    return st.colour, st.ink, st.symbol, st.label


_TAG = "<{{ tag }}{% if css %} class=\"{{ css }}\"{% endif %}>"
_END = "</{{ tag }}>"


@lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment (autoescape on, templates loaded once).

    The tags of each text-run style (:data:`RUN_MARKUP`) and of each column's cells are rendered once, by the
    templates above, and reused: the table template runs for every row of every ledger, and the runs of a
    cell are joined by :func:`runs_markup` (each text escaped) instead of a macro call per run.
    """
    import jinja2
    from markupsafe import Markup, escape

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    start, end = env.from_string(_TAG), env.from_string(_END)

    @lru_cache(maxsize=512)
    def tags(el: str, css: str = "") -> tuple:
        return (Markup(start.render(tag=el, css=css)), Markup(end.render(tag=el))) if el else (Markup(""), Markup(""))

    runs = {style: tags(el, css) for style, (el, css) in RUN_MARKUP.items()}
    br = Markup(env.from_string("<br>").render())

    def runs_markup(items) -> Markup:
        """The text runs of a cell, each escaped inside its style's tags, lines broken where asked."""
        out = []
        for r in items:
            if r.br:
                out.append(br)
            open_, close = runs[r.style]
            out += (open_, escape(r.text), close)
        return Markup("".join(out))

    def td_opens(spec) -> list[tuple]:
        """The opening and closing tag of each shown column's cells (``th`` for row headers)."""
        return [tags("th") if spec.columns[i].row_header else tags("td", spec.columns[i].css)
                for i in spec.html_columns()]

    env.globals.update(look=status_look, runs_markup=runs_markup, td_opens=td_opens)
    return env


def render(block) -> str:
    """The HTML of ``block`` (a block, a :class:`~taizhang.reports.blocks.TableSpec`, or a list of blocks)."""
    if isinstance(block, (list, tuple)):
        return "".join(render(b) for b in block)
    return environment().get_template(block.template).render(b=block)


def page(title: str, css: str, body: str) -> str:
    """A whole HTML page: ``title`` (escaped), the page's CSS and ``body`` (HTML, inserted as it is)."""
    from markupsafe import Markup

    return environment().get_template("page.html.j2").render(title=title, css=Markup(css), body=Markup(body))
