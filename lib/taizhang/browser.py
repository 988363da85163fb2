"""Headless Chromium driven over the DevTools protocol: A4 PDFs of report pages, and offline load checks.

Why Chromium and not WeasyPrint: the HTML is already laid out for a browser (flex tiles, inline SVG
charts, ``thead`` repeated on each printed page, ``@page`` size), Chromium renders the embedded CJK font
exactly as on screen and embeds it in the PDF, it is one Debian package (``chromium``) without Python
bindings to build, and one running browser prints a page in ~0.2–0.5 s, so a batch of 100 reports pays the
browser start once. WeasyPrint would need pango and ~1 s a page and lays out flex/SVG differently.

The browser is started with ``--remote-debugging-pipe`` (no TCP port, no websocket library) and every
network request except ``file:``/``data:`` is failed by a proxy that does not exist, so a page that tried
to reach the internet shows up as a failed request.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import atomic_path, atomic_write_bytes
from .errors import RenderError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
SETUP_HINT = "请先安装 Chromium（Debian：apt-get install chromium，或运行 make setup），或设置环境变量 TAIZHANG_CHROMIUM。"


def find_chromium() -> str:
    """The Chromium executable: ``$TAIZHANG_CHROMIUM`` or the first of :data:`CHROMIUM_NAMES` on PATH."""
    env = os.environ.get("TAIZHANG_CHROMIUM")
    if env:
        return env
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise RenderError("找不到 Chromium，无法生成 PDF。" + SETUP_HINT)


#: link target of the invisible marks that start each report in a joint print (see :meth:`Browser.print_pdf_split`)
PART_MARK_URL = "https://taizhang.invalid/part/"


def part_mark(index: int) -> str:
    """The mark that starts report ``index`` of a joint print: a 1-pixel link, absolutely positioned at the
    top-left corner of its part (so it changes no layout), that Chromium prints as a link annotation on the
    part's first page. The parts need ``position: relative``."""
    from .reports.html import environment

    return environment().get_template("part_mark.html.j2").render(mark_url=PART_MARK_URL, index=int(index))


def _part_marks(page) -> list[tuple[int, object]]:
    """``(report index, annotation)`` of every part mark on a pikepdf page."""
    import pikepdf

    found = []
    for annot in page.obj.get("/Annots", pikepdf.Array()):
        action = annot.get("/A") if isinstance(annot, pikepdf.Dictionary) else None
        uri = str(action.get("/URI", "")) if isinstance(action, pikepdf.Dictionary) else ""
        if uri.startswith(PART_MARK_URL) and uri[len(PART_MARK_URL):].isdigit():
            found.append((int(uri[len(PART_MARK_URL):]), annot))
    return found


@dataclass
class PageCheck:
    """What loading a page showed: failed requests, console errors, and values read from the DOM."""

    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    values: object = None


