"""``sipas`` on a fresh machine (issue 13, item 5): every command and subcommand, walked from the
click tree, in an empty folder whose DATABASE_URL names a SQLite file that does not exist, with
missing, empty and wrong inputs: never a traceback, a non-zero exit when it fails. The file
commands need no database and load neither Flask nor SQLAlchemy (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from survey_app.cli.main import main

ROOT = Path(__file__).resolve().parents[3]


def _leaves(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _leaves(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(_leaves(main))
NAMES = [" ".join(path) for path, _ in COMMANDS]
# which commands may succeed in an empty folder (they create what they need)
MAY_SUCCEED = {"db upgrade"}
# values for required options and arguments that are not files, by parameter name
TEXT = {
    "round_name": "SIPAS 2023",
    "unit_code": "SNV",
    "code": "SNV-9",
    "name": "Đợt 1",
    "username": "nv.admin",
    "revision": "no-such-revision",
    "password": "a long password 123",
    "reason": "kiểm tra",
    "questionnaire_ref": "sipas-2023@1",
}
WRONG_FILES = {
    "empty": b"",
    "garbage": b"\xff\xfe\x00\x01PK\x03\x04 not a table \x00\xff",
    "wrong-columns": "cột,khác\n1,2\n".encode(),
}


def test_the_walk_finds_every_command() -> None:
    assert len(COMMANDS) >= 28
    for expected in ("rounds list", "rounds create", "qr", "score", "par sipas", "review scan"):
        assert expected in NAMES


def _file(tmp_path: Path, variant: str, suffix: str = ".csv") -> str:
    path = tmp_path / f"{variant}{suffix}"
    if variant != "missing":
        path.write_bytes(WRONG_FILES[variant])
    return str(path)


def _value(param: click.Parameter, tmp_path: Path, variant: str) -> str:
    kind = param.type
    if isinstance(kind, click.Path):
        return _file(tmp_path, variant) if kind.exists else str(tmp_path / "out.csv")
    if isinstance(kind, click.Choice):
        return str(kind.choices[0])
    if isinstance(kind, click.DateTime):
        return "2023-01-01"
    if kind is click.INT:
        return "2023"
    if kind is click.FLOAT:
        return "0.05"
    return TEXT.get(param.name or "", "x")


def _arguments(command: click.Command, tmp_path: Path, variant: str) -> list[str]:
    """Every required parameter (and the password, which would be asked for) filled in."""
    args: list[str] = []
    for param in command.params:
        if isinstance(param, click.Argument):
            args.append(_value(param, tmp_path, variant))
        elif isinstance(param, click.Option) and (param.required or param.name == "password"):
            args += [param.opts[0], _value(param, tmp_path, variant)]
        elif isinstance(param, click.Option) and param.name == "once":
            args.append("--once")  # `sipas review watch` runs until stopped: one scan here
    return args


def _run(args: list[str], database_url: str, cwd: Path) -> Result:
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(
            main,
            args,
            env={"DATABASE_URL": database_url, "BASE_URL": None, "SECRET_KEY": None},
        )
    finally:
        os.chdir(old)


def _check(result: Result, name: str, args: list[str]) -> None:
    shown = f"sipas {' '.join(args)}\n{result.output}"
    assert "Traceback" not in result.output, shown
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), (shown, repr(result.exception))
    if name not in MAY_SUCCEED:
        assert result.exit_code != 0, shown


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=NAMES)
def test_every_command_fails_cleanly_without_a_database(
    path: tuple[str, ...], command: click.Command, tmp_path: Path
) -> None:
    name = " ".join(path)
    assert _run([*path, "--help"], "sqlite://", tmp_path).exit_code == 0
    if name == "demo":  # would serve: only its options are checked
        result = _run(["demo", "--port", "port"], "sqlite://", tmp_path)
        _check(result, name, ["demo", "--port", "port"])
        return
    seen: set[tuple[str, ...]] = set()
    databases = {
        "no folder": f"sqlite:///{tmp_path / 'no-folder' / 'sipas.sqlite'}",
        "no tables": f"sqlite:///{tmp_path / 'empty.sqlite'}",
    }
    for variant in ("missing", *WRONG_FILES):
        args = [*path, *_arguments(command, tmp_path, variant)]
        if tuple(args) in seen:
            continue
        seen.add(tuple(args))
        for url in databases.values():
            _check(_run(args, url, tmp_path), name, args)
    _check(_run(list(path), databases["no tables"], tmp_path), name, list(path))


SCENARIOS = [
    ["plan", "--populations", "{missing}", "--out", "{out}.csv"],
    ["plan", "--populations", "{empty}", "--out", "{out}.csv"],
    ["plan", "--populations", "{garbage}", "--out", "{out}.csv"],
    ["plan", "--populations", "{pops}", "--out", "{out}.pdf"],
    ["plan", "--populations", "{pops}", "--margin", "2", "--out", "{out}.csv"],
    ["plan", "--populations", "{pops}", "--round", "SIPAS 2023", "--out", "{out}.csv"],
    ["draw", "--frame", "{empty}", "--plan", "{garbage}", "--seed", "1", "--out", "{out}.csv"],
    ["draw", "--frame", "{wrong-columns}", "--plan", "{xlsx}", "--seed", "1", "--out", "{out}"],
    ["analyze", "--responses", "{empty}", "--questionnaire", "sipas-2023@1", "--out", "{out}.csv"],
    ["analyze", "--responses", "{garbage}", "--questionnaire", "x@1", "--out", "{out}.csv"],
    ["analyze", "--responses", "{wrong-columns}", "--questionnaire", "sipas", "--out", "{out}.csv"],
    ["analyze", "--responses", "{pops}", "--questionnaire", "sipas-2023@1", "--out", "{out}.txt"],
    ["analyze", "--round", "SIPAS 2023", "--out", "{out}.csv"],
    ["score", "--year", "2023", "--units", "{empty}", "--points", "{garbage}",
     "--out", "{out}.csv"],
    ["score", "--year", "2023", "--units", "{pops}", "--points", "{pops}", "--sipas", "{xlsx}",
     "--out", "{out}.xlsx"],
    ["score", "--year", "2023", "--sipas", "{garbage}", "--out", "{out}.csv"],
    ["questionnaire", "check", "{empty}"],
    ["questionnaire", "check", "{garbage}"],
    ["par", "catalog-import", "{xlsx}", "--year", "2023"],
    ["par", "points-import", "{xlsx}", "--year", "2023"],
    ["par", "rule-import", "{garbage}"],
    ["units", "import", "{xlsx}"],
    ["tokens", "issue", "--frame", "{garbage}", "--round", "x", "--out", "{out}.csv"],
    ["qr", "--round", "SIPAS 2023", "--out", "{out}.pdf", "--base-url", "ftp://x"],
    ["qr", "--round", "SIPAS 2023", "--out", "{out}.pdf"],
    ["rounds", "create", "R", "--opens", "2023-01-01", "--closes", "2023-12-31"],
    ["export", "responses", "--out", "{tmp}/no/such/folder/r.csv"],
    ["db", "downgrade", "no-such-revision"],
]  # fmt: skip


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[" ".join(s[:2]) for s in SCENARIOS])
def test_wrong_inputs_get_messages_not_tracebacks(scenario: list[str], tmp_path: Path) -> None:
    files = {variant: _file(tmp_path, variant) for variant in ("missing", *WRONG_FILES)}
    files["xlsx"] = _file(tmp_path, "garbage", ".xlsx")
    (tmp_path / "pops.csv").write_text("unit_code,population\nA,100\n", encoding="utf-8")
    files.update(pops=str(tmp_path / "pops.csv"), out=str(tmp_path / "out"), tmp=str(tmp_path))
    args = [part.format(**files) for part in scenario]
    result = _run(args, f"sqlite:///{tmp_path / 'none' / 'sipas.sqlite'}", tmp_path)
    _check(result, scenario[0], args)


def _subprocess(args: list[str], cwd: Path, code: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{cwd / 'nowhere' / 'sipas.sqlite'}",
    }
    env.pop("BASE_URL", None)
    command = [sys.executable, "-m", "survey_app.cli.main", *args]
    if code is not None:
        command = [sys.executable, "-c", code, *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_a_missing_database_is_one_message_in_both_languages(tmp_path: Path) -> None:
    """As the operator sees it: a real process, its whole output."""
    done = _subprocess(["rounds", "list"], tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "không mở được tệp cơ sở dữ liệu" in done.stderr
    assert "cannot open the database file" in done.stderr and "sipas db upgrade" in done.stderr
    (tmp_path / "nowhere").mkdir()
    done = _subprocess(["analyze", "--round", "SIPAS 2023", "--out", "r.csv"], tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "chưa được tạo" in done.stderr and "run `sipas db upgrade`" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


LAZY = """
import sys
from survey_app.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = ("flask", "sqlalchemy", "pandas", "scipy", "openpyxl")  # seconds of start-up between them
loaded = sorted(m for m in heavy if m in sys.modules)
print("EXIT", code, "LOADED", ",".join(loaded) or "-")
"""


def _lazy(args: list[str], cwd: Path) -> str:
    done = _subprocess(args, cwd, LAZY)
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_help_and_file_commands_load_no_web_database_or_heavy_statistics_module(
    tmp_path: Path, round_trip_files: dict[str, Path]
) -> None:
    files = round_trip_files
    runs = [
        ["--help"],
        ["plan", "--populations", str(files["populations"]), "--out", "plan.csv"],
        ["draw", "--frame", str(files["frame"]), "--plan", "plan.csv", "--seed", "1",
         "--out", "sample.csv"],
        ["analyze", "--responses", str(files["responses"]), "--questionnaire", "sipas-2023@1",
         "--out", "results.csv"],
        ["score", "--year", "2023", "--units", str(files["units"]), "--points",
         str(files["points"]), "--sipas", "results.csv", "--out", "ranking.json"],
        ["score", "--year", "2023", "--units", str(files["units"]), "--points",
         str(files["points"]), "--sipas", "results.csv", "--out", "ranking.csv"],
        ["questionnaire", "check", str(files["questionnaire"])],
    ]  # fmt: skip
    for args in runs:
        assert _lazy(args, tmp_path) == "EXIT 0 LOADED -", args
    # a workbook is read or written with openpyxl, and only then
    workbooks = [
        ["analyze", "--responses", str(files["responses"]), "--questionnaire", "sipas-2023@1",
         "--out", "results.xlsx"],
        ["score", "--year", "2023", "--units", str(files["units"]), "--points",
         str(files["points"]), "--sipas", "results.xlsx", "--out", "ranking.json"],
    ]  # fmt: skip
    for args in workbooks:
        assert _lazy(args, tmp_path) == "EXIT 0 LOADED openpyxl", args
    # the same interpreter does load them for a database command
    assert _lazy(["rounds", "list"], tmp_path) == "EXIT 1 LOADED flask,openpyxl,sqlalchemy"
    assert not (tmp_path / "nowhere").exists()  # no file command touched the database


FILE_SERVICES = (
    "survey_app.csv_files",
    "survey_app.config",
    "survey_app.planning.files",
    "survey_app.planning.populations",
    "survey_app.results.analysis_input",
    "survey_app.results.files",
    "survey_app.results.table_analysis",
    "survey_app.results.units_file",
    "survey_app.par.files",
    "survey_app.par.outputs",
    "survey_app.par.report",
    "survey_app.cli.main",
)


def test_the_file_services_import_neither_flask_nor_sqlalchemy(tmp_path: Path) -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {FILE_SERVICES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in ('flask', 'sqlalchemy') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.strip() == "[]", done.stderr
