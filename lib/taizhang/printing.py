"""Print-grade PDF furniture: the running header, "第 X 页 共 Y 页" and the outline (bookmarks).

* The running header and the page numbers are CSS page-margin boxes (``@page { @top-left {…} }``), generated
  per report by :func:`page_css` and put into the report's stylesheet, so the HTML printed from a browser
  carries them too. They are set in the report's embedded font, so the characters they use are part of the
  font subset (:data:`FURNITURE_CHARS`). The sample mark of a report on sample data
  (:data:`taizhang.source.SAMPLE_MARK`) is the header's right-hand side: on every page, clear of the content
  (the page's own running element is shown on screen only, see ``report.css``).
* The outline: before printing, :data:`MARK_HEADINGS` inserts an invisible 1-pixel link at the start of every
  section heading (``h2``) and sub-heading (``h3``: a subsection or a unit's name); Chromium prints each as a
  link annotation on the page where the heading landed, and :func:`add_outline` turns those into bookmarks
  (level 1: sections, level 2: subsections and units, level 3: :data:`SUBHEADING` headings; an entry nests
  in the nearest entry of a lower level before it, else it is top-level) and removes the links. This costs a few milliseconds,
  where Chromium's own ``generateDocumentOutline`` needs a tagged PDF (~20 % more print CPU).
"""

from __future__ import annotations

import io
import json
import re

#: link target of the marks that place the outline's entries (never a real address: ``.invalid``)
OUTLINE_MARK_URL = "https://taizhang.invalid/outline/"
#: characters the page furniture shows besides the header text (always in the font subset)
FURNITURE_CHARS = "第页共0123456789 ·"

#: css class of an h3 one level below the h3 before it (the brief's headings under "本月简报")
SUBHEADING = "tz-subhead"
#: JavaScript run in the loaded page before printing: marks each heading of the outline and returns
#: ``[[level, title], …]`` in document order (the mark of entry k links to OUTLINE_MARK_URL + k)
MARK_HEADINGS = """(() => {
  const out = [];
  const heads = document.querySelectorAll("main h2, main h3");
  for (const h of heads) {
    if (h.closest(".tz-metric")) continue;  // a chart's title: the section's bookmark leads there
    const copy = h.cloneNode(true);
    copy.querySelectorAll(".anchor-link, .tz-sec").forEach((e) => e.remove());  // nbconvert's "¶", section notes
    const title = copy.textContent.replace(/\\s+/g, " ").trim();
    if (!title) continue;
    const a = document.createElement("a");
    a.href = %s + out.length;
    a.setAttribute("aria-hidden", "true");
    a.style.cssText = "display:inline-block;width:1px;height:1px;vertical-align:top;margin-right:-1px";
    h.insertBefore(a, h.firstChild);
    out.push([h.tagName === "H2" ? 1 : h.classList.contains(%s) ? 3 : 2, title]);
  }
  return out;
})()""" % (json.dumps(OUTLINE_MARK_URL), json.dumps(SUBHEADING))

_RUNNING = re.compile(r'class="tz-running[^"]*">([^<]+)<')


def css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes, backslashes and line breaks escaped)."""
    body = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\r\n]+", " ", body) + '"'


def running_mark(body: str) -> str:
    """The running mark the report's body carries (the sample mark), "" when it has none."""
    found = _RUNNING.search(body)
    return found.group(1).strip() if found else ""


def page_css(header: str, mark: str = "", family: str = "") -> str:
    """The ``@page`` margin boxes of a report: ``header`` top left (plan · month · report kind), ``mark`` top
    right in red (the sample mark), "第 X 页 共 Y 页" centred at the bottom; in ``family`` (the embedded font)."""
    font = f"font-family: {css_string(family)}, sans-serif; " if family else ""
    box = f"{font}font-size: 8.5px; color: #5f6368; vertical-align: bottom; padding-bottom: 2mm;"
    rules = [f"@top-left {{ content: {css_string(header)}; {box} }}"]
    if mark:
        rules.append(f"@top-right {{ content: {css_string(mark)}; {box} color: #c0392b; font-weight: 400; }}")
    rules.append(f'@bottom-center {{ content: "第 " counter(page) " 页 共 " counter(pages) " 页"; '
                 f"{font}font-size: 8.5px; color: #5f6368; vertical-align: top; padding-top: 2mm; }}")
    return "@page { " + " ".join(rules) + " }"


def add_outline(data: bytes, entries: list) -> bytes:
    """``data`` (a PDF printed after :data:`MARK_HEADINGS` returned ``entries``) with an outline built from the
    marks' positions and the marks removed. Entries whose mark did not print are left out."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(data))
    where: dict[int, tuple[int, float]] = {}
    for number, page in enumerate(pdf.pages):
        annots = page.obj.get("/Annots")
        if annots is None:
            continue
        kept = pikepdf.Array()
        for annot in annots:
            action = annot.get("/A") if isinstance(annot, pikepdf.Dictionary) else None
            uri = str(action.get("/URI", "")) if isinstance(action, pikepdf.Dictionary) else ""
            tail = uri[len(OUTLINE_MARK_URL):]
            if uri.startswith(OUTLINE_MARK_URL) and tail.isdigit():
                rect = [float(v) for v in annot.get("/Rect", [0, 0, 0, 0])]
                where.setdefault(int(tail), (number, max(rect[1], rect[3]) + 14))
            else:
                kept.append(annot)
        if len(kept):
            page.obj.Annots = kept
        else:
            del page.obj["/Annots"]
    if where:
        from pikepdf import OutlineItem

        with pdf.open_outline() as outline:
            open_items: list[tuple[int, object]] = []  # (level, item): the entries a deeper one may nest in
            for k, (level, title) in enumerate(entries):
                if k not in where:
                    continue
                number, top = where[k]
                item = OutlineItem(str(title), number, "XYZ", top=top)
                while open_items and open_items[-1][0] >= level:
                    open_items.pop()
                (open_items[-1][1].children if open_items else outline.root).append(item)
                open_items.append((level, item))
        pdf.Root.PageMode = pikepdf.Name.UseOutlines  # viewers open with the bookmarks shown
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def running_header(job) -> str:
    """The running header of a report (a :class:`taizhang.render.Job`): plan short name, unit, month and
    report kind, e.g. "巴彦淖尔市 · 2025年12月 · 目标进展台账"; a what-if run adds its label."""
    from .report import what_if_label
    from .targets import load_registry

    reg = load_registry()
    parts = []
    if job.plan:
        parts.append(reg.short_name(job.plan))
        unit = reg.find_unit(job.plan, job.unit) if job.unit else None
        if job.unit:
            parts.append(unit.name if unit is not None else job.unit)
    if job.metric:
        parts.append(reg.metrics[job.metric].name)
    if job.period:
        from .kernel.months import Month

        parts.append(Month.parse(job.period).chinese)
    parts.append(job.spec.title)
    label = what_if_label(job.scenario, job.assume)
    return " · ".join(parts + ([label] if label else []))
