"""The admin's API client page: create a client (its key shown once) and revoke one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from survey_app.db import session
from survey_app.db.models import ApiClient
from survey_app.i18n import vi_en
from survey_app.staff import audit
from survey_app.staff.access import staff_blueprint
from survey_app.trust.api_clients import ApiClientError, all_clients, create_client, revoke_client

bp = staff_blueprint("api_client_admin", __name__, "/admin/api-clients")


def _page(shown_key: tuple[str, str] | None = None):  # type: ignore[no-untyped-def]
    return render_template(
        "admin/api_clients.html", clients=all_clients(session()), shown_key=shown_key
    )


@bp.get("/")
def index() -> ResponseReturnValue:
    """Every client, whether its key works."""
    return _page()


@bp.post("/new")
def new() -> ResponseReturnValue:
    """Create a client; its key is on this page only (the database keeps its hash)."""
    name = request.form.get("name", "")
    audit.note(target=f"api client {name.strip()}"[:200])
    try:
        client, key = create_client(session(), name)
    except ApiClientError as exc:
        session().rollback()
        flash(vi_en("Chưa tạo") + f": {exc}", "error")
        return redirect(url_for(".index"), code=303)
    session().commit()
    return _page((client.name, key))


@bp.post("/<int:client_id>/revoke")
def revoke(client_id: int) -> ResponseReturnValue:
    """Revoke a client's key: its requests get 401 from now on."""
    client = session().get(ApiClient, client_id)
    if client is None:
        abort(404)
    audit.note(target=f"api client {client.name}")
    revoke_client(session(), client.name)
    session().commit()
    flash(vi_en("Đã thu hồi khóa của %(name)s.", name=client.name), "ok")
    return redirect(url_for(".index"), code=303)
