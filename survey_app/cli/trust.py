"""``sipas tokens issue`` and ``sipas api-clients …``: receipt codes from a frame, API keys."""

from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.cli.common import fail_with, make_app
from survey_app.csv_files import FileProblem
from survey_app.db import get_db, utcnow
from survey_app.db.models import ApiClient, SurveyRound, Unit

OUT_COLUMNS = ("code", "url", "expires_on")


@click.group("tokens")
def tokens() -> None:
    """Receipt codes (one-time survey codes) for dossiers."""


def _selected_rows(
    header: list[str], rows: list[dict[str, str]], with_reserves: bool
) -> tuple[list[tuple[int, dict[str, str]]], list[FileProblem]]:
    """(file row number, row) of the dossiers to issue; a draw's reserves only when asked."""
    numbered = list(enumerate(rows, start=2))
    if "reserve" not in header:
        return numbered, []
    problems = [
        FileProblem(number, "reserve", f"reserve ({row['reserve']!r}) must be true or false")
        for number, row in numbered
        if row.get("reserve", "").lower() not in ("true", "false")
    ]
    chosen = [
        (number, row)
        for number, row in numbered
        if with_reserves or row.get("reserve", "").lower() == "false"
    ]
    return chosen, problems


def _round_units(survey_round: SurveyRound, codes: set[str]) -> dict[str, Unit]:
    """The round's unit for each code (the version valid today when there are several)."""
    today = utcnow().date()
    found: dict[str, Unit] = {}
    for unit in survey_round.units:
        if unit.code in codes and (unit.code not in found or unit.valid_on(today)):
            found[unit.code] = unit
    return found


def _unit_problems(
    session: Session,
    survey_round: SurveyRound,
    chosen: list[tuple[int, dict[str, str]]],
    in_round: dict[str, Unit],
) -> list[FileProblem]:
    missing = {row["unit_code"] for _, row in chosen} - set(in_round)
    known = (
        set(session.scalars(select(Unit.code).where(Unit.code.in_(missing)))) if missing else set()
    )
    problems = []
    for number, row in chosen:
        code = row["unit_code"]
        if code in in_round:
            continue
        if code in known:
            message = f"unit {code!r} is not in round {survey_round.name!r}"
        else:
            message = f"unknown unit {code!r}"
        problems.append(FileProblem(number, "unit_code", message))
    return problems


def _progress(length: int, label: str):  # type: ignore[no-untyped-def]
    return click.progressbar(length=length, label=label, file=sys.stderr)


def _stepper(bar):  # type: ignore[no-untyped-def]
    done = [0]

    def step(count: int) -> None:
        bar.update(count - done[0])
        done[0] = count

    return step


