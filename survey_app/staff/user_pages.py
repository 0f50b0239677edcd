"""The admin's account pages: create an account, change its role and unit, reset its password
(a new one shown once), deactivate or reactivate it. An admin cannot lock themselves out."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from survey_app.db import session
from survey_app.db.models import Unit, User
from survey_app.i18n import N_, bi_text, vi_en
from survey_app.staff import audit
from survey_app.staff.access import staff_blueprint
from survey_app.staff.users import (
    ADMIN,
    ROLES,
    UNIT_OFFICER,
    UserError,
    create_user,
    random_password,
    set_active,
    set_email,
    set_password,
    set_role,
)

bp = staff_blueprint("user_admin", __name__, "/admin/users")
ROLE_NAMES = {
    "admin": N_("Quản trị (Sở Nội vụ)"),
    "analyst": N_("Phân tích"),
    "council": N_("Hội đồng thẩm định"),
    "unit_officer": N_("Cán bộ đơn vị"),
}
"""Each role's name (a message id), shown with `bi_text`."""


def _unit(code: str) -> Unit | None:
    """The unit version of ``code`` valid today, else its latest; None for an empty code."""
    if not code:
        return None
    versions = (
        session()
        .scalars(select(Unit).where(Unit.code == code).order_by(Unit.valid_from.desc()))
        .all()
    )
    if not versions:
        raise UserError(vi_en("không có đơn vị mã %(code)r", code=code))
    return next((u for u in versions if u.valid_on(date.today())), versions[0])


def _page(shown_password: tuple[str, str] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    db = session()
    return render_template(
        "admin/users.html",
        users=db.scalars(select(User).order_by(User.username)).all(),
        roles=ROLES,
        role_names={role: bi_text(name) for role, name in ROLE_NAMES.items()},
        shown_password=shown_password,
    ), status


def _user(user_id: int) -> User:
    user = session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _refused(message: str) -> ResponseReturnValue:
    session().rollback()
    flash(message, "error")
    return redirect(url_for(".index"), code=303)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Every account with its role, unit and state."""
    return _page()


@bp.post("/new")
def new() -> ResponseReturnValue:
    """Create an account; without a password typed, one is made and shown once."""
    username = request.form.get("username", "").strip()
    role = request.form.get("role", "")
    typed = request.form.get("password", "")
    password = typed or random_password()
    audit.note(target=f"user {username}"[:200], role=role[:20])
    try:
        unit = _unit(request.form.get("unit_code", "").strip()) if role == UNIT_OFFICER else None
        create_user(session(), username, password, role, unit, request.form.get("email", ""))
    except UserError as exc:
        return _refused(vi_en("Chưa tạo tài khoản") + f": {exc}")
    session().commit()
    flash(vi_en("Đã tạo tài khoản %(user)s.", user=username), "ok")
    if typed:
        return redirect(url_for(".index"), code=303)
    return _page((username, password))


@bp.post("/<int:user_id>/role")
def role(user_id: int) -> ResponseReturnValue:
    """Change the role (and a unit officer's unit)."""
    user = _user(user_id)
    new_role = request.form.get("role", "")
    audit.note(target=f"user {user.username}", role=new_role[:20])
    if user.id == current_user.id and new_role != ADMIN:
        return _refused(vi_en("Không thể tự bỏ quyền quản trị của mình."))
    try:
        unit = (
            _unit(request.form.get("unit_code", "").strip()) if new_role == UNIT_OFFICER else None
        )
        set_role(user, new_role, unit)
        session().flush()
    except UserError as exc:
        return _refused(vi_en("Chưa đổi vai trò") + f": {exc}")
    session().commit()
    flash(vi_en("Đã đổi vai trò của %(user)s.", user=user.username), "ok")
    return redirect(url_for(".index"), code=303)


@bp.post("/<int:user_id>/email")
def email(user_id: int) -> ResponseReturnValue:
    """Set or clear the account's e-mail address (PAR reminders go there)."""
    user = _user(user_id)
    audit.note(target=f"user {user.username}")
    try:
        set_email(user, request.form.get("email", ""))
    except UserError as exc:
        return _refused(vi_en("Chưa đổi e-mail") + f": {exc}")
    session().commit()
    flash(vi_en("Đã lưu e-mail của %(user)s.", user=user.username), "ok")
    return redirect(url_for(".index"), code=303)


@bp.post("/<int:user_id>/password")
def password(user_id: int) -> ResponseReturnValue:
    """Give the account a new random password, shown once on the page."""
    user = _user(user_id)
    audit.note(target=f"user {user.username}")
    new_password = random_password()
    set_password(user, new_password)
    session().commit()
    flash(vi_en("Đã đặt lại mật khẩu của %(user)s.", user=user.username), "ok")
    return _page((user.username, new_password))


@bp.post("/<int:user_id>/active")
def active(user_id: int) -> ResponseReturnValue:
    """``action=deactivate`` (the account can no longer log in) or ``action=activate``."""
    user = _user(user_id)
    action = request.form.get("action", "")
    audit.note(target=f"user {user.username}")
    if action not in ("activate", "deactivate"):
        return _refused(vi_en("Thao tác không rõ."))
    if user.id == current_user.id and action == "deactivate":
        return _refused(vi_en("Không thể tự khóa tài khoản của mình."))
    set_active(user, action == "activate")
    session().commit()
    if action == "activate":
        flash(vi_en("Tài khoản %(user)s: đã mở lại.", user=user.username), "ok")
    else:
        flash(vi_en("Tài khoản %(user)s: đã khóa.", user=user.username), "ok")
    return redirect(url_for(".index"), code=303)
