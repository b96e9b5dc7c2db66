"""No import inside a function unless a comment says why (on its line or just above it): such
imports hide a module's dependencies, often to dodge an import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_import_layering import PACKAGES, ROOT


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def explained(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or in the comment lines (or imports) right above it."""
    if "#" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0:
        text = lines[above].strip()
        if text.startswith("#"):
            return True
        if not text.startswith(("import ", "from ")):
            return False
        above -= 1
    return False


def unexplained_imports(path: Path) -> list[str]:
    source = path.read_text()
    lines = source.splitlines()
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom) and not explained(lines, node.lineno):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1]}")
    return found


def test_every_import_inside_a_function_says_why():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found.extend(unexplained_imports(path))
    assert not found, "Imports inside functions without a comment:\n" + "\n".join(found)


def test_a_comment_above_explains_an_import():
    lines = ["def f():", "    # App loading.", "    from x import y", "    import z", "    w()"]
    assert explained(lines, 3)
    assert explained(lines, 4)
    assert not explained(["def f():", "    import z"], 2)
