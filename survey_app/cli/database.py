"""``sipas db …``: create, upgrade or downgrade the schema (Alembic migrations)."""

from __future__ import annotations

import click

from survey_app.cli.common import make_app
from survey_app.db import get_db, migrate


# --- database -------------------------------------------------------------------------------
@click.group()
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


COMMANDS = [db]
