"""``sipas db …``: create, upgrade or downgrade the schema (Alembic migrations)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from survey_app.cli.common import make_app
from survey_app.i18n import vi_en


def _sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite file (``instance/`` on a fresh clone) before migrating."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _alembic(step: Callable[[str, str], None], url: str, revision: str) -> None:
    """Run an Alembic step; an unknown revision is a message, not a traceback."""
    from alembic.util import CommandError

    try:
        step(url, revision)
    except CommandError as exc:
        raise click.ClickException(f"Alembic: {exc}") from None


# --- database -------------------------------------------------------------------------------
@click.group()
def db() -> None:
    """Cấu trúc cơ sở dữ liệu / database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema, then add the shipped unit types."""
    from survey_app.db import get_db, migrate
    from survey_app.survey.units_import import ensure_unit_types

    app = make_app()
    _sqlite_folder(app.config["DATABASE_URL"])
    _alembic(migrate.upgrade, app.config["DATABASE_URL"], revision)
    with app.app_context(), get_db().begin() as session:
        added = ensure_unit_types(session)
    click.echo(
        vi_en(
            "cơ sở dữ liệu ở %(revision)s; thêm %(added)s loại đơn vị",
            revision=revision,
            added=added,
        )
    )


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION (e.g. base)."""
    from survey_app.db import migrate

    _alembic(migrate.downgrade, make_app().config["DATABASE_URL"], revision)
    click.echo(vi_en("cơ sở dữ liệu ở %(revision)s", revision=revision))


COMMANDS = [db]
