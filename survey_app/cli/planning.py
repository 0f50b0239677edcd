"""``sipas plan`` and ``sipas draw``: sample plans and draws from a dossier frame."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from survey_app.cli.common import fail_with, make_app, round_named
from survey_app.i18n import vi_en

# sampling.PLAN_METHODS, written out so that ``sipas --help`` does not load scipy (a test checks
# that the two agree).
PLAN_METHODS = ("per-unit", "yamane", "proportional", "neyman", "equal", "power")

# --- sampling -------------------------------------------------------------------------------


def _said(error: Exception) -> str:
    """A ``sampling`` error, Vietnamese first where ``sampling`` said it."""
    from survey_app.planning.sampling_words import error_text

    return error_text(error)


def _said_note(note: str) -> str:
    """A plan's note, Vietnamese first."""
    from survey_app.planning.sampling_words import vi_en_said

    return vi_en_said(note)


@click.command("plan")
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
    from sampling import SizeParams
    from survey_app.planning.files import PLAN_FORMATS, write_plan
    from survey_app.planning.populations import read_populations

    if out.suffix.lower() not in PLAN_FORMATS:
        raise click.ClickException(
            vi_en("mẫu được ghi ra %(formats)s", formats=", ".join(PLAN_FORMATS)) + f" ({out.name})"
        )
    try:
        params = SizeParams(
            margin=margin, confidence=confidence, p=p, deff=deff, response_rate=response_rate
        )
    except ValueError as exc:
        raise click.ClickException(_said(exc)) from None
    if round_name is None:
        parsed = read_populations(populations)
        _report(parsed, populations)
        result = _build(parsed.strata, method, params, total, minimum, maximum, power)
        write_plan(result, out)
    else:
        from survey_app.db import get_db
        from survey_app.planning.plans import save_plan

        app = make_app()
        with app.app_context(), get_db().begin() as session:
            survey_round = round_named(session, round_name)
            known = {u.code for u in survey_round.units}
            parsed = read_populations(populations, known, known)
            _report(parsed, populations)
            result = _build(parsed.strata, method, params, total, minimum, maximum, power)
            write_plan(result, out)
            save_plan(session, survey_round, parsed.strata, result, created_by="sipas plan")
    for note in result.notes:
        click.echo(vi_en("ghi chú") + f": {_said_note(note)}", err=True)
    values = {"answers": result.total, "units": len(result.rows), "out": out}
    if round_name:
        summary = vi_en(
            "%(answers)s câu trả lời, %(units)s đơn vị, ghi vào %(out)s; đã lưu cho đợt %(name)r",
            name=round_name,
            **values,
        )
    else:
        summary = vi_en("%(answers)s câu trả lời, %(units)s đơn vị, ghi vào %(out)s", **values)
    click.echo(f"{result.method}: {summary}")


def _report(parsed: Any, populations: Path) -> None:
    """Print the populations file's warnings; stop with every error."""
    for warning in parsed.warnings:
        click.echo(vi_en("cảnh báo") + f": {populations.name}: {warning}", err=True)
    if not parsed.ok:
        fail_with(parsed.errors, populations.name)


def _build(
    strata: Any,
    method: str,
    params: Any,
    total: int | None,
    minimum: int,
    maximum: int | None,
    power: float,
) -> Any:
    from sampling import build_plan

    try:
        return build_plan(
            strata, method, params, total=total, minimum=minimum, maximum=maximum, power=power
        )
    except ValueError as exc:
        raise click.ClickException(_said(exc)) from None


@click.command("draw")
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
        raise click.ClickException(_said(exc)) from None
    out.write_text(sample_csv(header, rows, draws), encoding="utf-8")
    chosen = sum(len(d.selected) for d in draws)
    reserves = sum(len(d.reserves) for d in draws)
    click.echo(
        vi_en(
            "%(chosen)s hồ sơ được chọn, %(reserves)s dự phòng, %(units)s đơn vị (seed %(seed)s), "
            "ghi vào %(out)s",
            chosen=chosen,
            reserves=reserves,
            units=len(draws),
            seed=seed,
            out=out,
        )
    )


COMMANDS = [plan, draw]
