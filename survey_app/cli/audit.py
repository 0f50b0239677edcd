"""``sipas audit verify``: is the staff actions' log as SIPAS wrote it?"""

from __future__ import annotations

import os
import sys

import click

from survey_app.cli.common import make_app


@click.group()
def audit() -> None:
    """The log of staff actions (docs/decisions/0012)."""


@audit.command("verify")
@click.option(
    "--from",
    "start",
    type=click.IntRange(min=1),
    default=None,
    help="start at this row id, its predecessor taken as given (after a SECRET_KEY change)",
)
def verify(start: int | None) -> None:
    """Walk the log's hash chain; report the first broken link (exit 1) or "ok: N rows"."""
    from survey_app.db import get_db
    from survey_app.staff.audit_chain import chain_key
    from survey_app.staff.audit_chain import verify as verify_chain

    if not os.environ.get("SECRET_KEY"):
        raise click.ClickException(
            "set SECRET_KEY to the server's: the log's hashes are made with it"
        )
    app = make_app()
    with app.app_context(), get_db().begin() as session:
        verdict = verify_chain(session, chain_key(app.config["SECRET_KEY"]), start)
    if not verdict.ok:
        click.echo(
            f"broken: row {verdict.broken_id}: {verdict.reason} "
            f"({verdict.rows} row(s) before it are intact)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"ok: {verdict.rows} rows")
    if verdict.last_id is not None:
        click.echo(f"last: id {verdict.last_id}, hash {verdict.last_hash}")


COMMANDS = [audit]
