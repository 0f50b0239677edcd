"""``sampling`` imports nothing but the standard library, numpy, scipy and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sampling"
MODULES = sorted(PACKAGE.rglob("*.py"))
ALLOWED = set(sys.stdlib_module_names) | {"numpy", "scipy", "sampling"}


def imported_roots(path: Path) -> set[str]:
    """The top-level names of every absolute import in a module."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_there_are_modules_to_check() -> None:
    assert {p.name for p in MODULES} >= {"__init__.py", "sizes.py", "allocation.py", "draws.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_only_stdlib_numpy_scipy_and_itself(path: Path) -> None:
    outside = sorted(imported_roots(path) - ALLOWED)
    assert not outside, f"{path.name} imports {outside}: sampling may use stdlib, numpy, scipy"


def test_no_assert_statements_for_input_checking() -> None:
    offenders = [
        f"{p.name}:{node.lineno}"
        for p in MODULES
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert offenders == []


def test_the_package_reexports_its_public_names() -> None:
    import sampling

    for name in sampling.__all__:
        assert hasattr(sampling, name), name