@tokens.command("issue")
@click.option(
    "--frame",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV with dossier_code,unit_code (a frame, or the sample `sipas draw` wrote)",
)
@click.option("--round", "round_name", required=True, help="the round the codes are for")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--receipts",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="also write printable slips (PDF, eight to an A4 page)",
)
@click.option("--with-reserves", is_flag=True, help="with a draw's output: reserves too")
def issue(
    frame: Path, round_name: str, out: Path, receipts: Path | None, with_reserves: bool
) -> None:
    """Issue a receipt code for every dossier of FRAME: all of them, or none and every error.

    Asking again for a dossier gives its code again. OUT gets the frame's columns plus
    code,url,expires_on; the database keeps neither the dossier codes nor the codes.
    """
    from survey_app.planning.files import read_frame
    from survey_app.survey.rounds import find_round
    from survey_app.trust.api_pages import receipt_url
    from survey_app.trust.receipts import (
        MAX_DOSSIER_CODE,
        IssueConflicts,
        IssueRequest,
        display,
        issue_codes,
        last_valid_day,
    )

    if not os.environ.get("SECRET_KEY"):
        raise click.ClickException(
            "set SECRET_KEY to the server's: codes are made with it and would not work otherwise"
        )
    header, rows, problems = read_frame(frame)
    chosen, more = _selected_rows(header, rows, with_reserves)
    problems += more
    for number, row in chosen:
        if len(row.get("dossier_code", "")) > MAX_DOSSIER_CODE:
            message = f"the dossier code is longer than {MAX_DOSSIER_CODE} characters"
            problems.append(FileProblem(number, "dossier_code", message))
    if not header:
        fail_with(problems, frame.name, "nothing issued")
    app = make_app()
    base = app.config["BASE_URL"]
    zone = ZoneInfo(app.config["DISPLAY_TIMEZONE"])
    with app.app_context():
        session = get_db().factory()
        with session.begin():
            survey_round = find_round(session, round_name)
            if survey_round is None:
                raise click.ClickException(f"no round named {round_name!r}")
            if survey_round.closes_at <= utcnow():
                raise click.ClickException(
                    f"round {round_name!r} is closed: its codes could not be used"
                )
            in_round = _round_units(survey_round, {row.get("unit_code", "") for _, row in chosen})
            problems += _unit_problems(session, survey_round, chosen, in_round)
            if problems:
                fail_with(
                    sorted(problems, key=lambda p: (p.row or 0, p.column or "")),
                    frame.name,
                    "nothing issued",
                )
            requests = [
                IssueRequest(row["dossier_code"], in_round[row["unit_code"]]) for _, row in chosen
            ]
            with _progress(len(requests), f"codes {out.name}") as bar:
                try:
                    issued = issue_codes(
                        session,
                        app.secret_key,
                        survey_round,
                        requests,
                        days=int(app.config["RECEIPT_CODE_DAYS"]),
                        zone=zone,
                        progress=_stepper(bar),
                    )
                except IssueConflicts as exc:
                    fail_with(
                        [FileProblem(chosen[i][0], "dossier_code", m) for i, m in exc.problems],
                        frame.name,
                    )
            records = [
                {
                    **row,
                    "code": display(item.code),
                    "url": receipt_url(base, item.code),
                    "expires_on": last_valid_day(item.row, zone).isoformat(),
                }
                for (_, row), item in zip(chosen, issued, strict=True)
            ]
            slips = [
                (row, item.code, last_valid_day(item.row, zone), item.row.unit.name)
                for (_, row), item in zip(chosen, issued, strict=True)
            ]
        session.close()
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=[*header, *OUT_COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    out.write_text(text.getvalue(), encoding="utf-8")
    new = sum(item.new for item in issued)
    click.echo(
        f"{len(issued)} code(s) for round {round_name!r} ({new} new, {len(issued) - new} "
        f"already issued) written to {out}"
    )
    if receipts is not None and slips:
        from survey_app.trust.receipt_slips import SlipSpec, slips_pdf

        specs = [
            SlipSpec(
                unit_name=unit_name,
                code=display(code),
                url=receipt_url(base, code),
                last_day=last_day,
                dossier_code=row["dossier_code"],
                entry_url=f"{base}/r",
            )
            for row, code, last_day, unit_name in slips
        ]
        with _progress(len(specs), f"PDF {receipts.name}") as bar:
            data = slips_pdf(specs, progress=_stepper(bar))
        receipts.write_bytes(data)
        click.echo(f"{len(specs)} slip(s) written to {receipts}")


@click.group("api-clients")
def api_clients() -> None:
    """Client systems allowed to ask for receipt codes through the API."""


@api_clients.command("create")
@click.argument("name")
def api_clients_create(name: str) -> None:
    """Add client NAME and print its key (once: only a hash of it is kept)."""
    from survey_app.trust.api_pages import key_hash, new_key

    name = name.strip()
    if not name:
        raise click.ClickException("a client needs a name")
    key = new_key()
    app = make_app()
    with app.app_context(), get_db().begin() as session:
        if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
            raise click.ClickException(f"a client named {name!r} already exists")
        session.add(ApiClient(name=name, key_hash=key_hash(key), active=True))
    click.echo(f"client {name!r} created; its key (shown only now, keep it secret):")
    click.echo(key)


@api_clients.command("revoke")
@click.argument("name")
def api_clients_revoke(name: str) -> None:
    """Revoke client NAME's key: its requests get 401 from now on."""
    app = make_app()
    with app.app_context(), get_db().begin() as session:
        client = session.scalar(select(ApiClient).where(ApiClient.name == name))
        if client is None:
            raise click.ClickException(f"no client named {name!r}")
        client.active = False
    click.echo(f"client {name!r} revoked")


@api_clients.command("list")
def api_clients_list() -> None:
    """Every client, whether its key works, and when it was made."""
    app = make_app()
    with app.app_context(), get_db().begin() as session:
        for client in session.scalars(select(ApiClient).order_by(ApiClient.name)):
            state = "active" if client.active else "revoked"
            click.echo(f"{client.name}\t{state}\t{client.created_at:%Y-%m-%d}")


COMMANDS = [tokens, api_clients]
