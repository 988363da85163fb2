"""Text made safe where it is written: terminal lines, messages and workbook cells.

A file name or a cell can carry anything: ANSI escape sequences that recolour or rewrite the operator's
terminal, control characters that XML (and so every .xlsx) cannot hold, a leading ``=`` that a spreadsheet
would run as a formula, or a name too long for the file system once a suffix is added. This module owns the
three rules, and imports nothing of ours:

* :func:`visible` — control characters (C0, DEL, C1, and the bidirectional overrides that reorder what is
  shown) become visible escapes such as ``\\x1b``; tab and newline stay. Used for every message and every
  terminal line built from input.
* :func:`cell_text` — :func:`visible`, then a text that a spreadsheet would read as a formula (``=``, ``+``,
  ``-``, ``@`` first) is still written as text by the caller (see :func:`looks_like_formula`).
* :func:`short_name` — a file-name stem shortened on a character boundary to a byte budget, with a short
  digest of the full name so two long names never collide.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidi controls (a name shown
# right-to-left can pretend to end in .xlsx)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
_NAME_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069/\\\\:*?\"<>|]")
_FORMULA_START = ("=", "+", "-", "@")


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character shown as a visible escape (``\\x07``, ``\\x1b``, ``\\u202e``)."""
    text = text if isinstance(text, str) else str(text)
    return (_visible(text) if len(text) <= 300 else _CONTROL.sub(_escape, text)) if _CONTROL.search(text) else text


@lru_cache(maxsize=4096)
def _visible(text: str) -> str:
    return _CONTROL.sub(_escape, text)


def one_line(text: str) -> str:
    """:func:`visible`, with tabs and line breaks shown as escapes too (a terminal line, a log field)."""
    return visible(text).replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula if it were written as a plain value."""
    return isinstance(text, str) and text.startswith(_FORMULA_START)


def cell_text(text) -> str:
    """Text for a workbook cell: control characters made visible (XML cannot hold them). The caller writes
    it as a string cell, never as a formula (openpyxl: ``data_type = "s"``; XlsxWriter: ``write_string``)."""
    return visible(text if isinstance(text, str) else str(text))


def short_name(stem: str, max_bytes: int = 120) -> str:
    """``stem`` safe as a file-name part: unsafe characters replaced by ``_``, and, when longer than
    ``max_bytes`` in UTF-8, cut on a character boundary and followed by ``~`` and 8 hex digits of its digest."""
    safe = _NAME_UNSAFE.sub("_", stem).strip(" .") or "_"
    if len(safe.encode("utf-8")) <= max_bytes:
        return safe
    digest = hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    budget = max_bytes - 9
    out = safe.encode("utf-8")[:budget].decode("utf-8", "ignore")
    return f"{out}~{digest}"
