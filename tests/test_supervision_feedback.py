"""The 退回修改清单 as a notice (local time, 重报截止日期 on the official calendar, the office's contact from
targets/office.yaml, wrapped text, A4 print setup, the SHA-256 only in a small provenance line), archived —
never deleted — once the corrected return is accepted; and the office settings file's located errors."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

import pytest
import yaml
from openpyxl import load_workbook

from taizhang.returns import write_return
from taizhang.store import connect, ingest, ingest_file
from taizhang.supervision import SupervisionRulesError, load_rules
from taizhang.supervision.feedback import ARCHIVE_DIR, write_feedback
from taizhang.supervision.office import OfficeSettingsError, load_office

#: 2024-09-27 10:00 UTC is 18:00 that Friday in Beijing; 5 working days later, across the National Day holiday
#: (10-01…10-07 off, Sunday 09-29 and Saturday 10-12 worked): 09-29, 09-30, 10-08, 10-09, 10-10
RECEIVED, LOCAL, DUE = "2024-09-27T10:00:00+00:00", "2024-09-27 18:00", "2024-10-10"


def _values(registry, **over):
    v = {f: 100.0 if (registry.fields[f].max or 200) >= 100 else registry.fields[f].max // 2
         for f in registry.return_fields("bayannur")}
    v.update(required_items=800.0, entered_items=790.0, one_window_items=700.0, total_items=900.0, **over)
    return v


def _return(registry, folder, **over):
    return write_return(folder / "磴口县_2024-08.xlsx", registry, "bayannur", "磴口县", "2024-08",
                        _values(registry, **over), filed=date(2024, 9, 5))


def _cells(path):
    ws = load_workbook(path).active
    return ws, [[c.value for c in row] for row in ws.iter_rows()]


def test_feedback_is_a_notice_with_local_time_deadline_contact_and_print_setup(tmp_path, registry):
    bad = _return(registry, tmp_path / "in", window_staff=-1.0)
    with closing(connect(tmp_path / "s.sqlite")) as con:
        res = ingest_file(con, bad, registry, today=date(2024, 9, 27), received=RECEIVED,
                          feedback_dir=tmp_path / "fb")
    assert res.outcome == "rejected" and res.feedback.is_file()
    ws, cells = _cells(res.feedback)
    facts = {r[0]: r[1] for r in cells if r[0] and r[1]}
    assert facts["退回时间"] == LOCAL  # the office's time zone, no ISO "T" or offset
    assert facts["重报截止日期"].startswith(f"{DUE}（退回后第 5 个工作日）")
    assert facts["联系办公室"].startswith("政务服务督查室")
    assert "SHA-256" not in facts and "SHA-256" not in {r[0] for r in cells}  # not a row of the notice
    prov = [r[0] for r in cells if isinstance(r[0], str) and r[0].startswith("文件校验值")]
    assert len(prov) == 1 and res.sha256 in prov[0] and ws.cell(row=cells.index([prov[0], None, None, None]) + 1,
                                                                   column=1).font.sz == 8
    head = cells.index(["序号", "工作表", "单元格", "问题说明"]) + 1
    row = head + 1
    assert ws.cell(row=row, column=4).value == "综合窗口工作人员数不能为负数，实际为 -1"
    assert ws.cell(row=row, column=4).alignment.wrap_text
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == f"${head}:${head}" and "&P" in ws.oddFooter.center.text


def test_contact_and_rule_come_from_the_office_file(tmp_path, registry, root):
    data = yaml.safe_load((root / "targets" / "office.yaml").read_text(encoding="utf-8"))
    data.update(contact="张某某", phone="0478-1234567", resubmit_working_days=3, timezone="Asia/Urumqi")
    path = tmp_path / "office.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    office = load_office(path)
    from taizhang.returns import Rejection
    from taizhang.returns.codes import problem
    from taizhang.errors import Location

    rej = Rejection("磴口县_2024-08.xlsx", "t", (problem("value.negative", Location("f", "指标", "D6"), label="x",
                                                        found=-1),), "bayannur", "dengkou", "2024-08", "ab" * 32)
    out = write_feedback(tmp_path / "fb.xlsx", rej, "磴口县_2024-08.xlsx", rej.sha256, RECEIVED, registry,
                         "bayannur", office=office)
    facts = {r[0]: r[1] for r in _cells(out)[1] if r[0] and r[1]}
    assert facts["联系办公室"] == "政务服务督查室，联系人 张某某，电话 0478-1234567"
    assert facts["退回时间"] == "2024-09-27 16:00"  # Asia/Urumqi is UTC+6
    assert facts["重报截止日期"].startswith("2024-10-08（退回后第 3 个工作日）")  # 09-29, 09-30, 10-08


def test_feedback_is_archived_when_the_corrected_return_is_accepted(tmp_path, registry):
    store, fb = tmp_path / "s.sqlite", tmp_path / "fb"
    bad = _return(registry, tmp_path / "a", window_staff=-1.0)
    (first,) = ingest([bad], store=store, registry=registry, feedback_dir=fb, today=date(2024, 9, 27))
    sheet = first.feedback
    assert first.outcome == "rejected" and sheet.parent == fb
    good = _return(registry, tmp_path / "b")
    (second,) = ingest([good], store=store, registry=registry, feedback_dir=fb, today=date(2024, 9, 27))
    assert second.outcome == "accepted"
    archived = fb / ARCHIVE_DIR / sheet.name
    assert not sheet.exists() and archived.is_file()  # moved, never deleted
    with closing(sqlite3.connect(store)) as con:
        assert con.execute("SELECT feedback FROM submissions WHERE outcome = 'rejected'").fetchone()[0] == str(archived)
    # a second rejection and correction of the same month keeps both in the archive
    bad2 = _return(registry, tmp_path / "c", window_staff=-2.0)
    (third,) = ingest([bad2], store=store, registry=registry, feedback_dir=fb, today=date(2024, 9, 27))
    assert third.outcome == "rejected" and third.feedback.parent == fb
    good2 = _return(registry, tmp_path / "d", window_staff=3.0)
    assert ingest([good2], store=store, registry=registry, feedback_dir=fb, today=date(2024, 9, 27))[0].ok
    assert sorted(p.name for p in (fb / ARCHIVE_DIR).iterdir()) == [sheet.name, sheet.stem + "_2.xlsx"]
    assert [p for p in fb.iterdir() if p.is_file()] == []


OFFICE_BAD = {
    "phone": ({"phone": "请打电话"}, "office.yaml / phone：联系电话只能包含数字"),
    "timezone": ({"timezone": "Beijing"}, "office.yaml / timezone：未知的时区“Beijing”"),
    "name": ({"name": ""}, "office.yaml / name：不符合格式"),
    "days": ({"resubmit_working_days": 0}, "office.yaml / resubmit_working_days：不符合格式"),
    "extra": ({"email": "a@b"}, "office.yaml / email：不符合格式"),
    "version": ({"version": 2}, "office.yaml / version：应为 1"),
}


@pytest.mark.parametrize("case", sorted(OFFICE_BAD))
def test_invalid_office_file_gets_located_chinese_errors(case, tmp_path, root):
    data = yaml.safe_load((root / "targets" / "office.yaml").read_text(encoding="utf-8"))
    patch, expected = OFFICE_BAD[case]
    data.update(patch)
    path = tmp_path / "office.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(OfficeSettingsError) as exc:
        load_office(path)
    assert any(str(p).startswith(expected) for p in exc.value.problems), exc.value.problems


def test_office_left_in_the_rules_file_is_a_located_problem(tmp_path, root):
    data = yaml.safe_load((root / "targets" / "supervision.yaml").read_text(encoding="utf-8"))
    data["office"] = {"name": "督查室"}
    path = tmp_path / "supervision.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SupervisionRulesError) as exc:
        load_rules("bayannur", path)
    assert any(str(p).startswith("supervision.yaml / office：") and "office.yaml" in str(p)
               for p in exc.value.problems)
    assert load_rules("bayannur").office == load_office()  # the rules read the office file


def test_reminder_of_a_rejected_unit_gives_the_resubmission_deadline(tmp_path, registry):
    from taizhang.supervision.notices import reminder_frame

    bad = _return(registry, tmp_path / "in", window_staff=-1.0)
    store = tmp_path / "s.sqlite"
    with closing(connect(store)) as con:
        ingest_file(con, bad, registry, today=date(2024, 9, 27), received=RECEIVED, feedback_dir=tmp_path / "fb")
    df = reminder_frame(store, registry, "bayannur", "2024-08", today=date(2024, 9, 30)).set_index("unit")
    assert df.loc["dengkou", "status_label"] == "被退回未重报"
    assert "于 2024年10月10日 前重新报送" in df.loc["dengkou", "message"]  # DUE, as people write it
    assert df.loc["linhe", "status_label"] == "逾期未报" and "已逾期 20 天" in df.loc["linhe", "message"]


def test_office_signature_and_the_missing_contact_warning(tmp_path, root, capsys):
    from taizhang.supervision import office as office_module

    data = yaml.safe_load((root / "targets" / "office.yaml").read_text(encoding="utf-8"))
    data.update(contact="张某某", phone="0478-1234567")
    path = tmp_path / "office.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    full = load_office(path)
    assert full.signature() == "政务服务督查室，联系人 张某某，电话 0478-1234567" and full.missing_contact() == ""
    bare = full.model_copy(update={"phone": ""})
    assert bare.signature() == "政务服务督查室，联系人 张某某"
    office_module._WARNED.clear()
    for _ in range(3):
        office_module.warn_missing_contact(bare)
    err = capsys.readouterr().err
    assert err.count("未填写联系电话") == 1 and "各单位无号码可打" in err
