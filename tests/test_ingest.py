"""Ingest into the SQLite store: exit codes, idempotence, revisions, input files untouched, feedback,
quality view, concurrent ingests."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from datetime import date

from openpyxl import load_workbook

from taizhang.cli import main
from taizhang.project import project_root, sha256_file
from taizhang.returns import write_return
from taizhang.store import (connect, ingest, load_returnset, problem_counts, problems_frame, quality_frame,
                            submissions_frame)

FIX = project_root() / "tests" / "fixtures" / "returns"


def _values(registry, **over):
    v = {f: 100.0 if (registry.fields[f].max or 200) >= 100 else registry.fields[f].max // 2
         for f in registry.return_fields("bayannur")}
    v.update(required_items=800.0, entered_items=790.0, one_window_items=700.0, total_items=900.0)
    v.update(over)
    return v


def _write(registry, folder, unit="临河区", period="2024-06", filed=date(2024, 7, 5), **over):
    return write_return(folder / f"{unit}_{period}.xlsx", registry, "bayannur", unit, period,
                        _values(registry, **over), filed=filed)


def _snapshot(store):
    con = sqlite3.connect(store)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                for t in ("submissions", "observations", "tasks")}
    finally:
        con.close()


def test_exit_codes_and_input_files_untouched(tmp_path, registry, capsys):
    good = _write(registry, tmp_path / "in")
    bad = shutil.copy(FIX / "bad" / "numerator_gt_denominator" / "临河区_2024-06.xlsx", tmp_path / "in" / "五原县_2024-06.xlsx")
    before = {p: (sha256_file(p), os.stat(p).st_mtime_ns) for p in (good, bad)}
    store = tmp_path / "s.sqlite"
    assert main(["ingest", str(good), "--store", str(store)]) == 0
    assert main(["ingest", str(tmp_path / "in"), "--store", str(store)]) == 1
    out = capsys.readouterr().out
    assert "实现“一窗”分类受理的事项数（812）大于已进驻政务服务事项数（790）" in out
    assert main(["ingest", str(tmp_path / "nowhere"), "--store", str(store)]) == 2
    assert {p: (sha256_file(p), os.stat(p).st_mtime_ns) for p in (good, bad)} == before


def test_same_file_twice_changes_nothing(tmp_path, registry):
    path = _write(registry, tmp_path / "in")
    store = tmp_path / "s.sqlite"
    (first,) = ingest([path], store=store, registry=registry, today=date(2026, 1, 15))
    snap = _snapshot(store)
    (again,) = ingest([path], store=store, registry=registry, today=date(2026, 1, 15))
    assert (first.outcome, again.outcome, again.previous_outcome) == ("accepted", "unchanged", "accepted")
    assert _snapshot(store) == snap


def test_corrected_resubmission_becomes_current_and_history_is_kept(tmp_path, registry):
    store = tmp_path / "s.sqlite"
    p1 = _write(registry, tmp_path / "v1", window_staff=10.0)
    p2 = _write(registry, tmp_path / "v2", window_staff=12.0)
    r1, = ingest([p1], store=store, registry=registry)
    r2, = ingest([p2], store=store, registry=registry)
    assert (r1.revision, r2.revision) == (1, 2)
    rs = load_returnset(store, registry, "bayannur")
    obs = rs.observations.set_index("field")["value"]
    assert obs["window_staff"] == 12.0
    assert list(rs.files["sha256"]) == [r2.sha256]
    log = submissions_frame(store, "bayannur")
    assert list(log["revision"]) == [1, 2] and list(log["is_current"]) == [0, 1]


def test_rejected_file_gets_feedback_workbook_and_quality_view(tmp_path, registry):
    store = tmp_path / "s.sqlite"
    _write(registry, tmp_path / "in", unit="临河区", filed=date(2024, 7, 5))
    _write(registry, tmp_path / "in", unit="五原县", filed=date(2024, 7, 25))
    _write(registry, tmp_path / "in", unit="磴口县", window_staff=-1.0)
    results = ingest([tmp_path / "in"], store=store, registry=registry, feedback_dir=tmp_path / "fb")
    assert sorted(r.outcome for r in results) == ["accepted", "accepted", "rejected"]
    fb = tmp_path / "fb" / "磴口县_2024-06_退回修改清单.xlsx"
    ws = load_workbook(fb).active
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert ["序号", "工作表", "单元格", "问题说明"] in cells
    assert [1, "指标", "D6", "综合窗口工作人员数不能为负数，实际为 -1"] in cells
    q = quality_frame(store, registry, "bayannur", "2024-06").set_index("unit")
    assert q.loc["linhe", "status"] == "reported" and q.loc["linhe", "status_label"] == "按时报送"
    assert q.loc["wuyuan", "status"] == "late"
    assert q.loc["dengkou", "status"] == "rejected"
    assert "D6：综合窗口工作人员数不能为负数" in q.loc["dengkou", "problems"]
    assert q.loc["city", "status"] == "missing"
    rs = load_returnset(store, registry, "bayannur")
    assert [e.file for e in rs.rejected] == ["磴口县_2024-06.xlsx"]
    assert set(rs.observations["unit"]) == {"linhe", "wuyuan"}


def test_plan_is_told_apart_by_the_plan_cell(tmp_path, registry):
    # 乌拉特中旗 is a county of bayannur and the top unit of urad-middle
    store = tmp_path / "s.sqlite"
    path = write_return(tmp_path / "乌拉特中旗_2024-06.xlsx", registry, "bayannur", "乌拉特中旗", "2024-06",
                        _values(registry), filed=date(2024, 7, 2))
    (res,) = ingest([path], store=store, registry=registry)
    assert (res.outcome, res.plan, res.unit) == ("accepted", "bayannur", "urad-middle")


def test_two_ingests_at_once_do_not_corrupt_the_store(tmp_path, registry):
    store = tmp_path / "s.sqlite"
    for k, unit in enumerate(("临河区", "五原县", "磴口县", "乌拉特前旗")):
        for month in range(1, 7):
            _write(registry, tmp_path / f"batch{k % 2}", unit=unit, period=f"2024-{month:02d}",
                   filed=date(2024, month + 1, 3))
    # both processes also ingest the same shared file: it must be recorded once
    shared = _write(registry, tmp_path / "shared", unit="杭锦后旗")
    code = ("import sys; from taizhang.cli import main; "
            "sys.exit(main(['ingest', sys.argv[1], sys.argv[2], '--store', sys.argv[3]]))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / f"batch{k}"), str(shared), str(store)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for k in (0, 1)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    con = sqlite3.connect(store)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 25
    assert con.execute("SELECT COUNT(*) FROM submissions WHERE is_current = 1").fetchone()[0] == 25
    con.close()


def test_identical_rejected_file_again_repeats_the_reasons_and_counts_as_rejected(tmp_path, registry, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    bad = shutil.copy(FIX / "bad" / "negative_count" / "临河区_2024-06.xlsx", folder / "临河区_2024-06.xlsx")
    store = tmp_path / "s.sqlite"
    assert main(["ingest", str(bad), "--store", str(store)]) == 1
    capsys.readouterr()
    snap = _snapshot(store)
    assert main(["ingest", str(bad), "--store", str(store)]) == 1
    out, err = capsys.readouterr()
    assert _snapshot(store) == snap
    assert "退回  临河区_2024-06.xlsx：与此前退回的文件内容相同，仍有 1 处问题，整份报表退回" in out
    assert "  - 临河区_2024-06.xlsx / 指标 / D6：综合窗口工作人员数不能为负数，实际为 -5" in out
    assert f"  退回修改清单：{tmp_path / '退回修改清单' / '临河区_2024-06_退回修改清单.xlsx'}" in out
    assert "共 1 份：接收 0，退回 1（其中 1 份与此前退回的文件相同，未修改），未改动 0" in err


def test_accept_line_names_plan_and_unit_in_chinese(tmp_path, registry, capsys):
    path = _write(registry, tmp_path / "in")
    assert main(["ingest", str(path), "--store", str(tmp_path / "s.sqlite")]) == 0
    out = capsys.readouterr().out
    rows = len(registry.return_fields("bayannur"))
    assert out.splitlines() == [f"接收  临河区_2024-06.xlsx（巴彦淖尔市 临河区 2024-06，第 1 版，{rows} 项）"]


def test_unreadable_rejected_file_appears_in_the_quality_view_by_its_name(tmp_path, registry):
    # an .xls cannot be opened: unit and month come from its name (an alias works too)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FIX / "bad" / "old_xls" / "临河区_2024-06.xls", folder / "磴口_2024-06.xls")
    shutil.copy(FIX / "bad" / "truncated" / "临河区_2024-06.xlsx", folder / "五原县_2024-06.xlsx")
    store = tmp_path / "s.sqlite"
    results = ingest([folder], store=store, registry=registry)
    assert [(r.outcome, r.plan, r.unit, r.period) for r in results] == [
        ("rejected", "bayannur", "wuyuan", "2024-06"), ("rejected", "bayannur", "dengkou", "2024-06")]
    q = quality_frame(store, registry, "bayannur", "2024-06").set_index("unit")
    assert list(q.loc[["dengkou", "wuyuan"], "status"]) == ["rejected", "rejected"]
    assert "旧版 Excel 97-2003（.xls）" in q.loc["dengkou", "problems"]


def test_bad_examples_all_appear_in_the_quality_view(tmp_path, registry):
    store = tmp_path / "s.sqlite"
    results = ingest([project_root() / "inputs" / "bad_examples"], store=store, registry=registry)
    assert len(results) == 6 and all(r.outcome == "rejected" for r in results)
    q = quality_frame(store, registry, "bayannur", "2024-06")
    assert sorted(q.loc[q["status"] == "rejected", "file"]) == sorted(r.file.name for r in results)


def test_unit_of_another_plan_is_one_plain_problem_logged_under_its_own_plan(tmp_path, registry, capsys):
    path = FIX / "bad" / "plan_mismatch" / "临河区_2024-06.xlsx"  # 方案编号 baotou on a 巴彦淖尔 临河区 file
    store = tmp_path / "s.sqlite"
    assert main(["ingest", str(path), "--store", str(store)]) == 1
    problems = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  - ")]
    assert problems == ["  - 临河区_2024-06.xlsx / 指标 / E2：方案编号 baotou 与填报单位“临河区”不符："
                        "临河区是 bayannur（巴彦淖尔市）的单位"]
    q = quality_frame(store, registry, "bayannur", "2024-06").set_index("unit")
    assert q.loc["linhe", "status"] == "rejected"


def test_feedback_workbooks_go_next_to_the_store_by_default(tmp_path, registry):
    store = tmp_path / "elsewhere" / "s.sqlite"
    (res,) = ingest([FIX / "bad" / "negative_count" / "临河区_2024-06.xlsx"], store=store, registry=registry)
    assert res.feedback == tmp_path / "elsewhere" / "退回修改清单" / "临河区_2024-06_退回修改清单.xlsx"
    assert res.feedback.is_file()


# --------------------------------------------------------------------------------------------------
# issue 16: whatever a clerk or an attacker sends, one logged outcome per file


def test_fifo_symlink_and_other_formats_each_get_one_logged_rejection(tmp_path, registry):
    folder = tmp_path / "in"
    folder.mkdir()
    good = _write(registry, folder, unit="临河区")
    os.mkfifo(folder / "五原县_2024-06.xlsx")  # reading it would block forever
    (folder / "磴口县_2024-06.xlsx").symlink_to("/dev/zero")  # reading it would never end
    (folder / "乌拉特前旗_2024-06.xlsx").symlink_to(good)  # even a link to a good return is refused
    shutil.copy(FIX / "bad" / "wps_et" / "临河区_2024-06.et", folder / "杭锦后旗_2024-06.et")
    shutil.copy(FIX / "bad" / "opendocument_ods" / "临河区_2024-06.ods", folder / "乌拉特后旗_2024-06.ods")
    (folder / "说明.txt").write_text("不是报表", encoding="utf-8")
    store = tmp_path / "s.sqlite"
    results = {r.file.name: r for r in ingest([folder], store=store, registry=registry, today=date(2026, 1, 15))}
    assert sorted(results) == sorted(["临河区_2024-06.xlsx", "五原县_2024-06.xlsx", "磴口县_2024-06.xlsx",
                                      "乌拉特前旗_2024-06.xlsx", "杭锦后旗_2024-06.et", "乌拉特后旗_2024-06.ods"])
    assert results["临河区_2024-06.xlsx"].outcome == "accepted"
    said = {n: [str(p) for p in r.problems] for n, r in results.items() if r.outcome == "rejected"}
    assert said["五原县_2024-06.xlsx"] == ["五原县_2024-06.xlsx：这不是普通文件（命名管道），不能接收"]
    assert said["磴口县_2024-06.xlsx"] == ["磴口县_2024-06.xlsx：这是符号链接（快捷方式），不能接收；请报送报表文件本身"]
    assert said["乌拉特前旗_2024-06.xlsx"] == ["乌拉特前旗_2024-06.xlsx：这是符号链接（快捷方式），不能接收；请报送报表文件本身"]
    assert said["杭锦后旗_2024-06.et"] == ["杭锦后旗_2024-06.et：这是WPS 表格（.et）文件，不能接收；请另存为 .xlsx 后重新报送"]
    q = quality_frame(store, registry, "bayannur", "2024-06").set_index("unit")
    assert q.loc["hanggin-rear", "status"] == "rejected" and q.loc["wuyuan", "status"] == "rejected"


def test_fifo_named_on_the_command_line_does_not_hang(tmp_path, capsys):
    fifo = tmp_path / "临河区_2024-06.xlsx"
    os.mkfifo(fifo)
    assert main(["ingest", str(fifo), "--store", str(tmp_path / "s.sqlite")]) == 1
    assert "这不是普通文件（命名管道），不能接收" in capsys.readouterr().out


def test_renamed_copy_of_last_month_is_rejected_naming_the_return_it_copies(tmp_path, registry):
    store = tmp_path / "s.sqlite"
    may = _write(registry, tmp_path / "may", period="2024-05", filed=date(2024, 6, 5))
    (first,) = ingest([may], store=store, registry=registry, today=date(2026, 1, 15))
    assert first.outcome == "accepted"
    june = tmp_path / "june" / "临河区_2024-06.xlsx"
    june.parent.mkdir()
    shutil.copy(may, june)
    (res,) = ingest([june], store=store, registry=registry, today=date(2026, 1, 15))
    assert (res.outcome, res.unit, res.period) == ("rejected", "linhe", "2024-06")
    assert [str(p) for p in res.problems] == [
        "临河区_2024-06.xlsx / 指标 / B3：统计月份 2024-05 与文件名中的月份 2024-06 不一致",
        "临河区_2024-06.xlsx：与已接收的 临河区 2024-05 报表内容完全相同（文件 临河区_2024-05.xlsx），不是本单位本月的报表"]
    q = quality_frame(store, registry, "bayannur", "2024-06").set_index("unit")
    assert q.loc["linhe", "status"] == "rejected"  # not "未报送", not "未改动"


def test_rejected_bytes_renamed_to_another_unit_are_judged_as_that_file(tmp_path, registry):
    store = tmp_path / "s.sqlite"
    folder = tmp_path / "in"
    folder.mkdir()
    src = FIX / "bad" / "negative_count" / "临河区_2024-06.xlsx"
    shutil.copy(src, folder / "临河区_2024-06.xlsx")
    shutil.copy(src, folder / "五原县_2024-06.xlsx")
    results = {r.file.name: r for r in ingest([folder], store=store, registry=registry, today=date(2026, 1, 15))}
    wuyuan = results["五原县_2024-06.xlsx"]
    assert (wuyuan.outcome, wuyuan.unit) == ("rejected", "wuyuan")
    assert "五原县_2024-06.xlsx / 指标 / B2：填报单位“临河区”与文件名中的单位“五原县”不一致" in [str(p) for p in wuyuan.problems]


def test_identical_bad_copies_under_many_names_are_each_logged(tmp_path, registry):
    folder = tmp_path / "in"
    folder.mkdir()
    src = FIX / "bad" / "negative_count" / "临河区_2024-06.xlsx"
    for k in range(20):
        shutil.copy(src, folder / f"临河区_2024-06_{k:02d}.xlsx")
    store = tmp_path / "s.sqlite"
    results = ingest([folder], store=store, registry=registry, today=date(2026, 1, 15))
    assert [r.outcome for r in results] == ["rejected"] * 20
    assert len(submissions_frame(store)) == 20
    again = ingest([folder], store=store, registry=registry, today=date(2026, 1, 15))
    assert [r.outcome for r in again] == ["unchanged"] * 20 and len(submissions_frame(store)) == 20


def test_formula_like_and_control_character_names_are_text_in_the_feedback(tmp_path, registry, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    evil = folder / "=cmd|' -C calc'!A0_2024-06.xlsx"
    shutil.copy(FIX / "bad" / "negative_count" / "临河区_2024-06.xlsx", evil)
    ansi = folder / "\x1b[31m临河区_2024-06.xlsx"
    shutil.copy(FIX / "bad" / "ansi_escape" / "临河区_2024-06.xlsx", ansi)
    store = tmp_path / "s.sqlite"
    assert main(["ingest", str(folder), "--store", str(store)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[31m" in out  # the operator's terminal sees escapes, not colours
    fb = {p.name: p for p in (tmp_path / "退回修改清单").iterdir()}
    ws = load_workbook(fb["=cmd_' -C calc'!A0_2024-06_退回修改清单.xlsx"]).active  # | is unsafe in Windows names
    assert ws["B3"].value == "=cmd|' -C calc'!A0_2024-06.xlsx" and ws["B3"].data_type == "s"
    texts = [c.value for row in load_workbook(fb["_[31m临河区_2024-06_退回修改清单.xlsx"]).active.iter_rows() for c in row]
    assert "\\x1b[31m临河区_2024-06.xlsx" in texts
    assert any(isinstance(t, str) and "实际为“\\x1b[31m12\\x1b[0m”" in t for t in texts)


def test_long_names_and_same_names_from_two_folders_get_their_own_feedback(tmp_path, registry):
    long_name = "临" * 80 + ".xlsx"  # 245 bytes: legal, but not with a suffix added
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(FIX / "bad" / "negative_count" / "临河区_2024-06.xlsx", tmp_path / "a" / long_name)
    shutil.copy(FIX / "bad" / "negative_count" / "临河区_2024-06.xlsx", tmp_path / "a" / "磴口县_2024-06.xlsx")
    shutil.copy(FIX / "bad" / "fractional_count" / "临河区_2024-06.xlsx", tmp_path / "b" / "磴口县_2024-06.xlsx")
    store = tmp_path / "s.sqlite"
    results = ingest([tmp_path / "a", tmp_path / "b"], store=store, registry=registry, feedback_dir=tmp_path / "fb")
    assert [r.outcome for r in results] == ["rejected"] * 3
    paths = [r.feedback for r in results]
    assert all(p is not None and p.is_file() for p in paths) and len(set(paths)) == 3
    assert all(len(p.name.encode()) <= 200 for p in paths)
    assert {p.name for p in paths} >= {"磴口县_2024-06_退回修改清单.xlsx"}


def test_problems_are_rows_counted_by_code(tmp_path, registry):
    folder = tmp_path / "in"
    folder.mkdir()
    for defect, unit in (("negative_count", "临河区"), ("fractional_count", "五原县"), ("implausible_staff", "磴口县")):
        shutil.copy(FIX / "bad" / defect / "临河区_2024-06.xlsx", folder / f"{unit}_2024-06.xlsx")
    store = tmp_path / "s.sqlite"
    ingest([folder], store=store, registry=registry, today=date(2026, 1, 15))
    rows = problems_frame(store, "bayannur", "2024-06")
    assert set(rows["code"]) >= {"value.negative", "value.not_whole", "value.implausible", "unit.name_mismatch"}
    neg = rows[rows["code"] == "value.negative"].iloc[0]
    assert (neg["sheet"], neg["cell"], neg["field"]) == ("指标", "D6", "window_staff")
    counts = problem_counts(store, "bayannur").set_index("code")
    assert counts.loc["unit.name_mismatch", "problems"] == 2 and counts.loc["value.negative", "category"] == "数值"
    assert int(counts["problems"].sum()) == len(rows)


def test_schema_1_store_is_migrated_without_losing_a_problem(tmp_path, registry):
    store = tmp_path / "old.sqlite"
    con = sqlite3.connect(store)
    con.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE submissions (id INTEGER PRIMARY KEY, file TEXT NOT NULL, path TEXT NOT NULL,
            sha256 TEXT NOT NULL, plan TEXT, unit TEXT, period TEXT, filed TEXT, received TEXT NOT NULL,
            rows_accepted INTEGER NOT NULL DEFAULT 0, outcome TEXT NOT NULL, revision INTEGER,
            is_current INTEGER NOT NULL DEFAULT 0, problems TEXT NOT NULL DEFAULT '[]',
            registry_version TEXT NOT NULL DEFAULT '', feedback TEXT);
    """)
    con.execute("INSERT INTO submissions (file, path, sha256, plan, unit, period, received, outcome, problems) "
                "VALUES ('磴口县_2024-06.xlsx', 'x', 'abc', 'bayannur', 'dengkou', '2024-06', '2024-07-01T00:00:00', "
                "'rejected', ?)", ('[["磴口县_2024-06.xlsx / 指标 / D6", "综合窗口工作人员数不能为负数，实际为 -1"]]',))
    con.commit()
    con.close()
    q = quality_frame(store, registry, "bayannur", "2024-06").set_index("unit")
    assert q.loc["dengkou", "problems"] == "磴口县_2024-06.xlsx / 指标 / D6：综合窗口工作人员数不能为负数，实际为 -1"
    (p,) = load_returnset(store, registry, "bayannur").rejected[0].problems
    assert (p.code, p.location.sheet, p.location.cell) == ("legacy", "指标", "D6")
    with connect(store) as con2:
        assert "problems" not in [r[1] for r in con2.execute("PRAGMA table_info(submissions)")]


