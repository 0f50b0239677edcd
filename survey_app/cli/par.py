"""``sipas par …`` and ``sipas score``: the PAR index's catalogs, points, SIPAS figures, scores."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from survey_app.cli.common import fail_with, make_app, round_named, unit_named
from survey_app.i18n import vi_en

YEAR = click.option("--year", type=int, required=True, help="the evaluation year")


@click.group("par")
def par() -> None:
    """The PAR index: criteria catalogs, points, SIPAS for 8.1, statuses."""


@par.command("catalog-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@YEAR
def catalog_import(file: Path, year: int) -> None:
    """Import a province's own catalog (CSV, the appendix-shaped XLSX, or JSON with the
    province's rules) for the year."""
    from survey_app.db import get_db
    from survey_app.par.imports import import_catalogs

    app = make_app()
    with app.app_context():
        session = get_db().factory()
        with session.begin():
            outcome = import_catalogs(session, file.read_bytes(), file.name, year)
            if not outcome.ok:
                session.rollback()
                fail_with(outcome.problems, file.name)
    click.echo(
        vi_en(
            "đã nhập %(count)s khung điểm năm %(year)s: %(types)s",
            count=len(outcome.saved),
            year=year,
            types=", ".join(outcome.saved),
        )
    )
    if "rules" in outcome.summary:
        click.echo(outcome.summary, err=True)


@par.command("rule-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rule_import(file: Path) -> None:
    """Import an 8.1 rule (JSON: criterion, unit_type, year, method, max_points, bands/floor/
    ceiling) for its unit type and year; it must agree with that year's catalog."""
    from survey_app.db import get_db
    from survey_app.par.imports import import_rule81

    app = make_app()
    with app.app_context():
        session = get_db().factory()
        with session.begin():
            outcome = import_rule81(session, file.read_bytes())
            if not outcome.ok:
                session.rollback()
                fail_with(outcome.problems, file.name)
    click.echo(vi_en("đã nhập quy tắc 8.1: %(rule)s", rule=outcome.summary))


@par.command("catalog-export")
@YEAR
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="FILE.xlsx (appendix shape), FILE.csv, or FILE.json (with the province's rules)",
)
def catalog_export(year: int, out: Path) -> None:
    """Write the year's catalogs (imported, else shipped) as XLSX, CSV or JSON (the only form
    that keeps the province's rules)."""
    from survey_app.db import get_db
    from survey_app.par.files import catalog_csv, catalog_xlsx, catalogs_json
    from survey_app.par.scoring import catalogs_for

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        catalogs = catalogs_for(session, year)
    if not catalogs:
        raise click.ClickException(vi_en("chưa có khung điểm năm %(year)s", year=year))
    if out.suffix.lower() == ".xlsx":
        out.write_bytes(catalog_xlsx(list(catalogs.values())))
    elif out.suffix.lower() == ".json":
        out.write_text(catalogs_json(list(catalogs.values())), encoding="utf-8")
    else:
        text = "".join(
            catalog_csv(c) if i == 0 else catalog_csv(c).split("\n", 1)[1]
            for i, c in enumerate(catalogs.values())
        )
        out.write_text(text, encoding="utf-8")
    click.echo(vi_en("%(count)s khung điểm ghi vào %(out)s", count=len(catalogs), out=out))


