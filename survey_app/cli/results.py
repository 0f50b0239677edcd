"""``sipas analyze``: SIPAS indices with intervals from a round or a responses file."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from survey_app.cli.common import (
    fail_with,
    make_app,
    questionnaire_named,
    round_named,
)
from survey_app.i18n import N_, vi_en

# survey_app.db.models.CHANNELS, written out so that the option's help needs no SQLAlchemy (a test
# checks that the two agree).
CHANNELS = ("counter_qr", "receipt", "public_link", "paper", "simulated")
VERIFIED_CHANNELS = ("receipt", "paper")


# --- analysis -------------------------------------------------------------------------------
@click.command("analyze")
@click.option("--round", "round_name", default=None, help="analyse a round from the database")
@click.option(
    "--responses",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="or a responses export (CSV): read without opening the database",
)
@click.option(
    "--units",
    "units_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="with --responses: a units CSV (code,level) for the unit-type aggregates",
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
    units_file: Path | None,
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
    from survey_app.results.files import RESULT_FORMATS

    if (round_name is None) == (responses is None):
        raise click.UsageError(vi_en("cho --round TÊN hoặc --responses TỆP"))
    if responses is not None and questionnaire_ref is None:
        raise click.UsageError(vi_en("--responses cần --questionnaire ID@PHIÊN_BẢN"))
    if units_file is not None and responses is None:
        raise click.UsageError(vi_en("--units chỉ dùng với --responses"))
    if cell_column is not None and poststratify is None:
        raise click.UsageError(vi_en("--cell cần --poststratify TỆP"))
    if channels is not None and verified_only:
        raise click.UsageError(vi_en("cho --channels hoặc --verified-only, không cả hai"))
    if exclude_flagged and round_name is None:
        raise click.UsageError(
            vi_en("--exclude-flagged cần --round TÊN: tệp câu trả lời không có trạng thái rà soát")
        )
    chosen: tuple[str, ...] | None = VERIFIED_CHANNELS if verified_only else None
    if channels is not None:
        chosen = tuple(c.strip() for c in channels.split(",") if c.strip())
        unknown = [c for c in chosen if c not in CHANNELS]
        if unknown or not chosen:
            raise click.BadParameter(
                f"{channels!r}: " + vi_en("các kênh là %(names)s", names=", ".join(CHANNELS)),
                param_hint="--channels",
            )
    if out.suffix.lower() not in RESULT_FORMATS:
        raise click.ClickException(
            vi_en("kết quả ghi ra %(formats)s", formats=", ".join(RESULT_FORMATS))
            + f" ({out.name})"
        )
    settings = dict(
        ci_method=ci_method,
        aggregation=aggregation,
        by=by,
        min_n=min_n,
        cell_column=cell_column or "service_field",
        exclude_flagged=exclude_flagged,
        channels=chosen,
    )
    if responses is not None:
        assert questionnaire_ref is not None
        result = _from_file(
            responses, questionnaire_ref, units_file, populations, poststratify, settings
        )
    else:
        assert round_name is not None
        result = _from_round(round_name, populations, poststratify, settings)
    from survey_app.results.files import write_results

    write_results(result, out)
    for note in result.notes:
        click.echo(note_line(note), err=True)
    click.echo(written_line(len(result.rows), f"{result.aggregation}; {result.ci_method}", out))


WRITTEN = N_("%(rows)s dòng kết quả (%(method)s) ghi vào %(out)s")


def written_line(rows: int, method: str, out: Path) -> str:
    """What ``sipas analyze`` wrote, its method in words: Vietnamese / English."""
    from survey_app.i18n import text_in
    from survey_app.results.labels import method_label

    return " / ".join(
        text_in(language, WRITTEN, rows=rows, method=method_label(method, language), out=out)
        for language in ("vi", "en")
    )


def note_line(note: str) -> str:
    """An analysis note: its Vietnamese (when it has one) and its English."""
    from survey_app.results.labels import note_label

    vietnamese, english = note_label(note)
    known = not vietnamese.endswith(":")  # note_label's heading for a note it has no words for
    return vi_en("ghi chú") + ": " + (f"{vietnamese} / {english}" if known else english)


def _inputs(
    populations: Path | None, poststratify: Path | None, known: set[str] | None
) -> tuple[dict[str, int] | None, Any]:
    """Populations and post-stratification counts from their files; every error at once."""
    from survey_app.planning.populations import read_populations
    from survey_app.results.analysis_input import InputError, read_cell_counts

    pops = None
    if populations is not None:
        parsed = read_populations(populations, known)
        if not parsed.ok:
            fail_with(parsed.errors, populations.name)
        pops = {s.code: s.population for s in parsed.strata}
    counts = None
    if poststratify is not None:
        try:
            counts = read_cell_counts(poststratify, known)
        except InputError as exc:
            fail_with(exc.problems, poststratify.name)
    return pops, counts


def _progress():  # type: ignore[no-untyped-def]
    return click.progressbar(length=1, label="analysing", file=sys.stderr)


def _stepper(bar):  # type: ignore[no-untyped-def]
    def step(done: int, total: int) -> None:
        bar.length = max(total, 1)
        bar.update(done - bar.pos)

    return step


def _estimation_failed(exc: Exception, name: str) -> None:
    """A ValueError or KeyError of the estimation (e.g. every unit without a population, one a
    line) printed as the list of problems it is, Vietnamese first where ``analysis`` said it."""
    from survey_app.results.analysis_words import error_lines

    fail_with(error_lines(exc), name)


def _from_file(
    responses: Path,
    questionnaire_ref: str,
    units_file: Path | None,
    populations: Path | None,
    poststratify: Path | None,
    settings: dict[str, Any],
) -> Any:
    """Analyse a responses file: no database, no Flask, no SQLAlchemy."""
    from survey_app.results.analysis_input import (
        AnalysisOptions,
        InputError,
        parse_questionnaire_ref,
    )
    from survey_app.results.responses_checks import analyze_responses_file
    from survey_app.results.units_file import read_unit_types

    try:
        qid, version = parse_questionnaire_ref(questionnaire_ref)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--questionnaire") from None
    questionnaire = questionnaire_named(qid, version)
    unit_types: dict[str, str] = {}
    if units_file is not None:
        unit_types, problems = read_unit_types(units_file)
        if problems:
            fail_with(problems, units_file.name)
    pops, counts = _inputs(populations, poststratify, set(unit_types) or None)
    options = AnalysisOptions(cell_counts=counts, **settings)
    with _progress() as bar:
        try:
            return analyze_responses_file(  # by columns (docs/decisions/0019)
                responses,
                questionnaire,
                unit_types=unit_types,
                populations=pops,
                options=options,
                progress=_stepper(bar),
            )
        except InputError as exc:
            fail_with(exc.problems, responses.name, total=exc.total)
        except (KeyError, ValueError) as exc:
            _estimation_failed(exc, responses.name)


def _from_round(
    round_name: str,
    populations: Path | None,
    poststratify: Path | None,
    settings: dict[str, Any],
) -> Any:
    """Analyse a round from the database (its saved populations unless a file is given)."""
    from survey_app.db import get_db
    from survey_app.db.models import Unit
    from survey_app.results.analysis_input import InputError
    from survey_app.results.round_results import AnalysisOptions, analyze_round

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        survey_round = round_named(session, round_name)
        known = {u.code for u in session.query(Unit) if u.valid_on(date.today())}
        pops, counts = _inputs(populations, poststratify, known or None)
        options = AnalysisOptions(cell_counts=counts, **settings)
        with _progress() as bar:
            try:
                return analyze_round(
                    session, survey_round, populations=pops, options=options, progress=_stepper(bar)
                ).result
            except InputError as exc:
                fail_with(exc.problems, round_name)
            except (KeyError, ValueError) as exc:
                _estimation_failed(exc, round_name)


COMMANDS = [analyze]
