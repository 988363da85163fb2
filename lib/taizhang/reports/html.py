"""The one HTML renderer of report blocks: Jinja2 templates (``taizhang/templates/*.html.j2``), autoescaped.

:func:`render` turns any block of :mod:`taizhang.reports.blocks` (or a list of them) into an HTML fragment;
:func:`page` wraps a body into the self-contained page the reports are written as. Every text a block
carries is escaped by the template engine; only the chart SVG (drawn and escaped by
:mod:`taizhang.charts`) and :class:`~taizhang.reports.blocks.Raw` fragments are inserted as they are.
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


@lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment (autoescape on, templates loaded once)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.globals.update(look=status_look, markup=RUN_MARKUP)
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
