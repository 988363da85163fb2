"""Writing a file atomically: readers see the old file or the whole new one, never a partial file.

The one owner of the temporary-name-then-rename pattern: every module that writes an output file does it with
:func:`atomic_path` (or :func:`atomic_write_bytes` / :func:`atomic_write_text`), never with its own rename.

The temporary file lives in the final file's folder (a rename within one file system is atomic) and is named
``.<name>.<pid>.<random>.tmp``: hidden, unique per writer, and ending in ``.tmp`` so that no scan of the folder
(``*.xlsx``, ``*.report.json``, ``*.yaml`` …) takes it for an output. None of the writers used with it
(XlsxWriter, openpyxl, python-docx, pikepdf) needs the final suffix.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def temp_name(final: Path) -> Path:
    """A fresh temporary path next to ``final`` (see module docstring); nothing is created."""
    return final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


@contextmanager
def atomic_path(final: Path | str) -> Iterator[Path]:
    """Yield a temporary path to write; when the block ends normally it replaces ``final`` (``os.replace``).

    On any exception the temporary file is removed and ``final`` is left as it was. ``final``'s folder is
    created when missing. The block must create the temporary file.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(final)
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(final: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``final`` atomically; return ``final`` as a Path."""
    final = Path(final)
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)
    return final


def atomic_write_text(final: Path | str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``final`` atomically (UTF-8 unless told); return ``final`` as a Path."""
    final = Path(final)
    with atomic_path(final) as tmp:
        tmp.write_text(text, encoding=encoding)
    return final
