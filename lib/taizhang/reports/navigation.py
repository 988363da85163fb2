"""Finding one's way on screen: a table of contents at the top of each report, and links between reports.

* :func:`with_toc` puts a table of contents (:file:`toc.html.j2`) under a report's header: its sections
  (``<h2>``; in a report without sections its ``<h3>`` headings), under each section its units (the
  ``<h3 class="tz-unit">`` headings), and the 数据来源与版本 footer. Headings without an id get one.
* :func:`refresh_links` writes the links between reports (:file:`links.html.j2`) into every report page the
  index lists: back to the index from every report; from the monthly ledger to the brief, the quality report
  and the district reports of the same plan, month and scenario that exist; from those to their monthly
  ledger. They are computed from the manifests when the index is written (at the end of every run), so a
  link is only ever shown to a report that exists, whichever run wrote it.

Both are screen aids: the stylesheet shows them on screen only (a printed page has the PDF outline).
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ..atomic import atomic_write_bytes

#: where the table of contents goes: the report header template ends with this mark
TOC_MARK = "<!--tz-toc-->"
_HEADING = re.compile(r"<(h[23])((?:\s[^>]*)?)>(.*?)</\1>", re.S)
_ID = re.compile(r'\sid="([^"]*)"')
_CLASS = re.compile(r'\sclass="([^"]*)"')
_TAGS = re.compile(r"<[^>]+>")
_FOOTER = '<div class="tz-footer">'
#: the links block of a page, from its start to its end (replaced as a whole when the index is written again)
_NAV_START, _NAV_END = '<nav class="tz-links"', "</nav>\n"
_MAIN = '<main class="tz-page">\n'
#: the report kinds a monthly ledger links to, and those that link back to it (notebook names)
MONTHLY = "monthly_ledger"
DISTRICT = "district_report"
COMPANIONS = ("monthly_brief", "data_quality")


@dataclass
class TocEntry:
    """One line of the table of contents: the heading's text and id, and the units under it."""

    text: str
    anchor: str
    units: list["TocEntry"] = field(default_factory=list)


_NOT_TEXT = re.compile(r'<a class="anchor-link".*?</a>|<span class="tz-sec">.*?</span>', re.S)


def _text(inner: str) -> str:
    """A heading's text without its ¶ anchor and its grey aside."""
    return html.unescape(_TAGS.sub("", _NOT_TEXT.sub("", inner))).strip()


def toc_entries(body: str) -> tuple[str, list[TocEntry]]:
    """The body with an id on every heading the table of contents names, and the entries (see module doc)."""
    top = "h2" if re.search(r"<h2[\s>]", body) else "h3"
    first_h2 = body.find("<h2")
    entries: list[TocEntry] = []
    used: set[str] = set()
    out, pos, n = [], 0, 0
    for m in _HEADING.finditer(body):
        tag, attrs, inner = m.group(1), m.group(2), m.group(3)
        css = (_CLASS.search(attrs) or [None, ""])[1].split()
        in_footer = body.startswith(_FOOTER, m.start() - len(_FOOTER))  # the footer opens with its heading
        is_unit = tag == "h3" and "tz-unit" in css and bool(entries)
        is_top = (tag == top or (tag == "h3" and 0 <= m.start() < first_h2) or in_footer) and not is_unit
        if not (is_unit or is_top):
            continue
        text = _text(inner)
        if not text:
            continue
        found = _ID.search(attrs)
        if found:
            anchor = found.group(1)
        else:
            n += 1
            while f"tz-s{n}" in used or f'id="tz-s{n}"' in body:  # never an id the page already has
                n += 1
            anchor = f"tz-s{n}"
            used.add(anchor)
            out += [body[pos:m.start()], f'<{tag} id="{anchor}"{attrs}>{inner}</{tag}>']
            pos = m.end()
        entry = TocEntry(text, anchor)
        (entries[-1].units if is_unit else entries).append(entry)
    out.append(body[pos:])
    return "".join(out), entries


def with_toc(body: str) -> str:
    """``body`` with its table of contents just before its first listed heading — under the report header
    and the first-page notices (sample mark, coverage, what-if), which stay the first thing read — or where
    the header marks it when the first heading comes before the mark; a body with fewer than two entries is
    returned unchanged."""
    from .html import environment

    body, entries = toc_entries(body)
    if len(entries) + sum(len(e.units) for e in entries) < 2:
        return body
    toc = environment().get_template("toc.html.j2").render(entries=entries)
    mark = body.find(TOC_MARK)
    first = body.find(f'id="{entries[0].anchor}"')
    at = body.rfind("<h", 0, first) if first >= 0 else -1
    if at > mark:  # the first heading comes after the header's mark (or there is no mark): the mark goes
        return body[:at].replace(TOC_MARK, "", 1) + toc + body[at:]
    if mark >= 0:
        return body.replace(TOC_MARK, toc, 1)
    return toc + body


def _href(page: Path, target: Path) -> str:
    return quote(Path(os.path.relpath(target, page.parent)).as_posix())


