"""Property-based fuzz test: whatever bytes, zip members, XML, cells or name a file has, ingest gives it
exactly one logged outcome, never a traceback, never an uncoded problem or a raw control character in a
message, and stays within a bounded amount of memory (the process's peak resident memory, Rust parser
included, measured per input). The long campaign is ``bench/fuzz_ingest.py``."""

from __future__ import annotations

import random
from contextlib import closing
from datetime import date

import pytest
from fuzz_returns import mutate_bytes, mutate_members, mutate_xml, seeds, variant
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taizhang.returns import PROBLEM_MESSAGES
from taizhang.safetext import visible
from taizhang.store import connect, ingest_file

MAX_PEAK_MB = 300


def _kb(key: str) -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key + ":"))


def _reset_peak() -> int:
    with open("/proc/self/clear_refs", "w") as fh:  # Linux: reset the peak resident memory (VmHWM)
        fh.write("5")
    return _kb("VmRSS")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    with closing(connect(folder / "s.sqlite")) as con:
        yield folder, con


_count = iter(range(10**9))


def _ingest_once(store, registry, name: str, data: bytes):
    folder, con = store
    sub = folder / f"{next(_count):06d}"
    sub.mkdir()
    path = sub / name
    path.write_bytes(data)
    base = _reset_peak()
    res = ingest_file(con, path, registry, today=date(2026, 1, 15), feedback_dir=folder / "fb")
    peak_mb = (_kb("VmHWM") - base) / 1024
    assert res.outcome in ("accepted", "rejected", "unchanged")
    assert res.file == path
    if res.outcome == "rejected":
        assert res.problems
    for p in res.problems:
        assert p.code in PROBLEM_MESSAGES and p.code != "file.unexpected", str(p)
        assert visible(str(p)) == str(p), repr(str(p))
    assert peak_mb < MAX_PEAK_MB, peak_mb
    logged = con.execute("SELECT COUNT(*) FROM submissions WHERE path = ?", (str(path),)).fetchone()[0]
    assert logged == (0 if res.outcome == "unchanged" else 1)  # one logged outcome (an unchanged file is logged before)
    return res


FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


@FUZZ
@given(rng=st.randoms(use_true_random=False))
def test_any_variant_gets_exactly_one_outcome(store, registry, rng):
    name, data, _level = variant(rng)
    _ingest_once(store, registry, name, data)


@FUZZ
@given(rng=st.randoms(use_true_random=False), level=st.sampled_from(["bytes", "members", "xml"]))
def test_any_damaged_workbook_gets_exactly_one_outcome(store, registry, rng, level):
    data = seeds()[0][1]
    data = {"bytes": mutate_bytes, "members": mutate_members, "xml": mutate_xml}[level](rng, data)
    _ingest_once(store, registry, "临河区_2024-06.xlsx", data)


def test_the_same_input_twice_is_judged_the_same(store, registry):
    rng = random.Random(5)
    for _ in range(30):
        name, data, _ = variant(rng)
        first = _ingest_once(store, registry, name, data)
        folder, con = store
        again = ingest_file(con, first.file, registry, today=date(2026, 1, 15), feedback_dir=folder / "fb")
        assert again.outcome == "unchanged"
        assert [str(p) for p in again.problems] == [str(p) for p in first.problems]


def test_store_stays_sound_after_fuzzing(store):
    _folder, con = store
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM problems p LEFT JOIN submissions s ON s.id = p.submission_id "
                       "WHERE s.id IS NULL").fetchone()[0] == 0


@FUZZ
@given(rng=st.randoms(use_true_random=False))
def test_the_quick_sheet_check_never_hides_what_the_full_scan_finds(rng):
    import io
    import zipfile

    from taizhang.returns import ReturnRejected
    from taizhang.returns.reader import _nothing_to_note, _scan_stream, _scan_tree, _SheetFacts

    data = mutate_xml(rng, seeds()[0][1])
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    styles = frozenset({2})
    if not _nothing_to_note(xml, styles):
        return
    for scan in (_scan_tree, _scan_stream):
        facts = _SheetFacts("f.xlsx", "", "指标", styles)
        try:
            scan(facts, "xl/worksheets/sheet1.xml", xml)
        except ReturnRejected as exc:
            assert exc.problems[0].code in ("xml.malformed", "xml.dtd"), exc.problems  # calamine refuses these too
            continue
        assert facts.result() == (frozenset(), {}, frozenset())
