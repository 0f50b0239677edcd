"""``sipas units|counters|rounds|questionnaire|qr|export …``: setting up and printing a survey."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from survey_app.cli.common import (
    did_you_mean,
    fail_with,
    make_app,
    problem_line,
    questionnaire_named,
    round_named,
    unit_named,
)
from survey_app.i18n import vi_en


# --- units and counters ---------------------------------------------------------------------
@click.group()
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
    from survey_app.db import get_db
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
        click.echo(vi_en("cảnh báo") + f": {file.name}: {warning}", err=True)
    if not report.ok:
        for error in report.errors:
            click.echo(vi_en("lỗi") + f": {file.name}: {error}", err=True)
        click.echo(
            vi_en("%(count)s lỗi", count=len(report.errors)) + ": " + vi_en("không nhập gì"),
            err=True,
        )
        sys.exit(1)
    click.echo(
        vi_en(
            "đã nhập %(created)s đơn vị, %(superseded)s thay thế",
            created=report.created,
            superseded=report.superseded,
        )
    )


@click.group()
def counters() -> None:
    """One-stop counters and their permanent short URLs."""


@counters.command("add")
@click.argument("unit_code")
@click.argument("code")
@click.option("--name", default="", help="the counter's name as shown on its poster")
def counters_add(unit_code: str, code: str, name: str) -> None:
    """Add counter CODE to the unit UNIT_CODE valid today."""
    from survey_app.db import get_db
    from survey_app.survey.counters import (
        DEFAULT_COUNTER_NAME,
        CounterError,
        add_counter,
        short_url,
    )

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        unit = unit_named(session, unit_code, date.today())
        try:
            add_counter(session, unit, code, name or DEFAULT_COUNTER_NAME)
        except CounterError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(vi_en("quầy %(code)s", code=code) + f": {short_url(app.config['BASE_URL'], code)}")


# --- rounds ---------------------------------------------------------------------------------
@click.group()
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
    from sqlalchemy import select

    from survey_app.db import get_db
    from survey_app.db.models import Unit, UnitType
    from survey_app.survey.rounds import RoundError, create_round

    if not unit_types and not unit_codes:
        raise click.UsageError(vi_en("cho --unit-type LOẠI hoặc --unit MÃ"))
    app = make_app()
    zone = app.config["DISPLAY_TIMEZONE"]
    opens_at, closes_at = _local(opens, zone), _local(closes, zone)
    with app.app_context(), get_db().begin() as session:
        questionnaire_named(questionnaire_id, questionnaire_version, session)
        every = list(session.scalars(select(Unit).join(UnitType)))
        chosen = [
            u
            for u in every
            if (u.unit_type.code in unit_types or u.code in unit_codes)
            and u.valid_on(opens_at.date())
        ]
        problems = [
            vi_en("không có đơn vị mã %(code)r", code=code)
            + did_you_mean(code, {u.code for u in every})
            for code in sorted(set(unit_codes) - {u.code for u in chosen})
        ]
        types = {u.unit_type.code for u in every}
        problems += [
            vi_en("không có đơn vị loại %(kind)r", kind=kind) + did_you_mean(kind, types)
            for kind in sorted(set(unit_types) - {u.unit_type.code for u in chosen})
        ]
        if problems:
            fail_with(problems, "rounds create", vi_en("không tạo đợt"))
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
        click.echo(
            vi_en("đợt %(name)r: %(count)s đơn vị", name=survey_round.name, count=len(chosen))
        )


@rounds.command("list")
def rounds_list() -> None:
    """Every round: name, questionnaire, opens, closes, units, answers (tab-separated)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import selectinload

    from survey_app.db import get_db
    from survey_app.db.models import Response, SurveyRound

    app = make_app()
    zone = ZoneInfo(app.config["DISPLAY_TIMEZONE"])
    with app.app_context(), get_db().begin() as session:
        answers = {
            round_id: count
            for round_id, count in session.execute(
                select(Response.round_id, func.count()).group_by(Response.round_id)
            )
        }
        found = session.scalars(
            select(SurveyRound)
            .options(selectinload(SurveyRound.units))
            .order_by(SurveyRound.opens_at.desc(), SurveyRound.name)
        ).all()
        if not found:
            click.echo(vi_en("chưa có đợt khảo sát nào: tạo bằng `sipas rounds create`"))
            return
        header = (
            vi_en("tên"),
            vi_en("bảng hỏi"),
            vi_en("mở"),
            vi_en("đóng"),
            vi_en("đơn vị"),
            vi_en("câu trả lời"),
        )
        click.echo("\t".join(header))
        for r in found:
            click.echo(
                f"{r.name}\t{r.questionnaire_id}@{r.questionnaire_version}\t"
                f"{r.opens_at.astimezone(zone):%Y-%m-%d %H:%M}\t"
                f"{r.closes_at.astimezone(zone):%Y-%m-%d %H:%M}\t"
                f"{len(r.units)}\t{answers.get(r.id, 0)}"
            )


