"""`taizhang targets list` prints one Chinese header line naming its columns (the Excel export's headers),
tab-separated like the rows, before the rows; the CSV export keeps its documented columns."""

from __future__ import annotations

import csv
import io

from taizhang.cli import main
from taizhang.targets import EXPORT_COLUMNS, KIND_LABELS, export_frame


def _out(capsys, *argv) -> list[str]:
    assert main(["targets", "list", *argv]) == 0
    return capsys.readouterr().out.splitlines()


def test_header_names_each_column_and_precedes_the_rows(capsys, registry):
    header, *rows = _out(capsys, "--plan", "bayannur")
    assert header.split("\t") == ["目标编号", "章节", "类别", "期限", "目标"]
    frame = export_frame(registry, "bayannur")
    assert len(rows) == len(frame) and rows
    cells = [r.split("\t") for r in rows]
    assert all(len(c) == 5 for c in cells)  # as many tab-separated columns as the header
    # each header names what its column holds
    by_head = dict(zip(header.split("\t"), zip(*cells)))
    assert list(by_head["目标编号"]) == list(frame["target_id"])
    assert list(by_head["章节"]) == list(frame["section"])
    assert list(by_head["类别"]) == [KIND_LABELS[k] for k in frame["kind"]]
    assert list(by_head["期限"]) == [d or "期限未明确" for d in frame["deadline"]]
    assert list(by_head["目标"]) == list(frame["title"])
    assert "目标编号" not in {c[0] for c in cells}  # the header once, first


def test_header_also_on_a_filtered_list_and_csv_columns_unchanged(capsys):
    header, *rows = _out(capsys, "--plan", "bayannur", "--kind", "节点任务")
    assert header == "目标编号\t章节\t类别\t期限\t目标"
    assert rows and {r.split("\t")[2] for r in rows} == {"节点任务"}
    assert main(["targets", "export", "--format", "csv", "--plan", "bayannur"]) == 0
    reader = csv.reader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff")))
    assert next(reader) == EXPORT_COLUMNS
