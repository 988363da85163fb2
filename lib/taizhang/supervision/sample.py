"""The sample data carries the loop: month by month, units answer some items in their returns, the ledger
closes some by itself, the office closes one by hand, and what stays open escalates.

:func:`run_sample_loop` works on a store holding the sample returns (``taizhang sample`` + ``ingest``).
Before each month is processed, about one open item in three is answered in that month's return of its
unit: the sample return plus a filled 整改情况 sheet, written to ``answers_dir`` (never into the sample
folder) and ingested as the unit's next revision (same values). Answers are 已完成 (with 佐证材料) or
正在整改 (with a 预计完成日期), chosen by a hash, so the store is the same on every machine. In the
first month with 逾期未整改 items, the first of them is closed by hand with a reason. Months already processed are
skipped, so running it again changes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from ..atomic import atomic_write_bytes
from ..returns import period_end
from ..targets import Registry
from .answers import ANSWER_SHEET
from .items import RunResult, close_item, items_frame, runs_frame, supervise

BY = "样例数据"
MANUAL_REASON = "样例：经现场核查，整改已到位，同意销号"


def _h(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "little")


def _answer_file(src: Path, dest: Path, items, period: str) -> Path:
    """The sample return ``src`` plus a filled 整改情况 sheet, written to ``dest`` (fast: the sheets are read
    with the return reader and written directly as Office Open XML, like the sample returns themselves)."""
    from ..returns import open_grid, xlsx_bytes
    from .answers import ANSWER_COLUMNS

    grid = open_grid(src)
    end = period_end(period)
    rows: list[list] = [["督办事项整改情况"], ["样例数据：各单位的整改情况为程序生成"], list(ANSWER_COLUMNS)]
    for it in items.to_dict("records"):
        done = _h(it["id"], period, "done") % 2 == 0
        rows.append([it["id"], f"{it['title']}：{it['problem']}", it["deadline"], it.get("last_measures") or None,
                     f"已针对“{it['title']}”制定整改方案并落实（样例）", "已完成" if done else "正在整改",
                     end - timedelta(days=3) if done else end + timedelta(days=60),
                     f"整改材料_{it['id']}.pdf" if done else None])
    sheets = [(name, data) for name, data in grid.sheets.items() if name != ANSWER_SHEET] + [(ANSWER_SHEET, rows)]
    return atomic_write_bytes(dest, xlsx_bytes(sheets))


def run_sample_loop(registry: Registry, plan_id: str, store: Path, answers_dir: Path, last: str | None = None,
                    ) -> list[RunResult]:
    """Process every month of ``plan_id``'s returns in ``store`` (up to ``last``) with sample answers."""
    from ..store import ingest, submissions_frame

    store = Path(store)
    subs = submissions_frame(store, plan_id)
    current = subs[(subs["outcome"] == "accepted") & (subs["is_current"] == 1)]
    periods = sorted(p for p in set(current["period"]) if last is None or p <= last)
    done = set(runs_frame(store, plan_id)["period"])
    if not set(periods) - done:
        return []
    # the answers add revisions with the same values: the returns are read once, the ledger made per month
    from ..evaluate import evaluate
    from ..store import load_returnset

    returns = load_returnset(store, registry, plan_id)
    results: list[RunResult] = []
    manual_done = False
    for period in periods:
        if period in done:
            continue
        items = items_frame(store, plan_id)
        pick = items["id"].map(lambda i: _h(i, period) % 3 == 0).astype(bool)
        chosen = items[(items["state"] != "closed") & pick]
        files = []
        paths = dict(zip(zip(current["unit"], current["period"]), current["file"]))
        full = _source_paths(store, plan_id, period)
        for unit, mine in chosen.groupby("unit", sort=True):
            src = full.get(unit)
            if src is None or not Path(src).is_file():
                continue
            name = paths.get((unit, period)) or Path(src).name
            files.append(_answer_file(Path(src), Path(answers_dir) / name, mine, period))
        if files:
            ingest(files, store=store, registry=registry, plan_id=plan_id)
        results.append(supervise(store, registry, plan_id, period, by=BY,
                                 ledger=evaluate(registry, plan_id, returns, period)))
        if results[-1].changes["overdue"] and not manual_done:
            items = items_frame(store, plan_id)
            manual_done = bool((items["close_kind"] == "manual").any())
            if not manual_done:
                close_item(store, sorted(results[-1].changes["overdue"])[0], MANUAL_REASON, by=BY)
                manual_done = True
    return results


def _source_paths(store: Path, plan_id: str, period: str) -> dict[str, str]:
    """The path of the first accepted file of each unit for ``period`` (the sample return itself)."""
    from contextlib import closing

    from ..store import connect

    with closing(connect(store, create=False)) as con:
        rows = con.execute("SELECT unit, path FROM submissions WHERE plan = ? AND period = ? AND outcome = 'accepted' "
                           "ORDER BY id DESC", (plan_id, period)).fetchall()
    out: dict[str, str] = {}
    for unit, path in rows:  # oldest last: the original sample file wins
        out[unit] = path
    return out
