"""The layout's import rules (docs/architecture.md, docs/decisions/0016): checked on the real tree,
and shown to fail on deliberately bad imports.

- a feature package's service modules never import a page module (``pages.py``, ``*_pages.py``,
  or any module that makes a blueprint);
- feature packages do not import each other in a cycle;
- nothing outside ``survey_app/cli/`` imports ``survey_app.cli``;
- ``survey_app/`` directly holds only the shared ground, and each feature package says in its
  ``__init__.py`` docstring what lives there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "survey_app"
SHARED_GROUND = {
    "__init__",
    "app_factory",
    "assets",
    "compression",
    "config",
    "csv_files",
    "errors",
    "extensions",
    "health",
    "i18n",
    "security",
    "submission_limits",
    "spreadsheets",
}
NOT_FEATURES = {"db"}  # shared ground that happens to be a package (engine, models, migrations)


@dataclass(frozen=True)
class Module:
    """A module of survey_app: its dotted name, its feature package (or None) and its imports."""

    name: str
    feature: str | None
    is_page: bool
    imports: frozenset[str]


def _imported(tree: ast.AST) -> set[str]:
    """Every ``survey_app…`` module named by an import anywhere in the module (also in functions).

    ``from survey_app.x import y`` counts as importing both ``survey_app.x`` and
    ``survey_app.x.y`` (``y`` may be a submodule).
    """
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("survey_app")}
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").startswith("survey_app")
        ):
            names.add(str(node.module))
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _makes_blueprint(tree: ast.Module) -> bool:
    """True when a module-level assignment makes a blueprint (``bp = staff_blueprint(…)``)."""
    return any(
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id in {"Blueprint", "staff_blueprint"}
        for node in tree.body
    )


def parse_module(dotted: str, source: str) -> Module:
    """A `Module` from its dotted name (``survey_app.trust.review``) and its source."""
    tree = ast.parse(source)
    parts = dotted.split(".")
    feature = parts[1] if len(parts) > 2 and parts[1] not in NOT_FEATURES else None
    last = parts[-1]
    is_page = last == "pages" or last.endswith("_pages") or _makes_blueprint(tree)
    return Module(dotted, feature, is_page, frozenset(_imported(tree)))


def real_modules() -> dict[str, Module]:
    modules = {}
    for path in sorted(APP.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        dotted = dotted.removesuffix(".__init__")
        modules[dotted] = parse_module(dotted, path.read_text(encoding="utf-8"))
    return modules


def services_importing_pages(modules: Mapping[str, Module]) -> list[str]:
    """``service -> page`` for every service module of a feature that imports a page module."""
    pages = {name for name, m in modules.items() if m.is_page}
    return sorted(
        f"{m.name} -> {target}"
        for m in modules.values()
        if m.feature and m.feature != "cli" and not m.is_page
        for target in m.imports & pages
    )


def feature_graph(modules: Mapping[str, Module]) -> dict[str, set[str]]:
    """Feature package → the other feature packages it imports."""
    features = {m.feature for m in modules.values() if m.feature}
    graph: dict[str, set[str]] = {f: set() for f in features}
    for m in modules.values():
        if not m.feature:
            continue
        for target in m.imports:
            parts = target.split(".")
            if len(parts) > 1 and parts[1] in features and parts[1] != m.feature:
                graph[m.feature].add(parts[1])
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first search (each reported once, from its smallest name)."""
    found: set[tuple[str, ...]] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycle = path[path.index(nxt) :]
                start = cycle.index(min(cycle))
                found.add(tuple(cycle[start:] + cycle[:start]))
            else:
                visit(nxt, [*path, nxt])

    for node in sorted(graph):
        visit(node, [node])
    return [list(c) for c in sorted(found)]


def cli_importers(modules: Mapping[str, Module]) -> list[str]:
    """Modules outside ``survey_app.cli`` that import it."""
    return sorted(
        m.name
        for m in modules.values()
        if m.feature != "cli" and any(t.startswith("survey_app.cli") for t in m.imports)
    )


# --- the real tree ------------------------------------------------------------------------------


def test_no_service_imports_a_page() -> None:
    assert services_importing_pages(real_modules()) == []


def test_feature_packages_import_each_other_without_cycles() -> None:
    assert cycles(feature_graph(real_modules())) == []


def test_nothing_imports_the_cli() -> None:
    assert cli_importers(real_modules()) == []


def test_survey_app_directly_holds_only_the_shared_ground() -> None:
    direct = {p.stem for p in APP.glob("*.py")}
    assert direct <= SHARED_GROUND, sorted(direct - SHARED_GROUND)


def test_every_feature_package_says_what_lives_there() -> None:
    packages = [p for p in APP.iterdir() if (p / "__init__.py").exists()]
    assert len(packages) >= 9
    silent = [
        p.name
        for p in packages
        if len(ast.get_docstring(ast.parse((p / "__init__.py").read_text("utf-8"))) or "") < 80
    ]
    assert silent == []


# --- the rules fail on bad imports --------------------------------------------------------------


def _fake(sources: Mapping[str, str]) -> dict[str, Module]:
    return {name: parse_module(name, src) for name, src in sources.items()}


def test_a_service_importing_a_page_is_caught() -> None:
    modules = _fake(
        {
            "survey_app.trust.review": "from survey_app.trust.review_pages import bp\n",
            "survey_app.trust.review_pages": "bp = 1\n",
            "survey_app.results.files": (
                "def f():\n    from survey_app.results import pages\n    return pages\n"
            ),
            "survey_app.results.pages": "x = 1\n",
            "survey_app.staff.charts": "bp = staff_blueprint('charts', __name__, '/a')\n",
            "survey_app.planning.plans": "import survey_app.staff.charts\n",
        }
    )
    assert services_importing_pages(modules) == [
        "survey_app.planning.plans -> survey_app.staff.charts",
        "survey_app.results.files -> survey_app.results.pages",
        "survey_app.trust.review -> survey_app.trust.review_pages",
    ]


def test_a_cycle_between_feature_packages_is_caught() -> None:
    modules = _fake(
        {
            "survey_app.survey.pages": "from survey_app.staff.access import staff_blueprint\n",
            "survey_app.staff.audit_pages": "from survey_app.survey.pages import attachment\n",
            "survey_app.results.pages": "from survey_app.staff import access\n",
        }
    )
    assert cycles(feature_graph(modules)) == [["staff", "survey"]]


def test_importing_the_cli_is_caught() -> None:
    modules = _fake(
        {
            "survey_app.demo": "from survey_app.cli.common import make_app\n",
            "survey_app.cli.main": "from survey_app.cli import survey\n",
        }
    )
    assert cli_importers(modules) == ["survey_app.demo"]


@pytest.mark.parametrize(
    ("name", "source", "page"),
    [
        ("survey_app.par.pages", "", True),
        ("survey_app.trust.api_pages", "", True),
        ("survey_app.staff.charts", "bp = Blueprint('c', __name__)\n", True),
        ("survey_app.trust.signals", "import flask\n", False),
    ],
)
def test_page_modules_are_told_apart(name: str, source: str, page: bool) -> None:
    assert parse_module(name, source).is_page is page
