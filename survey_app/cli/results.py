"""``sipas analyze``: SIPAS indices with intervals from a round or a responses file."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from sqlalchemy import select

from survey_app.cli.common import fail_with, make_app
from survey_app.db import get_db
from survey_app.db.models import Unit


# --- analysis -------------------------------------------------------------------------------
@click.command("analyze")
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
    )
    from survey_app.results.files import RESULT_FORMATS, write_results
    from survey_app.results.responses_checks import analyze_responses_file
    from survey_app.results.round_results import AnalysisOptions, analyze_round, unit_types_of
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
                result = analyze_responses_file(
                    responses,
                    get_questionnaire(qid, version),
                    unit_types=unit_types_of(known),
                    populations=pops,
                    options=options,
                    progress=step,
                )
        except InputError as exc:
            fail_with(
                exc.problems, (responses or Path(round_name or "round")).name, total=exc.total
            )
        except (KeyError, ValueError) as exc:
            raise click.ClickException(str(exc).strip("'\"")) from None
    write_results(result, out)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"{len(result.rows)} result rows ({result.aggregation}, {result.ci_method}) "
        f"written to {out}"
    )


COMMANDS = [analyze]
