"""``sipas``: the one command for every operator task.

Each command builds the app from the environment (``DATABASE_URL`` etc.), so it works on the same
database as the server.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from sampling import PLAN_METHODS
from survey_app.cli.common import fail_with, make_app
from survey_app.db import get_db, migrate
from survey_app.db.models import Counter, Unit, UnitType


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """SIPAS platform: collect, plan, analyse and score citizens' satisfaction surveys."""


# --- database -------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema, then add the shipped unit types."""
    app = make_app()
    migrate.upgrade(app.config["DATABASE_URL"], revision)
    from survey_app.survey.units_import import ensure_unit_types

    with app.app_context(), get_db().begin() as session:
        added = ensure_unit_types(session)
    click.echo(f"database at {revision}; {added} unit type(s) added")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION (e.g. base)."""
    migrate.downgrade(make_app().config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


# --- units and counters ---------------------------------------------------------------------
@main.group()
def units() -> None:
    """Administrative units."""


@units.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--valid-from",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="start date of rows without valid_from (default today)",
)
@click.option("--supersede", is_flag=True, help="close units of the same code still valid")
def units_import(file: Path, valid_from: datetime | None, supersede: bool) -> None:
    """Import FILE.csv: every row, or none and every error by row and column."""
    from survey_app.survey.units_import import import_units

    app = make_app()
    with app.app_context():
        session = get_db().factory()
        with session.begin():
            report = import_units(
                session,
                file,
                supersede=supersede,
                valid_from=valid_from.date() if valid_from else None,
            )
            if not report.ok:
                session.rollback()
    for warning in report.warnings:
        click.echo(f"warning: {file.name}: {warning}", err=True)
    if not report.ok:
        for error in report.errors:
            click.echo(f"error: {file.name}: {error}", err=True)
        click.echo(f"{len(report.errors)} error(s): nothing imported", err=True)
        sys.exit(1)
    click.echo(f"{report.created} unit(s) imported, {report.superseded} superseded")


@main.group()
def counters() -> None:
    """One-stop counters and their permanent short URLs."""


@counters.command("add")
@click.argument("unit_code")
@click.argument("code")
@click.option("--name", default="", help="the counter's name as shown on its poster")
def counters_add(unit_code: str, code: str, name: str) -> None:
    """Add counter CODE to the unit UNIT_CODE valid today."""
    from survey_app.survey.counters import (
        DEFAULT_COUNTER_NAME,
        CounterError,
        add_counter,
        short_url,
    )

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        unit = next(
            (
                u
                for u in session.scalars(select(Unit).where(Unit.code == unit_code))
                if u.valid_on(date.today())
            ),
            None,
        )
        if unit is None:
            raise click.ClickException(f"no unit {unit_code!r} is valid today")
        try:
            add_counter(session, unit, code, name or DEFAULT_COUNTER_NAME)
        except CounterError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"counter {code}: {short_url(app.config['BASE_URL'], code)}")


# --- rounds ---------------------------------------------------------------------------------
@main.group()
def rounds() -> None:
    """Survey rounds."""


def _local(value: datetime, zone: str) -> datetime:
    return value.replace(tzinfo=ZoneInfo(zone))


@rounds.command("create")
@click.argument("name")
@click.option("--questionnaire", "questionnaire_id", default="sipas-2023", show_default=True)
@click.option("--version", "questionnaire_version", default=1, show_default=True)
@click.option(
    "--opens",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M"]),
    required=True,
    help="local time (Asia/Ho_Chi_Minh)",
)
@click.option("--closes", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M"]), required=True)
@click.option("--unit-type", "unit_types", multiple=True, help="cover every unit of this type")
@click.option("--unit", "unit_codes", multiple=True, help="cover this unit (repeatable)")
def rounds_create(
    name: str,
    questionnaire_id: str,
    questionnaire_version: int,
    opens: datetime,
    closes: datetime,
    unit_types: tuple[str, ...],
    unit_codes: tuple[str, ...],
) -> None:
    """Create round NAME covering the units given (by type or code) valid when it opens."""
    from survey_app.survey.rounds import RoundError, create_round

    app = make_app()
    zone = app.config["DISPLAY_TIMEZONE"]
    opens_at, closes_at = _local(opens, zone), _local(closes, zone)
    with app.app_context(), get_db().begin() as session:
        query = select(Unit).join(UnitType)
        chosen = [
            u
            for u in session.scalars(query)
            if (u.unit_type.code in unit_types or u.code in unit_codes)
            and u.valid_on(opens_at.date())
        ]
        missing = set(unit_codes) - {u.code for u in chosen}
        if missing:
            raise click.ClickException(f"unknown unit code(s): {', '.join(sorted(missing))}")
        try:
            survey_round = create_round(
                session,
                name=name,
                questionnaire_id=questionnaire_id,
                questionnaire_version=questionnaire_version,
                opens_at=opens_at,
                closes_at=closes_at,
                units=chosen,
            )
        except RoundError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"round {survey_round.name!r}: {len(chosen)} unit(s)")


# --- questionnaires -------------------------------------------------------------------------
@main.group()
def questionnaire() -> None:
    """Questionnaire definitions."""


@questionnaire.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def questionnaire_check(file: Path) -> None:
    """Check a definition FILE and print every problem with its location."""
    from questionnaires.loader import format_problems, load_questionnaire

    result = load_questionnaire(file)
    if result.problems or result.warnings:
        click.echo(format_problems(result), err=not result.ok)
    if not result.ok:
        click.echo(f"{len(result.problems)} problem(s) in {file}", err=True)
        sys.exit(1)
    value = result.value
    assert value is not None
    click.echo(
        f"{file}: {value.id} version {value.version} is valid "
        f"({len(value.items)} items in {len(value.elements)} elements)"
    )


# --- users ----------------------------------------------------------------------------------
@main.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.argument("username")
@click.option(
    "--role",
    default="admin",
    show_default=True,
    help="admin, analyst, council or unit_officer (docs/decisions/0012)",
)
@click.option("--unit", "unit_code", default=None, help="a unit officer's unit code")
@click.password_option(help="asked for when not given")
def users_create(username: str, role: str, unit_code: str | None, password: str) -> None:
    """Create a staff account with a hashed password (a unit officer with --unit CODE)."""
    import getpass

    from survey_app.staff import audit
    from survey_app.staff.users import UserError, create_user

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        unit = None
        if unit_code is not None:
            versions = session.scalars(
                select(Unit).where(Unit.code == unit_code).order_by(Unit.valid_from.desc())
            ).all()
            if not versions:
                raise click.ClickException(f"no unit with code {unit_code!r}")
            unit = next((u for u in versions if u.valid_on(date.today())), versions[0])
        try:
            create_user(session, username, password, role, unit)
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
        audit.record(
            session,
            who=f"cli:{getpass.getuser()}",
            action="cli.users_create",
            target=f"user {username.strip()}",
            detail={"role": role, "unit": unit_code or ""},
        )
    where = f", unit {unit_code}" if unit_code else ""
    click.echo(f"user {username!r} ({role}{where}) created")


# --- QR posters and exports -----------------------------------------------------------------
@main.command("qr")
@click.option("--round", "round_name", required=True, help="the round whose counters to print")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "zip"]),
    default="pdf",
    show_default=True,
    help="pdf: one poster a page; zip: PNG and SVG per counter",
)
def qr(round_name: str, out: Path, fmt: str) -> None:
    """Write every counter's poster (or codes) of a round's units into one file."""
    from survey_app.survey.counters import counters_for_units, short_url
    from survey_app.survey.poster_pages import poster_spec
    from survey_app.survey.qr import codes_zip, poster_pdf
    from survey_app.survey.rounds import find_round

    app = make_app()
    base = app.config["BASE_URL"]
    with app.app_context(), get_db().begin() as session:
        survey_round = find_round(session, round_name)
        if survey_round is None:
            raise click.ClickException(f"no round named {round_name!r}")
        found: list[Counter] = counters_for_units(session, [u.id for u in survey_round.units])
        if not found:
            raise click.ClickException(f"round {round_name!r} has no counters")
        with click.progressbar(
            length=len(found), label=f"{fmt.upper()} {out.name}", file=sys.stderr
        ) as bar:
            done = [0]

            def step(count: int) -> None:
                bar.update(count - done[0])
                done[0] = count

            if fmt == "pdf":
                data = poster_pdf([poster_spec(c, base) for c in found], progress=step)
            else:
                data = codes_zip([(c.code, short_url(base, c.code)) for c in found], progress=step)
    out.write_bytes(data)
    click.echo(f"{len(found)} counter(s) written to {out}")


@main.group("export")
def export_group() -> None:
    """Exports for analysts."""


@export_group.command("responses")
@click.option("--round", "round_name", default=None, help="one round (default: all)")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="FILE.csv or FILE.xlsx",
)
@click.option(
    "--include-excluded",
    is_flag=True,
    help="also the answers a reviewer excluded (left out by default)",
)
def export_responses(round_name: str | None, out: Path, include_excluded: bool) -> None:
    """Export the answers as CSV or XLSX (the format follows the file's extension)."""
    from survey_app.survey.export import to_csv, to_xlsx
    from survey_app.survey.rounds import find_round

    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise click.ClickException(f"{out.name}: the file must end in .csv or .xlsx")
    app = make_app()
    with app.app_context(), get_db().begin() as session:
        if round_name and find_round(session, round_name) is None:
            raise click.ClickException(f"no round named {round_name!r}")
        if suffix == ".csv":
            with out.open("w", encoding="utf-8", newline="") as handle:
                for chunk in to_csv(session, round_name, include_excluded=include_excluded):
                    handle.write(chunk)
        else:
            out.write_bytes(to_xlsx(session, round_name, include_excluded=include_excluded))
    click.echo(f"responses written to {out}")


# --- sampling -------------------------------------------------------------------------------


@main.command("plan")
@click.option(
    "--populations",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV unit_code,population[,p,sd]",
)
@click.option("--margin", default=0.05, show_default=True, help="margin of error (proportion)")
@click.option("--confidence", default=0.95, show_default=True)
@click.option("--p", "p", default=0.5, show_default=True, help="expected proportion")
@click.option("--deff", default=1.0, show_default=True, help="design effect")
@click.option("--response-rate", default=1.0, show_default=True)
@click.option("--method", type=click.Choice(PLAN_METHODS), default="per-unit", show_default=True)
@click.option("--total", type=int, default=None, help="total to share (allocation methods)")
@click.option("--min", "minimum", type=int, default=0, show_default=True)
@click.option("--max", "maximum", type=int, default=None)
@click.option("--power", default=0.5, show_default=True, help="exponent of power allocation")
@click.option(
    "--round",
    "round_name",
    default=None,
    help="check the units against this round and save the plan for it",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="FILE.csv, FILE.xlsx or FILE.json",
)
def plan(
    populations: Path,
    margin: float,
    confidence: float,
    p: float,
    deff: float,
    response_rate: float,
    method: str,
    total: int | None,
    minimum: int,
    maximum: int | None,
    power: float,
    round_name: str | None,
    out: Path,
) -> None:
    """How many answers each unit needs, and the margin of error that gives."""
    from sampling import SizeParams, build_plan
    from survey_app.planning.files import PLAN_FORMATS, write_plan
    from survey_app.planning.plans import save_plan
    from survey_app.planning.populations import read_populations
    from survey_app.survey.rounds import find_round

    if out.suffix.lower() not in PLAN_FORMATS:
        raise click.ClickException(f"{out.name}: the plan is written as {', '.join(PLAN_FORMATS)}")
    app = make_app()
    with app.app_context(), get_db().begin() as session:
        survey_round = find_round(session, round_name) if round_name else None
        if round_name and survey_round is None:
            raise click.ClickException(f"no round named {round_name!r}")
        if survey_round is not None:
            known = {u.code for u in survey_round.units}
            required: set[str] | None = known
        else:
            known = set(session.scalars(select(Unit.code))) or None
            required = None
        parsed = read_populations(populations, known, required)
        for warning in parsed.warnings:
            click.echo(f"warning: {populations.name}: {warning}", err=True)
        if not parsed.ok:
            fail_with(parsed.errors, populations.name)
        try:
            params = SizeParams(
                margin=margin, confidence=confidence, p=p, deff=deff, response_rate=response_rate
            )
            result = build_plan(
                parsed.strata,
                method,
                params,
                total=total,
                minimum=minimum,
                maximum=maximum,
                power=power,
            )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        write_plan(result, out)
        if survey_round is not None:
            save_plan(session, survey_round, parsed.strata, result, created_by="sipas plan")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    saved = f"; saved for round {round_name!r}" if round_name else ""
    click.echo(
        f"{result.method}: {result.total} answers over {len(result.rows)} unit(s) "
        f"written to {out}{saved}"
    )


@main.command("draw")
@click.option(
    "--frame",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV of completed dossiers: dossier_code,unit_code,...",
)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="plan CSV (unit_code,sample_size)",
)
@click.option("--seed", type=int, required=True, help="the same seed draws the same sample")
@click.option(
    "--method", type=click.Choice(["srs", "systematic"]), default="srs", show_default=True
)
@click.option(
    "--reserve-ratio",
    default=0.2,
    show_default=True,
    help="reserves per unit as a share of its sample size",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def draw(
    frame: Path, plan_file: Path, seed: int, method: str, reserve_ratio: float, out: Path
) -> None:
    """Draw each unit's dossiers at random, with an ordered reserve list."""
    from sampling import draw_sample
    from survey_app.planning.files import read_frame, read_plan_sizes, sample_csv

    header, rows, problems = read_frame(frame)
    if problems:
        fail_with(problems, frame.name)
    sizes, problems = read_plan_sizes(plan_file)
    if problems:
        fail_with(problems, plan_file.name)
    by_unit: dict[str, list[str]] = {}
    for row in rows:
        by_unit.setdefault(row["unit_code"], []).append(row["dossier_code"])
    try:
        draws = draw_sample(
            by_unit,
            sizes,
            seed=seed,
            method=method,  # type: ignore[arg-type]
            reserve_ratio=reserve_ratio,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    out.write_text(sample_csv(header, rows, draws), encoding="utf-8")
    chosen = sum(len(d.selected) for d in draws)
    reserves = sum(len(d.reserves) for d in draws)
    click.echo(
        f"{chosen} dossier(s) drawn and {reserves} reserve(s) over {len(draws)} unit(s) "
        f"(seed {seed}) written to {out}"
    )


# --- analysis -------------------------------------------------------------------------------
@main.command("analyze")
@click.option("--round", "round_name", default=None, help="analyse a round from the database")
@click.option(
    "--responses",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="or a responses export (CSV)",
)
@click.option(
    "--questionnaire",
    "questionnaire_ref",
    default=None,
    help="with --responses: ID@VERSION, e.g. sipas-2023@1",
)
@click.option(
    "--populations",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV unit_code,population (default: the round's saved plan)",
)
@click.option(
    "--ci",
    "ci_method",
    type=click.Choice(["logit", "wilson", "korn-graubard"]),
    default="logit",
    show_default=True,
)
@click.option(
    "--aggregation",
    type=click.Choice(["mean-of-items", "pooled"]),
    default="mean-of-items",
    show_default=True,
)
@click.option("--by", default=None, help="also by this demographic column (e.g. gender)")
@click.option("--min-n", default=5, show_default=True, help="suppress groups below this n")
@click.option(
    "--poststratify",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV unit_code,cell,count: known dossiers per unit × cell; each unit's answers are "
    "weighted to them (post-stratification)",
)
@click.option(
    "--cell",
    "cell_column",
    default=None,
    help="with --poststratify: the responses' column holding each respondent's cell "
    "[default: service_field]",
)
@click.option(
    "--channels",
    default=None,
    help="only answers of these channels, e.g. receipt,paper (from: counter_qr, receipt, "
    "public_link, paper, simulated)",
)
@click.option("--verified-only", is_flag=True, help="only receipt and paper answers")
@click.option(
    "--exclude-flagged",
    is_flag=True,
    help="with --round: also leave out flagged answers (excluded ones always are)",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="FILE.csv, FILE.xlsx, FILE.json or FILE.sav",
)
def analyze(
    round_name: str | None,
    responses: Path | None,
    questionnaire_ref: str | None,
    populations: Path | None,
    ci_method: str,
    aggregation: str,
    by: str | None,
    min_n: int,
    poststratify: Path | None,
    cell_column: str | None,
    channels: str | None,
    verified_only: bool,
    exclude_flagged: bool,
    out: Path,
) -> None:
    """Weighted SIPAS indices with confidence intervals per unit, unit type and province.

    Excluded answers never count; --exclude-flagged leaves out flagged ones too.
    """
    from questionnaires.registry import get_questionnaire
    from survey_app.db.models import CHANNELS, VERIFIED_CHANNELS
    from survey_app.planning.populations import read_populations
    from survey_app.results.analysis_input import (
        InputError,
        parse_questionnaire_ref,
        read_cell_counts,
        read_responses_file,
    )
    from survey_app.results.files import RESULT_FORMATS, write_results
    from survey_app.results.round_results import (
        AnalysisOptions,
        analyze_round,
        analyze_table,
        unit_types_of,
    )
    from survey_app.survey.rounds import find_round

    if (round_name is None) == (responses is None):
        raise click.UsageError("give either --round NAME or --responses FILE")
    if responses is not None and questionnaire_ref is None:
        raise click.UsageError("--responses needs --questionnaire ID@VERSION")
    if cell_column is not None and poststratify is None:
        raise click.UsageError("--cell needs --poststratify FILE")
    if channels is not None and verified_only:
        raise click.UsageError("give --channels LIST or --verified-only, not both")
    if exclude_flagged and round_name is None:
        raise click.UsageError(
            "--exclude-flagged needs --round NAME: a responses file has no review state"
        )
    chosen: tuple[str, ...] | None = VERIFIED_CHANNELS if verified_only else None
    if channels is not None:
        chosen = tuple(c.strip() for c in channels.split(",") if c.strip())
        unknown = [c for c in chosen if c not in CHANNELS]
        if unknown or not chosen:
            raise click.BadParameter(
                f"{channels!r}: channels are {', '.join(CHANNELS)}", param_hint="--channels"
            )
    if out.suffix.lower() not in RESULT_FORMATS:
        raise click.ClickException(
            f"{out.name}: results are written as {', '.join(RESULT_FORMATS)}"
        )
    app = make_app()
    with (
        app.app_context(),
        get_db().begin() as session,
        click.progressbar(length=1, label="analysing", file=sys.stderr) as bar,
    ):

        def step(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        known = {u.code: u for u in session.scalars(select(Unit)) if u.valid_on(date.today())}
        pops = None
        if populations is not None:
            parsed = read_populations(populations, set(known) or None)
            if not parsed.ok:
                fail_with(parsed.errors, populations.name)
            pops = {s.code: s.population for s in parsed.strata}
        counts = None
        if poststratify is not None:
            try:
                counts = read_cell_counts(poststratify, set(known) or None)
            except InputError as exc:
                fail_with(exc.problems, poststratify.name)
        options = AnalysisOptions(
            ci_method=ci_method,
            aggregation=aggregation,
            by=by,
            min_n=min_n,
            cell_counts=counts,
            cell_column=cell_column or "service_field",
            exclude_flagged=exclude_flagged,
            channels=chosen,
        )
        try:
            if round_name is not None:
                survey_round = find_round(session, round_name)
                if survey_round is None:
                    raise click.ClickException(f"no round named {round_name!r}")
                result = analyze_round(
                    session, survey_round, populations=pops, options=options, progress=step
                ).result
            else:
                assert responses is not None and questionnaire_ref is not None
                qid, version = parse_questionnaire_ref(questionnaire_ref)
                result = analyze_table(
                    read_responses_file(responses),
                    get_questionnaire(qid, version),
                    unit_types=unit_types_of(known),
                    populations=pops,
                    options=options,
                    progress=step,
                )
        except InputError as exc:
            fail_with(exc.problems, (responses or Path(round_name or "round")).name)
        except (KeyError, ValueError) as exc:
            raise click.ClickException(str(exc).strip("'\"")) from None
    write_results(result, out)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"{len(result.rows)} result rows ({result.aggregation}, {result.ci_method}) "
        f"written to {out}"
    )


# --- demo -----------------------------------------------------------------------------------
@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("instance/demo.sqlite"),
    show_default=True,
)
@click.option(
    "--simulate",
    default=40,
    show_default=True,
    help="made-up answers per unit added to a new demo database (channel 'simulated')",
)
def demo(host: str, port: int, db_path: Path, simulate: int) -> None:
    """Create and fill a demo database when it is empty, print how to use it, and serve."""
    from survey_app.demo import run_demo

    run_demo(host=host, port=port, db_path=db_path, simulate=simulate)


def _register_par() -> None:
    from survey_app.cli.par import par, score

    main.add_command(par)
    main.add_command(score)


_register_par()


def _register_review() -> None:
    from survey_app.trust.review import review_group

    main.add_command(review_group)


_register_review()


def _register_trust() -> None:
    from survey_app.cli.trust import api_clients, tokens

    main.add_command(tokens)
    main.add_command(api_clients)


_register_trust()


if __name__ == "__main__":
    main()
