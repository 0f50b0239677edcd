"""Staff login and logout."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from survey_app.db import session
from survey_app.users import authenticate

bp = Blueprint("auth", __name__, url_prefix="/admin")


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập / Username", validators=[DataRequired()])
    password = PasswordField("Mật khẩu / Password", validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The login form; a wrong name or password gets one message for both."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(session(), form.username.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = "Sai tên đăng nhập hoặc mật khẩu. / Wrong username or password."
    status = 401 if error else 200
    return render_template("admin/login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    return redirect(url_for("auth.login"))
