"""`taizhang targets list` and the Excel export show target kinds (and the other registry codes) as the
Chinese labels the reports use (taizhang.targets.KIND_LABELS …); --kind takes the code or the label; the CSV
export keeps its documented codes."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from taizhang.cli import main
from taizhang.targets import KIND_LABELS, LEVEL_LABELS, export_frame


def _listed(capsys, *argv):
    """The rows printed, without the header line (tests/test_targets_list_header.py)."""
    assert main(["targets", "list", *argv]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.startswith("目标编号\t")
    return [line.split("\t") for line in rows]


def test_list_shows_the_chinese_kind_labels(capsys, registry):
    rows = _listed(capsys, "--plan", "bayannur")
    frame = export_frame(registry, "bayannur")
    assert [r[0] for r in rows] == list(frame["target_id"])
    assert [r[2] for r in rows] == [KIND_LABELS[k] for k in frame["kind"]]
    assert {r[2] for r in rows} == {"量化指标", "常态化任务", "节点任务"}
    assert not any(code in line for r in rows for line in r for code in KIND_LABELS)


def test_kind_filter_takes_the_code_or_the_chinese_label(capsys):
    by_code = _listed(capsys, "--plan", "bayannur", "--kind", "milestone")
    assert by_code and by_code == _listed(capsys, "--plan", "bayannur", "--kind", "节点任务")
    assert {r[2] for r in by_code} == {"节点任务"}
    assert main(["targets", "list", "--kind", "任务"]) == 2
    assert "quantitative（量化指标）、recurring（常态化任务）、milestone（节点任务）" in capsys.readouterr().err


def test_excel_export_shows_labels_csv_keeps_codes(tmp_path, capsys, registry):
    out = tmp_path / "目标清单.xlsx"
    assert main(["targets", "export", "--format", "xlsx", "--plan", "bayannur", "--out", str(out)]) == 0
    ws = load_workbook(out)["目标清单"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    frame = export_frame(registry, "bayannur")
    assert [r["类别"] for r in rows] == [KIND_LABELS[k] for k in frame["kind"]]
    assert {r["层级"] for r in rows} <= {"、".join(LEVEL_LABELS[x] for x in v.split(",")) for v in frame["level"]}
    assert all(r["比较"] in (None, "", "≥", "≤", "=") for r in rows)
    capsys.readouterr()
    assert main(["targets", "export", "--format", "csv", "--plan", "bayannur"]) == 0
    csv_rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    assert [r["kind"] for r in csv_rows] == list(frame["kind"])
