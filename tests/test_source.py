"""One data source for reports and CLI: the returns of a folder are read once per content, re-read when it changes."""

from __future__ import annotations

import os
import shutil

import pytest

from taizhang.errors import ParameterError
from taizhang.source import DataSource


@pytest.fixture()
def folder(tmp_path, sample_returns):
    files = sorted(sample_returns["urad-middle"].glob("*_2024-1[01].xlsx"))[:4]
    assert files
    for f in files:
        shutil.copy2(f, tmp_path / f.name)
    return tmp_path


def test_cache_is_keyed_on_content_not_on_timestamps(folder, registry):
    source = DataSource.of("urad-middle", inputs=folder)
    first = source.load(registry, "urad-middle")
    assert len(first.files) > 0
    some = next(folder.glob("*.xlsx"))
    later = some.stat().st_mtime_ns + 10**10
    os.utime(some, ns=(later, later))  # touched, same bytes: not read again
    assert source.load(registry, "urad-middle") is first
    (folder / "x_2024-11.csv").write_text("unit,x\n", encoding="utf-8")  # a new file of another suffix: read again
    second = source.load(registry, "urad-middle")
    assert second is not first
    assert len(second.files) + len(second.rejected) == len(first.files) + len(first.rejected) + 1


def test_missing_folder_or_store_names_the_parameter(tmp_path):
    with pytest.raises(ParameterError) as err:
        DataSource.of("urad-middle", inputs=tmp_path / "nowhere")
    assert err.value.parameter == "inputs"
    with pytest.raises(ParameterError) as err:
        DataSource.of("urad-middle", store=tmp_path / "none.sqlite")
    assert err.value.parameter == "store"
    assert DataSource.of("urad-middle", inputs=tmp_path).label.startswith("报表文件夹 ")


def test_sample_label_says_sample_once():
    label = DataSource.of("bayannur", sample=True).label
    assert label == "样例数据（inputs/sample/bayannur，非真实报送）"
    assert label.count("样例数据") == 1
