"""Sample returns generated outside ``inputs/sample`` (``taizhang sample --out``) are still sample data:
a store that ingested them, and a report from that store or that folder, say so — also after the
generator's stamp is gone. A report never looks normal when its ground is sample data."""

from __future__ import annotations

import shutil

from taizhang.cli import main
from taizhang.provenance import SAMPLE_DIGESTS
from taizhang.source import SAMPLE_MARK, DataSource
from taizhang.store import sample_digests

PLAN = "artux"


def _sample(tmp_path):
    out = tmp_path / "elsewhere"
    assert main(["sample", "--plan", PLAN, "--out", str(out)]) == 0
    folder = next(p.parent for p in out.rglob(SAMPLE_DIGESTS))
    return folder


def test_a_store_remembers_sample_returns_ingested_from_another_folder(tmp_path, registry, monkeypatch):
    import taizhang.source

    monkeypatch.setattr(taizhang.source, "sample_digests", frozenset)  # a project without inputs/sample
    folder = _sample(tmp_path)
    store = tmp_path / "s.sqlite"
    main(["ingest", str(folder), "--store", str(store), "-q"])
    source = DataSource.of(PLAN, None, store)
    returns = source.load(registry, PLAN)
    assert len(returns.files) > 0
    assert source.sample_files(returns) == len(returns.files)
    shutil.rmtree(folder)  # the stamp is gone: the store still knows
    assert len(sample_digests(store)) == len(returns.files)
    assert DataSource.of(PLAN, None, store).sample_files(returns) == len(returns.files)


def test_a_folder_of_sample_returns_is_sample_data_and_its_report_says_so(tmp_path, registry, monkeypatch):
    import taizhang.source

    monkeypatch.setattr(taizhang.source, "sample_digests", frozenset)  # a project without inputs/sample
    folder = _sample(tmp_path)
    source = DataSource.of(PLAN, folder, None)
    returns = source.load(registry, PLAN)
    assert source.sample_files(returns) == len(returns.files) > 0
    out = tmp_path / "reports"
    assert main(["run", "--plan", PLAN, "--inputs", str(folder), "--formats", "html", "--out", str(out)]) == 0
    (page,) = [p for p in out.rglob("*.html") if p.name != "index.html"]
    assert "样例" in page.name and SAMPLE_MARK in page.read_text(encoding="utf-8")


def test_returns_the_generator_did_not_write_are_not_called_sample(tmp_path, registry):
    from taizhang.returns import write_return

    folder = tmp_path / "real"
    folder.mkdir()
    unit = registry.unit_list(PLAN)[0]
    write_return(folder / f"{unit.name}_2025-12.xlsx", registry, PLAN, unit.name, "2025-12",
                 {f: 1.0 for f in registry.return_fields(PLAN)})
    store = tmp_path / "s.sqlite"
    main(["ingest", str(folder), "--store", str(store), "-q"])
    source = DataSource.of(PLAN, None, store)
    returns = source.load(registry, PLAN)
    assert len(returns.files) == 1 and source.sample_files(returns) == 0 and sample_digests(store) == frozenset()