class Browser:
    """One headless Chromium process; use as a context manager. Not thread-safe: one caller at a time."""

    def __init__(self, timeout: float = 60.0, background: bool = False) -> None:
        """Start Chromium. ``background`` lowers its CPU priority (POSIX ``nice`` +10), so that printing fills
        the CPU time the notebooks leave idle instead of slowing down the notebooks behind it."""
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="taizhang-chromium-")
        exe = find_chromium()
        r_to_child, w_to_child = os.pipe()
        r_from_child, w_from_child = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4
        self._proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
             "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--allow-file-access-from-files",
             f"--user-data-dir={self._profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=_dup_fds(r_to_child, w_from_child, 10 if background else 0),
        )
        os.close(r_to_child)
        os.close(w_from_child)
        self._out = os.fdopen(w_to_child, "wb", buffering=0)
        self._in = os.fdopen(r_from_child, "rb", buffering=0)
        self._buf = b""
        self._id = 0
        self._events: list[dict] = []
        self._tab: tuple[str, str] | None = None
        self._frame: str | None = None  # the tab's main frame (its document is replaced for each print)

    # --------------------------------------------------------------------------------------- protocol
    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._out.write(json.dumps(msg).encode() + b"\0")
        want = self._id
        while True:
            reply = self._read()
            if reply.get("id") == want:
                if "error" in reply:
                    raise RenderError(f"Chromium 执行 {method} 失败：{reply['error'].get('message')}")
                return reply.get("result", {})
            self._events.append(reply)

    def _read(self) -> dict:
        timer = threading.Timer(self.timeout, self._proc.kill)
        timer.start()
        try:
            while b"\0" not in self._buf:
                chunk = self._in.read(1 << 20)
                if not chunk:
                    raise RenderError("Chromium 意外退出（或超时）。" + SETUP_HINT)
                self._buf += chunk
        finally:
            timer.cancel()
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def _wait_event(self, method: str, session: str) -> dict:
        while True:
            for i, ev in enumerate(self._events):
                if ev.get("method") == method and ev.get("sessionId") == session:
                    return self._events.pop(i)
            self._events.append(self._read())

    def _open(self, url: str) -> tuple[str, str]:
        """Navigate the browser's one tab to ``url`` and wait for the load event.

        The tab is created once and reused: a new tab costs a renderer process start (~0.5 s).
        """
        if self._tab is None:
            target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page.enable", "Network.enable", "Runtime.enable", "Log.enable"):
                self._send(domain, session=session)
            self._tab = (target, session)
        target, session = self._tab
        # straight from the previous page (whose load event has fired): a detour through about:blank cost
        # 0.04–0.1 s a report, measured on a district report (0.25 s load, 0.4 s print)
        self._events.clear()
        self._send("Page.navigate", {"url": url}, session=session)
        self._wait_event("Page.loadEventFired", session)
        return target, session

    def _load(self, html_file: Path) -> tuple[str, str]:
        """Put ``html_file`` (a self-contained page: styles, fonts and charts inline) into the tab to print it.

        Its text replaces the tab's document (``Page.setDocumentContent``) instead of a navigation: each
        navigation between two file pages made Chromium start a new renderer and compositor, about a quarter
        of a district report's print CPU. A ``<base>`` naming the file keeps relative links resolving as
        they would in the file itself.
        """
        if self._tab is None:
            self._open("about:blank")
            target, session = self._tab
            tree = self._send("Page.getFrameTree", session=session)
            self._frame = tree["frameTree"]["frame"]["id"]
        target, session = self._tab
        text = Path(html_file).read_text(encoding="utf-8")
        base = f'<base href="{html.escape(Path(html_file).resolve().as_uri(), quote=True)}">'
        head = re.search(r"<head[^>]*>", text, flags=re.I)
        text = text[:head.end()] + base + text[head.end():] if head else base + text
        self._events.clear()
        self._send("Page.setDocumentContent", {"frameId": self._frame, "html": text}, session=session)
        return target, session

    def _wait_for_fonts(self, session: str) -> None:
        """Lay the page out (that starts its web fonts' loads), then wait until every font has loaded."""
        self._send("Runtime.evaluate", {"expression": "document.body && document.body.offsetHeight, "
                                                      "document.fonts.ready.then(() => true)",
                                        "awaitPromise": True}, session=session)

    def _close(self, target: str) -> None:
        """Pages are not closed: the tab is reused for the next page."""

    def _print(self, html_file: Path, outline: bool = True) -> bytes:
        """Load ``html_file``, wait for its fonts and print it to A4 PDF bytes (CSS ``@page`` margins and margin
        boxes — the running header and page numbers of :mod:`taizhang.printing` —, no browser header/footer,
        untagged: a tagged PDF costs Chromium ~20 % more CPU). ``outline``: bookmarks per section and unit
        (:func:`taizhang.printing.add_outline`)."""
        import base64

        from .printing import MARK_HEADINGS, add_outline

        target, session = self._load(Path(html_file))
        try:
            self._wait_for_fonts(session)
            entries = []
            if outline:
                entries = self._send("Runtime.evaluate", {"expression": MARK_HEADINGS, "returnByValue": True},
                                     session=session).get("result", {}).get("value") or []
            result = self._send("Page.printToPDF", {
                "paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True, "preferCSSPageSize": True,
                "displayHeaderFooter": False, "generateDocumentOutline": False, "generateTaggedPDF": False,
            }, session=session)
        finally:
            self._close(target)
        data = base64.b64decode(result["data"])
        return add_outline(data, entries) if entries else data

    # --------------------------------------------------------------------------------------- public
    def print_pdf(self, html_file: Path, pdf_file: Path) -> Path:
        """Print ``html_file`` to an A4 PDF (CSS ``@page`` margins, no browser header/footer), atomically."""
        return atomic_write_bytes(pdf_file, self._print(html_file))

    def print_pdf_split(self, html_file: Path, outputs: list[tuple[Path, str]]) -> list[Path]:
        """Print ``html_file`` (several reports, report *k* starting on a new page with :func:`part_mark` ``(k)``)
        once and split it into ``outputs`` (``(pdf path, title)`` in document order), each written atomically.

        The split points are the pages carrying the part marks (link annotations, removed from the output).
        When the marks are not one per report, in order, starting on page 1, the document cannot be split
        safely and a :class:`RenderError` is raised (nothing written).
        """
        import io

        import pikepdf

        joint = pikepdf.open(io.BytesIO(self._print(html_file, outline=False)))
        starts: dict[int, int] = {}
        for i, page in enumerate(joint.pages):
            marks = _part_marks(page)
            for index, _ in marks:
                starts.setdefault(index, i)
            if marks:
                gone = {m.objgen for _, m in marks}
                kept = pikepdf.Array([a for a in page.obj.Annots if a.objgen not in gone])
                if len(kept):
                    page.obj.Annots = kept
                else:
                    del page.obj["/Annots"]
        pages = [starts.get(k, -1) for k in range(len(outputs))]
        if (len(starts) != len(outputs) or not pages or pages[0] != 0
                or any(b <= a for a, b in zip(pages, pages[1:]))):
            raise RenderError(f"合并打印的 PDF 无法按报告拆分（各报告起始页 {pages}，报告 {len(outputs)} 份）。")
        ends = pages[1:] + [len(joint.pages)]
        info = {k: v for k, v in joint.docinfo.items() if k in ("/Creator", "/Producer", "/CreationDate", "/ModDate")}
        written = []
        for (pdf_file, title), a, b in zip(outputs, pages, ends):
            part = pikepdf.new()
            part.pages.extend(joint.pages[a:b])
            for key, value in info.items():
                part.docinfo[key] = value
            part.docinfo["/Title"] = title
            pdf_file = Path(pdf_file)
            with atomic_path(pdf_file) as tmp:
                part.save(tmp)
            written.append(pdf_file)
        return written

    def check_page(self, html_file: Path, expression: str = "null") -> PageCheck:
        """Load ``html_file`` with the network blocked; report failed requests, console errors, and ``expression``."""
        target, session = self._load(Path(html_file))
        try:
            self._wait_for_fonts(session)
            value = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                               session=session).get("result", {}).get("value")
        finally:
            self._close(target)
        check = PageCheck(values=value)
        urls: dict[str, str] = {}
        for ev in self._events:
            if ev.get("sessionId") != session:
                continue
            method, params = ev.get("method"), ev.get("params", {})
            if method == "Network.requestWillBeSent":
                urls[params["requestId"]] = params["request"]["url"][:120]
            elif method == "Network.loadingFailed":
                check.failed_requests.append(f"{urls.get(params['requestId'], '?')}: {params.get('errorText')}")
            elif method == "Network.responseReceived" and params["response"].get("status", 200) >= 400:
                check.failed_requests.append(f"{params['response']['url'][:120]}: HTTP {params['response']['status']}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                check.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                check.console_errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                check.console_errors.append(params["entry"].get("text", ""))
        self._events = [ev for ev in self._events if ev.get("sessionId") != session]
        return check

    def view(self, html_file: Path, width: int, expression: str = "null", screenshot: Path | None = None,
             height: int = 844, scale: float = 1.0):
        """Load ``html_file`` in a screen ``width`` × ``height`` CSS pixels wide (a phone: 390 × 844, scaled by
        ``scale``, mobile viewport rules on), evaluate ``expression`` and return its value; ``screenshot``
        writes a PNG of the whole page. The viewport is reset afterwards, so later prints are unaffected."""
        import base64

        target, session = self._open("about:blank")
        self._send("Emulation.setDeviceMetricsOverride", {"width": int(width), "height": int(height),
                                                          "deviceScaleFactor": scale, "mobile": True},
                   session=session)
        try:
            self._send("Page.navigate", {"url": Path(html_file).resolve().as_uri()}, session=session)
            self._wait_event("Page.loadEventFired", session)
            self._send("Runtime.evaluate", {"expression": "document.fonts.ready.then(() => true)",
                                            "awaitPromise": True}, session=session)
            value = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                               session=session).get("result", {}).get("value")
            if screenshot is not None:
                shot = self._send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                                  session=session)
                Path(screenshot).write_bytes(base64.b64decode(shot["data"]))
        finally:
            self._send("Emulation.clearDeviceMetricsOverride", session=session)
        return value

    def close(self) -> None:
        try:
            self._send("Browser.close")
        except (RenderError, OSError, ValueError):
            pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for fh in (self._out, self._in):
            try:
                fh.close()
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _dup_fds(read_fd: int, write_fd: int, nice: int = 0):
    def setup() -> None:  # runs in the child between fork and exec
        r, w = os.dup(read_fd), os.dup(write_fd)  # above 4, so neither dup2 below clobbers the other
        os.dup2(r, 3)
        os.dup2(w, 4)
        if nice:
            os.nice(nice)  # inherited by Chromium's renderer and utility processes

    return setup
