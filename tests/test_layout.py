"""How the code is laid out (issue "One owner for every concept")."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "taizhang"
MAX_LINES = 80
REASON = "Longer than 80 lines because"


def _functions(tree: ast.AST, prefix: str = ""):
    """Every function and method under ``tree`` as ``(qualified name, node)``, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + node.name, node
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def test_functions_are_short():
    """No function in lib/taizhang is over 80 lines unless its docstring says why ("Longer than 80 lines
    because …"); the failure names each as file:function:length."""
    long = []
    for path in sorted(LIB.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, node in _functions(tree):
            length = node.end_lineno - node.lineno + 1
            doc = " ".join((ast.get_docstring(node) or "").split())
            if length > MAX_LINES and REASON not in doc:
                long.append(f"{path.relative_to(ROOT).as_posix()}:{name}:{length}")
    assert not long, (f"functions over {MAX_LINES} lines whose docstring does not say “{REASON} …”:\n  "
                      + "\n  ".join(long))