def page_links(entries: list[dict], base: Path) -> dict[Path, dict]:
    """For every report page listed in ``entries`` (index manifests, :func:`taizhang.render.index_entries`):
    the links it shows (``index``, ``items`` — (label, href) of the related plan reports — and ``units`` —
    (unit name, href) of the district reports)."""
    from .specs import SPECS

    base = Path(base)
    index = base / "index.html"
    groups: dict[tuple, list[dict]] = {}
    for d in entries:
        if (d.get("files") or {}).get("html"):
            groups.setdefault((d.get("plan") or "", d.get("period") or "", d.get("scenario") or ""), []).append(d)
    out: dict[Path, dict] = {}
    for members in groups.values():
        by_kind: dict[str, list[dict]] = {}
        for d in members:
            by_kind.setdefault(d.get("report", ""), []).append(d)
        for d in members:
            page = base / d["files"]["html"]
            kind = d.get("report", "")
            related = [MONTHLY] if kind != MONTHLY else list(COMPANIONS)
            if kind not in (MONTHLY, DISTRICT, *COMPANIONS):
                related = []
            items = [(SPECS[k].title if k in SPECS else k, _href(page, base / o["files"]["html"]))
                     for k in related for o in by_kind.get(k, [])]
            units = []
            if kind == MONTHLY:
                units = [(_unit_name(o), _href(page, base / o["files"]["html"])) for o in by_kind.get(DISTRICT, [])]
            out[page] = {"index": _href(page, index), "items": items, "units": units}
    return out


def predicted_links(job, base: Path, html_file: Path) -> str:
    """The links block ``job``'s page (``html_file`` under ``base``) will carry, from the related reports'
    pages that exist now (found where :class:`taizhang.render.Job` puts them), so that the index pass at
    the end of the run (:func:`refresh_links`, which decides) rarely has to rewrite a page."""
    from dataclasses import replace

    from ..render import safe_output_dir
    from ..targets import load_registry

    if job.notebook not in (MONTHLY, DISTRICT, *COMPANIONS):
        return links_markup({"index": _href(Path(html_file), Path(base) / "index.html"), "items": [], "units": []})
    plain = replace(job, unit="", notebook=MONTHLY)
    related = [replace(plain, notebook=k) for k in (MONTHLY, *COMPANIONS)]
    if job.notebook == MONTHLY:
        related += [replace(plain, notebook=DISTRICT, unit=u.id) for u in load_registry().unit_list(job.plan)]
    entries = []
    for j in related:
        page = Path(html_file) if j == job else safe_output_dir(base, *j.parts()) / f"{j.stem()}.html"
        if j == job or page.is_file():
            entries.append({"report": j.notebook, "plan": j.plan, "period": j.period, "scenario": j.what_if_tag(),
                            "unit": j.unit, "title": j.title(),
                            "files": {"html": Path(os.path.relpath(page, base)).as_posix()}})
    if not any(j == job for j in related):
        entries.append({"report": job.notebook, "plan": job.plan, "period": job.period, "scenario": job.what_if_tag(),
                        "unit": job.unit, "title": job.title(),
                        "files": {"html": Path(os.path.relpath(html_file, base)).as_posix()}})
    links = page_links(entries, base).get(Path(base) / Path(os.path.relpath(html_file, base)))
    return links_markup(links) if links else ""


def _unit_name(d: dict) -> str:
    """A district report's unit name: the title starts with it (``{unit_name} · {period} 单位台账…``)."""
    title = d.get("title", "")
    return title.split(" · ", 1)[0] if " · " in title else (d.get("unit") or title)


def links_markup(links: dict) -> str:
    """The links block of one page (:file:`links.html.j2`)."""
    from .html import environment

    return environment().get_template("links.html.j2").render(**links)


def refresh_links(entries: list[dict], base: Path) -> int:
    """Write each listed page's links block (replacing the one it has, or put at the top of the page); pages
    whose links are unchanged are not touched. Each page is rewritten atomically. Returns the pages written.

    Pages are handled as bytes (the block is found with ``bytes.find`` after the embedded font), so a run of
    100 district reports pays ~0.3 ms a page when nothing changed, not a decode of each 0.5 MB page."""
    written = 0
    start, end, main = _NAV_START.encode(), _NAV_END.encode(), _MAIN.encode()
    for page, links in page_links(entries, base).items():
        try:
            data = page.read_bytes()
        except OSError:  # listed but gone: the index lists only what its manifests name
            continue
        block = (links_markup(links) + "\n").encode("utf-8")
        at = data.find(start)
        if at >= 0:
            stop = data.find(end, at)
            if stop < 0:
                continue
            stop += len(end)
            new = data[:at] + block + data[stop:]
        else:
            at = data.find(main)
            if at < 0:
                continue
            at += len(main)
            new = data[:at] + block + data[at:]
        if new != data:
            atomic_write_bytes(page, new)
            written += 1
    return written
