"""The admin's counter actions: add a counter, rename it, deactivate or reactivate it.

The list and the posters are `survey_app.survey.pages` (``/admin/counters``, per unit and per
round). A counter's code is permanent (printed QR codes carry it), so it is never edited.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from survey_app.db import session, utcnow
from survey_app.db.models import Counter, Unit
from survey_app.i18n import vi_en
from survey_app.staff import audit
from survey_app.staff.access import staff_blueprint
from survey_app.survey.counters import (
    DEFAULT_COUNTER_NAME,
    CounterError,
    add_counter,
    rename_counter,
    set_counter_active,
)

bp = staff_blueprint("counter_admin", __name__, "/admin/counters")


def _back(message: str, category: str) -> ResponseReturnValue:
    flash(message, category)
    return redirect(url_for("admin.counters"), code=303)


def _counter(counter_id: int) -> Counter:
    counter = session().get(Counter, counter_id)
    if counter is None:
        abort(404)
    return counter


@bp.post("/add")
def add() -> ResponseReturnValue:
    """Add a counter to a unit valid today."""
    db = session()
    unit_code = request.form.get("unit_code", "").strip()
    code = request.form.get("code", "").strip()
    name = request.form.get("name", "").strip() or DEFAULT_COUNTER_NAME
    audit.note(target=f"counter {code}"[:200], unit=unit_code[:40])
    today = utcnow().date()
    unit = next(
        (u for u in db.scalars(select(Unit).where(Unit.code == unit_code)) if u.valid_on(today)),
        None,
    )
    if unit is None:
        return _back(
            vi_en("Không có đơn vị mã %(code)r còn hiệu lực.", code=unit_code),
            "error",
        )
    try:
        add_counter(db, unit, code, name)
    except CounterError as exc:
        db.rollback()
        return _back(vi_en("Chưa thêm được quầy") + f": {exc}", "error")
    db.commit()
    return _back(vi_en("Đã thêm quầy %(code)s.", code=code), "ok")


@bp.post("/<int:counter_id>/rename")
def rename(counter_id: int) -> ResponseReturnValue:
    """Change the name printed on the poster."""
    counter = _counter(counter_id)
    audit.note(target=f"counter {counter.code}")
    try:
        rename_counter(counter, request.form.get("name", ""))
    except CounterError as exc:
        session().rollback()
        return _back(vi_en("Chưa đổi tên quầy") + f": {exc}", "error")
    session().commit()
    return _back(vi_en("Đã đổi tên quầy %(code)s.", code=counter.code), "ok")


@bp.post("/<int:counter_id>/active")
def active(counter_id: int) -> ResponseReturnValue:
    """``action=deactivate`` (its QR code answers 404 from now on) or ``action=activate``."""
    counter = _counter(counter_id)
    action = request.form.get("action", "")
    if action not in ("activate", "deactivate"):
        return _back(vi_en("Thao tác không rõ."), "error")
    audit.note(target=f"counter {counter.code}")
    set_counter_active(counter, action == "activate")
    session().commit()
    if action == "activate":
        return _back(vi_en("Đã mở lại quầy %(code)s.", code=counter.code), "ok")
    return _back(vi_en("Đã ngừng quầy %(code)s.", code=counter.code), "ok")
