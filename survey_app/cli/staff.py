"""``sipas users …``: staff accounts."""

from __future__ import annotations

from datetime import date

import click

from survey_app.cli.common import did_you_mean, make_app
from survey_app.i18n import vi_en


# --- users ----------------------------------------------------------------------------------
@click.group()
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
@click.option("--email", default="", help="where PAR reminders go (a unit officer's address)")
@click.password_option(help="asked for when not given")
def users_create(
    username: str, role: str, unit_code: str | None, email: str, password: str
) -> None:
    """Create a staff account with a hashed password (a unit officer with --unit CODE)."""
    import getpass

    from sqlalchemy import select

    from survey_app.db import get_db
    from survey_app.db.models import Unit
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
                codes = session.scalars(select(Unit.code).distinct())
                raise click.ClickException(
                    vi_en("không có đơn vị mã %(code)r", code=unit_code)
                    + did_you_mean(unit_code, codes)
                )
            unit = next((u for u in versions if u.valid_on(date.today())), versions[0])
        try:
            create_user(session, username, password, role, unit, email)
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
        audit.record(
            session,
            who=f"cli:{getpass.getuser()}",
            action="cli.users_create",
            target=f"user {username.strip()}",
            detail={"role": role, "unit": unit_code or ""},
        )
    if unit_code:
        click.echo(
            vi_en(
                "đã tạo tài khoản %(name)r (%(role)s, đơn vị %(unit)s)",
                name=username,
                role=role,
                unit=unit_code,
            )
        )
    else:
        click.echo(vi_en("đã tạo tài khoản %(name)r (%(role)s)", name=username, role=role))


@users.command("set-email")
@click.argument("username")
@click.argument("email")
def users_set_email(username: str, email: str) -> None:
    """Set the account's e-mail address for PAR reminders ("" clears it)."""
    import getpass

    from sqlalchemy import select

    from survey_app.db import get_db
    from survey_app.db.models import User
    from survey_app.staff import audit
    from survey_app.staff.users import UserError, set_email

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        if user is None:
            names = session.scalars(select(User.username))
            raise click.ClickException(
                vi_en("không có tài khoản %(name)r", name=username) + did_you_mean(username, names)
            )
        try:
            set_email(user, email)
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
        audit.record(
            session,
            who=f"cli:{getpass.getuser()}",
            action="cli.users_set_email",
            target=f"user {user.username}",
            detail={},
        )
    click.echo(vi_en("đã lưu e-mail của %(name)r: %(email)r", name=username, email=email.strip()))


COMMANDS = [users]
