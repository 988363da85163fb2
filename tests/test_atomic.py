"""Atomic writes (taizhang.atomic): one owner of the temporary-name-then-rename pattern."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from taizhang.atomic import atomic_path, atomic_write_bytes, atomic_write_text

LIB = Path(__file__).resolve().parents[1] / "lib" / "taizhang"


def test_success_replaces_the_file_and_leaves_nothing_else(tmp_path):
    final = tmp_path / "out" / "台账.xlsx"
    final.parent.mkdir()
    final.write_bytes(b"old")
    with atomic_path(final) as tmp:
        assert tmp.parent == final.parent and not tmp.exists()
        tmp.write_bytes(b"new")
        assert final.read_bytes() == b"old"  # untouched until the block ends
    assert final.read_bytes() == b"new"
    assert [p.name for p in final.parent.iterdir()] == [final.name]


def test_helpers_create_the_folder_and_return_the_path(tmp_path):
    text = atomic_write_text(str(tmp_path / "a" / "b.txt"), "第一行\n")
    data = atomic_write_bytes(tmp_path / "a" / "c.bin", b"\x00\x01")
    assert text == tmp_path / "a" / "b.txt" and text.read_text(encoding="utf-8") == "第一行\n"
    assert data.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.txt", "c.bin"]


@pytest.mark.parametrize("exists", [True, False])
def test_an_exception_leaves_the_old_file_and_no_temporary_file(tmp_path, exists):
    final = tmp_path / "x.report.json"
    if exists:
        final.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(final) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("writer failed")
    assert (final.read_text(encoding="utf-8") == "old") if exists else not final.exists()
    assert [p.name for p in tmp_path.iterdir()] == ([final.name] if exists else [])


def test_a_block_that_writes_nothing_fails_and_keeps_the_old_file(tmp_path):
    final = tmp_path / "x.txt"
    final.write_text("old", encoding="utf-8")
    with pytest.raises(FileNotFoundError):
        with atomic_path(final):
            pass
    assert final.read_text(encoding="utf-8") == "old"


def test_temporary_names_are_hidden_unique_and_end_in_tmp(tmp_path):
    final = tmp_path / "台账_2025-03.xlsx"
    with atomic_path(final) as a, atomic_path(final) as b:
        assert a != b
        for tmp in (a, b):
            assert tmp.name.startswith(".") and tmp.name.endswith(".tmp") and final.name in tmp.name
            tmp.write_bytes(b"x")


def test_the_project_scans_never_pick_up_a_file_being_written(tmp_path):
    """The folder scans (glob patterns, the report index, the returns finder) do not see a temporary file."""
    from taizhang.render import MANIFEST_SUFFIX, index_entries
    from taizhang.returns import find_return_files

    folder = tmp_path / "reports" / "demo-plan" / "2025-03"
    returns = tmp_path / "returns"
    names = [f"monthly{MANIFEST_SUFFIX}", "台账.xlsx", "plan.yaml", "units.yml", "source.txt", "monthly.ipynb",
             "index.html", "report.pdf", "通知.docx"]
    with atomic_path(returns / "城东区_2025-03.xlsx") as ret:
        ret.write_bytes(b"PK")
        temps = []
        for name in names:
            cm = atomic_path(folder / name)
            temps.append(cm)
            tmp = cm.__enter__()
            tmp.write_text(json.dumps({"report": "monthly", "plan": "demo-plan", "period": "2025-03"}),
                           encoding="utf-8")
        try:
            found = [p.name for pattern in ("*.xlsx", f"*{MANIFEST_SUFFIX}", "*.yaml", "*.ipynb", "*.html", "*.pdf",
                                            "*.docx", "*.json") for p in folder.glob(pattern)]
            found += [p.name for p in folder.rglob("*") if p.suffix in (".yaml", ".yml", ".txt")]  # registry digest
            assert found == []
            assert index_entries(tmp_path / "reports") == []
            assert find_return_files([returns]) == []
        finally:
            for cm in reversed(temps):
                cm.__exit__(None, None, None)
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    assert [p.name for p in find_return_files([returns])] == ["城东区_2025-03.xlsx"]


def _renames(tree: ast.AST):
    """(line, code) of every rename in ``tree``: ``os.replace``/``os.rename``/``os.renames`` and a one-argument
    ``x.replace(p)``/``x.rename(p)`` (``Path.replace``; ``str.replace`` takes two, ``date.replace`` and
    ``DataFrame.rename`` keywords)."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value.id if isinstance(node.func.value, ast.Name) else None
        if owner == "os" and node.func.attr in ("replace", "rename", "renames"):
            yield node.lineno, ast.unparse(node)
        elif (node.func.attr in ("replace", "rename") and owner != "dataclasses" and len(node.args) == 1
              and not node.keywords):
            yield node.lineno, ast.unparse(node)


def test_no_module_renames_files_outside_the_atomic_helper():
    """A new copy of the temporary-name-then-rename pattern cannot creep in: use taizhang.atomic instead."""
    found = []
    for path in sorted(LIB.rglob("*.py")):
        if path.name == "atomic.py" and path.parent == LIB:
            continue
        found += [f"{path.relative_to(LIB)}:{line}: {code}" for line, code in _renames(ast.parse(path.read_text(encoding="utf-8")))]
    assert found == [], "rename outside taizhang.atomic (use atomic_path / atomic_write_*):\n" + "\n".join(found)


def test_the_rename_check_sees_the_old_pattern():
    code = "tmp.replace(path)\nos.replace(tmp, path)\nPath(a).rename(b)\n's'.replace('a', 'b')\nd.replace(day=1)\n"
    assert [line for line, _ in _renames(ast.parse(code))] == [1, 2, 3]