# --- questionnaires -------------------------------------------------------------------------
@click.group()
def questionnaire() -> None:
    """Questionnaire definitions."""


@questionnaire.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def questionnaire_check(file: Path) -> None:
    """Check a definition FILE (JSON, or an XLSForm .xlsx) and print every problem with its
    location."""
    from survey_app.survey.questionnaire_files import check_upload

    checked = check_upload(file.name, file.read_bytes())
    result = checked.result
    for problem in result.problems:
        click.echo(vi_en("lỗi") + f": {problem_line(problem)}", err=True)
    for warning in result.warnings:
        click.echo(vi_en("cảnh báo") + f": {problem_line(warning)}", err=not result.ok)
    if not result.ok:
        click.echo(
            vi_en("%(count)s lỗi trong %(file)s", count=len(result.problems), file=file), err=True
        )
        sys.exit(1)
    value = result.value
    assert value is not None
    click.echo(
        vi_en(
            "%(file)s: %(id)s phiên bản %(version)s hợp lệ (%(items)s câu hỏi trong %(elements)s "
            "nhóm)",
            file=file,
            id=value.id,
            version=value.version,
            items=len(value.items),
            elements=len(value.elements),
        )
    )


# --- QR posters and exports -----------------------------------------------------------------
@click.command("qr")
@click.option("--round", "round_name", required=True, help="the round whose counters to print")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--base-url",
    default=None,
    help="the public address the QR codes carry (default: BASE_URL; refused while BASE_URL is "
    "unset, since phones cannot open http://127.0.0.1:5000)",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "zip"]),
    default="pdf",
    show_default=True,
    help="pdf: one poster a page; zip: PNG and SVG per counter",
)
def qr(round_name: str, out: Path, base_url: str | None, fmt: str) -> None:
    """Write every counter's poster (or codes) of a round's units into one file."""
    from survey_app.db import get_db
    from survey_app.i18n import vi_en_of
    from survey_app.survey.counters import (
        BASE_URL_UNSET,
        base_url_unset,
        counters_for_units,
        short_url,
    )
    from survey_app.survey.poster_pages import poster_spec
    from survey_app.survey.qr import QrError, codes_zip, poster_pdf

    app = make_app()
    if base_url is not None:
        if not base_url.startswith(("http://", "https://")) or base_url[-3:] == "://":
            raise click.BadParameter(
                vi_en("%(url)r phải là địa chỉ http(s)://…", url=base_url),
                param_hint="--base-url",
            )
        base = base_url
    elif base_url_unset(app.config):
        raise click.ClickException(
            vi_en_of(BASE_URL_UNSET) + " — " + vi_en("hoặc") + ": sipas qr … --base-url https://…"
        )
    else:
        base = app.config["BASE_URL"]
    with app.app_context(), get_db().begin() as session:
        survey_round = round_named(session, round_name)
        found = counters_for_units(session, [u.id for u in survey_round.units])
        if not found:
            raise click.ClickException(
                vi_en(
                    "đợt %(name)r chưa có quầy nào: thêm bằng `sipas counters add`",
                    name=round_name,
                )
            )
        with click.progressbar(
            length=len(found), label=f"{fmt.upper()} {out.name}", file=sys.stderr
        ) as bar:
            done = [0]

            def step(count: int) -> None:
                bar.update(count - done[0])
                done[0] = count

            try:
                if fmt == "pdf":
                    data = poster_pdf([poster_spec(c, base) for c in found], progress=step)
                else:
                    pairs = [(c.code, short_url(base, c.code)) for c in found]
                    data = codes_zip(pairs, progress=step)
            except QrError as exc:
                raise click.ClickException(str(exc)) from None
    out.write_bytes(data)
    click.echo(
        vi_en("%(count)s quầy ghi vào %(out)s (%(base)s)", count=len(found), out=out, base=base)
    )


@click.group("export")
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
    from survey_app.db import get_db
    from survey_app.survey.export import to_csv, write_xlsx

    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise click.ClickException(vi_en("tệp phải có đuôi .csv hoặc .xlsx") + f" ({out.name})")
    app = make_app()
    with app.app_context(), get_db().begin() as session:
        if round_name:
            round_named(session, round_name)
        if suffix == ".csv":
            with out.open("w", encoding="utf-8", newline="") as handle:
                for chunk in to_csv(session, round_name, include_excluded=include_excluded):
                    handle.write(chunk)
        else:
            write_xlsx(session, out, round_name, include_excluded=include_excluded)
    click.echo(vi_en("câu trả lời ghi vào %(out)s", out=out))


COMMANDS = [units, counters, rounds, questionnaire, qr, export_group]
