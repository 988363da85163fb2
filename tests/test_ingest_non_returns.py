"""Files that are not returns (README.md, .txt, .docx, .pdf, Excel lock files) sent along with the returns:
each gets one 跳过 line, is never rejected, gets no 退回修改清单, never creates or touches the store and does
not change the exit code; a folder or file with no return at all is a usage error (exit 2) and creates no store."""

from __future__ import annotations

import shutil
import sqlite3

from taizhang.cli import main
from taizhang.project import project_root
from taizhang.returns import write_return
from taizhang.store import ingest

BAD = project_root() / "tests" / "fixtures" / "returns" / "bad" / "negative_count" / "临河区_2024-06.xlsx"
FORMATS = "（报表应为 .xlsx、.xlsm 或 .csv）"


def _good(registry, folder, unit="临河区"):
    folder.mkdir(parents=True, exist_ok=True)
    values = {f: 100.0 if (registry.fields[f].max or 200) >= 100 else registry.fields[f].max // 2
              for f in registry.return_fields("bayannur")}
    values.update(required_items=800.0, entered_items=790.0, one_window_items=700.0, total_items=900.0)
    return write_return(folder / f"{unit}_2024-06.xlsx", registry, "bayannur", unit, "2024-06", values)


def _others(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text("# 说明", encoding="utf-8")
    (folder / "说明.txt").write_text("不是报表", encoding="utf-8")
    (folder / "通知.docx").write_bytes(b"PK\x03\x04 not really a docx")
    (folder / "佐证材料.pdf").write_bytes(b"%PDF-1.4")
    (folder / "~$临河区_2024-06.xlsx").write_bytes(b"\x00" * 165)  # the lock file Excel leaves while open
    return {"README.md": FORMATS, "说明.txt": FORMATS, "通知.docx": FORMATS, "佐证材料.pdf": FORMATS,
            "~$临河区_2024-06.xlsx": "是 Excel 打开文件时生成的临时文件，不是报表文件"}


def _feedback(tmp_path):
    return sorted(p.name for p in tmp_path.rglob("*退回修改清单*") if p.is_file())


def test_non_returns_beside_returns_get_one_skip_line_each_and_no_rejection(tmp_path, registry, capsys):
    folder = tmp_path / "in"
    _good(registry, folder)
    others = _others(folder)
    store = tmp_path / "s.sqlite"
    assert main(["ingest", str(folder), "--store", str(store)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    for name, reason in others.items():
        said = [line for line in lines if name in line]
        assert said == [f"跳过：{name} {reason}" if reason != FORMATS else f"跳过：{name} 不是报表文件{FORMATS}"], said
    assert "退回" not in out and "跳过 5 个非报表文件" in err
    assert _feedback(tmp_path) == []
    con = sqlite3.connect(store)
    assert con.execute("SELECT file, outcome FROM submissions").fetchall() == [("临河区_2024-06.xlsx", "accepted")]
    con.close()


def test_non_returns_do_not_change_the_exit_code_of_a_rejection(tmp_path, registry, capsys):
    folder = tmp_path / "in"
    _others(folder)
    shutil.copy(BAD, folder / "临河区_2024-06.xlsx")
    assert main(["ingest", str(folder), "--store", str(tmp_path / "s.sqlite")]) == 1
    assert _feedback(tmp_path) == ["临河区_2024-06_退回修改清单.xlsx"]  # the bad return's only


def test_folder_without_any_return_is_a_usage_error_and_creates_no_store(tmp_path, capsys):
    folder = tmp_path / "in"
    others = _others(folder)
    store = tmp_path / "db" / "s.sqlite"
    assert main(["ingest", str(folder), "--store", str(store)]) == 2
    out, err = capsys.readouterr()
    assert [line.split(" ")[0] for line in out.splitlines()] == [f"跳过：{n}" for n in sorted(others)]
    assert f"错误：{folder} 中没有报表文件{FORMATS}，未导入任何文件，也未创建或修改数据库。" in err
    assert not store.exists() and not store.parent.exists() and _feedback(tmp_path) == []


def test_single_file_that_is_not_a_return_is_a_usage_error_and_creates_no_store(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# 说明", encoding="utf-8")
    store = tmp_path / "s.sqlite"
    assert main(["ingest", str(readme), "--store", str(store)]) == 2
    out, err = capsys.readouterr()
    assert out == f"跳过：README.md 不是报表文件{FORMATS}\n"
    assert f"错误：{readme} 不是报表文件{FORMATS}" in err
    assert not store.exists() and _feedback(tmp_path) == []


def test_library_ingest_of_non_returns_only_leaves_no_store(tmp_path, registry):
    _others(tmp_path / "in")
    store = tmp_path / "s.sqlite"
    assert ingest([tmp_path / "in", tmp_path / "in" / "README.md"], store=store, registry=registry) == []
    assert not store.exists() and _feedback(tmp_path) == []


def test_a_file_named_like_a_return_in_another_format_is_rejected_with_its_feedback(tmp_path, registry, capsys):
    """A district that sends a PDF (a scan) of its return learns from its 退回修改清单 which file to send."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "临河区_2024-06.pdf").write_bytes(b"%PDF-1.4")
    assert main(["ingest", str(folder), "--store", str(tmp_path / "s.sqlite")]) == 1
    out, _ = capsys.readouterr()
    said = [x for x in out.splitlines() if "临河区_2024-06.pdf" in x]
    assert said and not any(x.startswith("跳过") for x in said) and said[0].startswith("退回"), said
    assert len(_feedback(tmp_path)) == 1
