"""``sipas tokens issue`` and ``sipas api-clients …``: receipt codes from a frame, API keys."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from survey_app.cli.common import fail_with, make_app, round_named
from survey_app.i18n import vi_en


@click.group("tokens")
def tokens() -> None:
    """Receipt codes (one-time survey codes) for dossiers."""


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
    from survey_app.db import get_db, utcnow
    from survey_app.trust.frame_codes import issue_for_frame, read_chosen

    if not os.environ.get("SECRET_KEY"):
        raise click.ClickException(
            "set SECRET_KEY to the server's: codes are made with it and would not work otherwise"
        )
    source = frame.read_bytes()
    header, chosen, problems = read_chosen(source, with_reserves)
    if not header:
        fail_with(problems, frame.name, vi_en("không cấp mã nào"))
    app = make_app()
    with app.app_context():
        session = get_db().factory()
        with session.begin():
            survey_round = round_named(session, round_name)
            if survey_round.closes_at <= utcnow():
                raise click.ClickException(
                    f"round {round_name!r} is closed: its codes could not be used"
                )
            with _progress(len(chosen), f"codes {out.name}") as bar:
                result = issue_for_frame(
                    session,
                    source,
                    survey_round,
                    secret_key=app.secret_key,
                    base_url=app.config["BASE_URL"],
                    days=int(app.config["RECEIPT_CODE_DAYS"]),
                    zone=ZoneInfo(app.config["DISPLAY_TIMEZONE"]),
                    with_reserves=with_reserves,
                    progress=_stepper(bar),
                )
            if not result.ok:
                fail_with(result.problems, frame.name, vi_en("không cấp mã nào"))
        session.close()
    out.write_text(result.csv_text(), encoding="utf-8")
    issued = len(result.records)
    click.echo(
        f"{issued} code(s) for round {round_name!r} ({result.new} new, {issued - result.new} "
        f"already issued) written to {out}"
    )
    if receipts is not None and result.slips:
        from survey_app.trust.receipt_slips import slips_pdf

        with _progress(len(result.slips), f"PDF {receipts.name}") as bar:
            data = slips_pdf(result.slips, progress=_stepper(bar))
        receipts.write_bytes(data)
        click.echo(f"{len(result.slips)} slip(s) written to {receipts}")


@click.group("api-clients")
def api_clients() -> None:
    """Client systems allowed to ask for receipt codes through the API."""


@api_clients.command("create")
@click.argument("name")
def api_clients_create(name: str) -> None:
    """Add client NAME and print its key (once: only a hash of it is kept)."""
    from survey_app.db import get_db
    from survey_app.trust.api_clients import ApiClientError, create_client

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        try:
            client, key = create_client(session, name)
        except ApiClientError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"client {client.name!r} created; its key (shown only now, keep it secret):")
    click.echo(key)


@api_clients.command("revoke")
@click.argument("name")
def api_clients_revoke(name: str) -> None:
    """Revoke client NAME's key: its requests get 401 from now on."""
    from survey_app.db import get_db
    from survey_app.trust.api_clients import ApiClientError, revoke_client

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        try:
            revoke_client(session, name)
        except ApiClientError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"client {name!r} revoked")


@api_clients.command("list")
def api_clients_list() -> None:
    """Every client, whether its key works, and when it was made."""
    from survey_app.db import get_db
    from survey_app.trust.api_clients import all_clients

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        for client in all_clients(session):
            state = "active" if client.active else "revoked"
            click.echo(f"{client.name}\t{state}\t{client.created_at:%Y-%m-%d}")


COMMANDS = [tokens, api_clients]
