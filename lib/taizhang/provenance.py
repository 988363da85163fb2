"""Which data files fed a month's judgement, and one digest of that list (the PDF's data note, the Excel
provenance sheet and the JSON manifest all read it from here)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

#: the sample generator's stamp in each folder it writes: the SHA-256 and name of every sample return
SAMPLE_DIGESTS = ".sample-digests"


def stamped_digests(folder: Path) -> frozenset[str]:
    """The SHA-256 the sample generator stamped in ``folder`` (its :data:`SAMPLE_DIGESTS` file), none when
    there is no stamp."""
    stamp = Path(folder) / SAMPLE_DIGESTS
    try:
        text = stamp.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return frozenset()
    return frozenset(line.split()[0] for line in text.splitlines() if line.strip())


def fed_files(files: pd.DataFrame, period: str) -> pd.DataFrame:
    """The rows of a return set's ``files`` whose month is ``period`` or earlier (files of later months did
    not feed the month's judgement), sorted by file name."""
    if files is None or files.empty:
        return pd.DataFrame(columns=list(files.columns) if files is not None else ["file", "sha256", "unit", "period"])
    out = files[files["period"].astype(str) <= str(period)] if period else files
    return out.sort_values(["file", "sha256"], ignore_index=True)


def files_digest(files: pd.DataFrame) -> str:
    """A SHA-256 over the list's ``file`` and ``sha256`` pairs (order-free): one value that names the data."""
    h = hashlib.sha256()
    for name, sha in sorted(zip(files["file"].astype(str), files["sha256"].astype(str))):
        h.update(f"{name}\0{sha}\n".encode())
    return h.hexdigest()


def data_as_of(files: pd.DataFrame) -> str:
    """The date (YYYY-MM-DD) the latest of ``files`` was received, or "" when the source does not record it."""
    if "received" not in files.columns or files.empty:
        return ""
    got = [str(v)[:10] for v in files["received"] if isinstance(v, str) and v]
    return max(got) if got else ""


def file_records(files: pd.DataFrame) -> list[dict]:
    """The list as JSON-friendly records (file, sha256, unit, period and, from a store, revision, received)."""
    cols = [c for c in ("file", "sha256", "unit", "period", "revision", "received") if c in files.columns]
    return [{c: (None if pd.isna(v) else (int(v) if c == "revision" else str(v))) for c, v in zip(cols, row)}
            for row in files[cols].itertuples(index=False)]