@par.command("points-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@YEAR
def points_import(file: Path, year: int) -> None:
    """Import self-assessed and final points (CSV unit_code,code,self_points,final_points,note
    or the appendix-shaped XLSX): every row, or none and every error."""
    from survey_app.db import get_db
    from survey_app.par.imports import import_points

    app = make_app()
    with app.app_context():
        session = get_db().factory()
        with session.begin():
            outcome = import_points(session, file.read_bytes(), file.name, year)
            if not outcome.ok:
                session.rollback()
                fail_with(outcome.problems, file.name)
    click.echo(
        vi_en("đã nhập điểm của %(count)s đơn vị năm %(year)s", count=len(outcome.saved), year=year)
    )


@par.command("sipas")
@YEAR
@click.option("--round", "round_name", default=None, help="analyse this round")
@click.option(
    "--results",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="or read a results file (sipas analyze's CSV)",
)
def par_sipas(year: int, round_name: str | None, results: Path | None) -> None:
    """Keep each unit's SIPAS figure (estimate and interval) that feeds its criterion 8.1."""
    from survey_app.db import get_db
    from survey_app.par.outputs import read_sipas_results
    from survey_app.par.scoring import store_sipas
    from survey_app.par.year import sipas_from_round

    if (round_name is None) == (results is None):
        raise click.UsageError(vi_en("cho --round TÊN hoặc --results TỆP"))
    if results is not None:
        figures, problems = read_sipas_results(results)
        if problems:
            fail_with(problems, results.name)
    app = make_app()
    with app.app_context(), get_db().begin() as session:
        if round_name is not None:
            outcome = sipas_from_round(session, year, round_named(session, round_name))
            stored, source = len(outcome.stored), f"round {round_name}"
        else:
            assert results is not None
            source = f"file {results.name}"
            stored = store_sipas(session, year, figures, source)
    click.echo(
        vi_en(
            "đã lưu SIPAS của %(count)s đơn vị năm %(year)s (%(source)s)",
            count=stored,
            year=year,
            source=source,
        )
    )


@par.command("status")
@click.argument("unit_code")
@YEAR
@click.option(
    "--to",
    "status",
    required=True,
    type=click.Choice(["draft", "submitted", "appraised", "published"]),
)
@click.option(
    "--on",
    "on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="date of submission (default today)",
)
def status(unit_code: str, year: int, status: str, on: datetime | None) -> None:
    """Move a unit's assessment of the year along draft → submitted → appraised → published."""
    from survey_app.db import get_db
    from survey_app.par.labels import status_label
    from survey_app.par.scoring import ChangeError, lateness, set_status

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        unit = unit_named(session, unit_code, date(year, 12, 31), f"31/12/{year}")
        try:
            row = set_status(session, year, unit, status, on.date() if on else None)
        except ChangeError as exc:
            raise click.ClickException(str(exc)) from None
        late = lateness(unit, year, row, date.today())
    click.echo(
        f"{unit_code} {year}: {status_label(status)} / {status_label(status, 1)}"
        + (" (" + vi_en("trễ hạn") + ")" if late else "")
    )


@click.command("score")
@YEAR
@click.option(
    "--units",
    "units_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV code,name,unit_type,ranked",
)
@click.option(
    "--catalog",
    "catalog_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
)
@click.option(
    "--points",
    "points_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
)
@click.option(
    "--sipas",
    "sipas_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="results.csv of sipas analyze",
)
@click.option(
    "--rule",
    "rule_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="an 8.1 rule (JSON) for its unit type",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="FILE.xlsx, FILE.csv or FILE.json",
)
def score(
    year: int,
    units_file: Path | None,
    catalog_file: Path | None,
    points_file: Path | None,
    sipas_file: Path | None,
    rule_file: Path | None,
    out: Path,
) -> None:
    """Score and rank every unit of the year.

    From the database; each file option replaces that part of the input. With --units and
    --points the database is not opened: the shipped catalogs and 8.1 rules of the year are used
    unless --catalog and --rule give others, and 8.1 needs --sipas (a results CSV, XLSX or JSON
    of sipas analyze).
    """
    from scoring_bridge import ProblemsError
    from survey_app.par.outputs import inputs_with_files, write_report
    from survey_app.par.report import compute, shipped_inputs

    if out.suffix.lower() not in (".xlsx", ".csv", ".json"):
        raise click.ClickException(vi_en("ghi ra .xlsx, .csv hoặc .json") + f" ({out.name})")
    if units_file is not None and points_file is not None:
        inputs = shipped_inputs(year)
    else:
        from survey_app.db import get_db
        from survey_app.par.scoring import inputs_from_database

        app = make_app()
        with app.app_context(), get_db().begin() as session:
            inputs = inputs_from_database(session, year)
    inputs, problems = inputs_with_files(
        inputs,
        units=units_file,
        catalog=catalog_file,
        points=points_file,
        sipas=sipas_file,
        rule=rule_file,
    )
    if problems:
        fail_with(problems, "input")
    if not inputs.units:
        raise click.ClickException(
            vi_en(
                "chưa có đơn vị nào để chấm điểm năm %(year)s: nhập đơn vị (`sipas units import`) "
                "hoặc cho --units TỆP",
                year=year,
            )
        )
    try:
        report = compute(inputs)
    except ProblemsError as exc:
        fail_with(list(exc.problems), "scoring")
    if not report.scores:
        raise click.ClickException(
            vi_en(
                "không có đơn vị nào được chấm năm %(year)s: nhập điểm (`sipas par points-import`)",
                year=year,
            )
        )
    write_report(report, out)
    for note in report.notes:
        vietnamese, _, english = note.partition(" | ")
        click.echo(vi_en("ghi chú") + f": {vietnamese} / {english or vietnamese}", err=True)
    click.echo(
        vi_en(
            "đã chấm %(count)s đơn vị năm %(year)s, ghi vào %(out)s",
            count=len(report.ranking),
            year=year,
            out=out,
        )
    )


def _year_commands() -> None:
    """``sipas par remind``, ``evidence-backup``, ``evidence-restore`` (cli/par_year.py)."""
    from survey_app.cli import par_year

    for command in par_year.COMMANDS:
        par.add_command(command)


_year_commands()
COMMANDS = [par, score]
