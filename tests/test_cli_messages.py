"""Command-line messages a user review found wanting: a missing value says 缺少参数 --name (never 收到 None),
parameter names in their --name form, supervise without a store or returns says what to do (exit 2 as run and
evaluate), options a report does not take are refused, and CSV on stdout is UTF-8 with BOM for Excel."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from taizhang.cli import main
from taizhang.errors import OptionNotTakenError, ParameterError
from taizhang.reports.specs import SPECS


def test_a_missing_value_says_which_parameter_is_missing():
    err = ParameterError("--plan", None, "方案编号之一：bayannur")
    assert err.message == "缺少参数 --plan：请指定方案编号之一：bayannur。"
    assert "None" not in err.message and "取值无效" not in err.message


@pytest.mark.parametrize("argv,missing", [
    (["run"], "--plan"),
    (["targets", "export", "--format", "xlsx"], "--out"),
])
def test_a_missing_option_on_the_command_line(capsys, argv, missing):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"错误：缺少参数 {missing}：请指定" in err and "None" not in err


def test_library_parameter_names_are_shown_in_their_option_form(capsys, tmp_path):
    # DataSource names its parameters as the notebooks do (store); the command line says --store
    assert main(["evaluate", "--plan", "bayannur", "--period", "2024-01", "--store", str(tmp_path / "no.sqlite")]) == 2
    err = capsys.readouterr().err
    assert "参数 --store 的取值无效" in err and "参数 store " not in err
    assert ParameterError("due_soon_days", 9, "x").on_cli().parameter == "--due-soon-days"
    assert ParameterError("PATH", "x", "y").on_cli().parameter == "PATH"


@pytest.mark.parametrize("argv", [["supervise", "--plan", "bayannur", "--period", "2024-01"],
                                  ["supervise", "list", "--plan", "bayannur"]])
def test_supervise_without_a_store_says_to_ingest_first(capsys, monkeypatch, tmp_path, argv):
    import taizhang.store

    monkeypatch.setattr(taizhang.store, "default_store", lambda: tmp_path / "taizhang.sqlite")
    assert main(argv) == 2  # as run and evaluate without data (NoDataError)
    err = capsys.readouterr().err
    assert "不存在（尚未导入任何报表）。请先运行 taizhang ingest" in err
    assert "取值无效" not in err and "--sample" not in err  # supervise has no --sample to offer


def _takers(name: str) -> list[str]:
    return [s.cli for s in SPECS.values() if name in s.parameter_help]


@pytest.mark.parametrize("report,option,value", [("brief", "--unit", "linhe"), ("comparison", "--unit", "linhe"),
                                                 ("monthly", "--metric", "one_window_rate")])
def test_an_option_the_report_does_not_take_is_refused(capsys, report, option, value):
    takers = _takers(option[2:])
    assert takers and report not in takers
    assert main(["run", "--report", report, "--plan", "bayannur", option, value, "--sample"]) == 2
    err = capsys.readouterr().err
    assert f"参数 {option} 不适用于 --report {report}" in err
    named = err.split("只用于")[1]
    for cli in takers:
        assert f"--report {cli}" in named
    for other in (s.cli for s in SPECS.values() if s.cli not in takers):
        assert f"--report {other}（" not in named


def test_option_not_taken_is_a_parameter_error():
    with pytest.raises(OptionNotTakenError) as exc:
        raise OptionNotTakenError("--unit", "linhe", "brief", ["--report district（单位台账）"])
    assert isinstance(exc.value, ParameterError) and exc.value.exit_code == 2


def test_evaluate_csv_is_utf8_with_bom_and_keeps_its_columns(capsysbinary):
    assert main(["evaluate", "--sample", "--plan", "bayannur", "--period", "2024-06", "--format", "csv"]) == 0
    raw = capsysbinary.readouterr().out
    assert raw.startswith(b"\xef\xbb\xbfunit,target_id,")
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert frame.columns[0] == "unit" and "达标" in "".join(frame["status_label"])


def test_targets_export_to_stdout_is_utf8_with_bom(capsysbinary):
    assert main(["targets", "export", "--plan", "bayannur"]) == 0
    raw = capsysbinary.readouterr().out
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    assert "巴彦淖尔" in raw.decode("utf-8-sig") or "一窗" in raw.decode("utf-8-sig")