def test_files_that_are_not_returns_are_named_not_silently_skipped(tmp_path, registry, capsys):
    folder = tmp_path / "in"
    _write(registry, folder)
    (folder / "佐证材料.pdf").write_bytes(b"%PDF-1.4")
    assert main(["ingest", str(folder), "--store", str(tmp_path / "s.sqlite")]) == 0
    out, err = capsys.readouterr()
    assert "跳过：佐证材料.pdf 不是报表文件（报表应为 .xlsx、.xlsm 或 .csv）" in out and "跳过 1 个非报表文件" in err


def test_template_texts_are_never_formulas(tmp_path, registry):
    from taizhang.targets import Unit
    from taizhang.template import write_template

    unit = Unit(id="evil", name="=HYPERLINK(\"http://x\",\"点击\")", level="county")
    path = write_template(registry, "bayannur", "2024-06", unit, tmp_path / "t.xlsx")
    ws = load_workbook(path)["指标"]
    assert ws["B2"].value == unit.name and ws["B2"].data_type == "s"
    with zipfile.ZipFile(path) as z:
        assert all(b"<f>" not in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_dangling_symlink_on_the_command_line_is_a_rejected_file(tmp_path, capsys):
    link = tmp_path / "临河区_2024-06.xlsx"
    link.symlink_to(tmp_path / "nowhere.xlsx")
    assert main(["ingest", str(link), "--store", str(tmp_path / "s.sqlite")]) == 1
    assert "这是符号链接（快捷方式），不能接收" in capsys.readouterr().out
