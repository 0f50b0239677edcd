"""Project-wide rules: pure computation packages, documented settings, migrations in sync."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from survey_app.config import SETTINGS, sqlite_url
from survey_app.db import migrate
from survey_app.db.models import Base

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_IMPORTS = {
    # package: what it may import besides the standard library and itself (DESIGN.md layout)
    "questionnaires": set(),
    "sampling": {"numpy", "scipy"},
    "analysis": {"numpy", "scipy", "questionnaires"},
    "scoring_bridge": {"analysis"},
}


def _imports(path: Path) -> set[str]:
    """The top-level names of every absolute import in a module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED_IMPORTS))
def test_computation_packages_import_only_what_the_design_allows(package: str) -> None:
    allowed = set(sys.stdlib_module_names) | {package} | ALLOWED_IMPORTS[package]
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules, f"{package}/ has no modules"
    offenders = {str(path.relative_to(ROOT)): sorted(_imports(path) - allowed) for path in modules}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("package", sorted(ALLOWED_IMPORTS))
def test_computation_packages_check_input_without_assert(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert offenders == []


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in readme]
    assert missing == [], f"document these settings in README.md: {missing}"


def test_migrations_build_the_schema_of_the_models_and_go_back_down(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "m.sqlite")
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set(Base.metadata.tables)
        for name, table in Base.metadata.tables.items():
            columns = {c["name"] for c in inspect(engine).get_columns(name)}
            assert columns == set(table.columns.keys()), name
    finally:
        engine.dispose()
    migrate.downgrade(url, "base")
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()


def test_sqlite_database_runs_in_wal_mode(tmp_path: Path) -> None:
    from survey_app.db import make_engine

    engine = make_engine(sqlite_url(tmp_path / "w.sqlite"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
