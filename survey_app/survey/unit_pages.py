"""The admin's unit pages: import a units file (the checks of ``sipas units import``) and edit
one unit. Every change is the admin's, audited and CSRF-checked like every staff write."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from survey_app.db import session
from survey_app.db.models import Unit, UnitType
from survey_app.i18n import vi_en
from survey_app.staff import audit
from survey_app.staff.access import staff_blueprint
from survey_app.staff.uploads import accepts_uploads, located, uploaded
from survey_app.survey.unit_registry import UnitChange, edit_unit
from survey_app.survey.units_import import import_units

bp = accepts_uploads(staff_blueprint("unit_admin", __name__, "/admin/units"))


@bp.route("/import", methods=["GET", "POST"])
def import_file() -> ResponseReturnValue:
    """Upload a units CSV: every row is added, or none and every error by row and column."""
    values = {"valid_from": "", "supersede": ""}
    problems, warnings = [], []
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in values}
        upload = uploaded()
        valid_from = None
        if values["valid_from"]:
            try:
                valid_from = date.fromisoformat(values["valid_from"])
            except ValueError:
                problems.append(located(vi_en("ngày hiệu lực: YYYY-MM-DD")))
        if upload is None:
            problems.append(located(vi_en("Chưa chọn tệp.")))
        if not problems and upload is not None:
            db = session()
            report = import_units(
                db, upload[1], valid_from=valid_from, supersede=values["supersede"] == "1"
            )
            warnings = [located(w) for w in report.warnings]
            if report.ok:
                audit.note(target=f"file {upload[0]}", created=report.created)
                db.commit()
                flash(
                    vi_en(
                        "Đã nhập %(created)s đơn vị (%(superseded)s phiên bản cũ được đóng).",
                        created=report.created,
                        superseded=report.superseded,
                    ),
                    "ok",
                )
                return redirect(url_for("admin.units"))
            db.rollback()
            problems = [located(e) for e in report.errors]
    status = 422 if problems else 200
    return render_template(
        "admin/unit_import.html", values=values, problems=problems, warnings=warnings
    ), status


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
def edit(unit_id: int) -> ResponseReturnValue:
    """Change a unit's name, type, parent, ranked flag or validity dates (not its code)."""
    db = session()
    unit = db.get(Unit, unit_id)
    if unit is None:
        abort(404)
    types = db.scalars(select(UnitType).order_by(UnitType.id)).all()
    errors: list[str] = []
    if request.method == "POST":
        change = UnitChange(
            name=request.form.get("name", ""),
            unit_type=request.form.get("unit_type", ""),
            parent_code=request.form.get("parent_code", ""),
            ranked=request.form.get("ranked") == "1",
            valid_from=request.form.get("valid_from", ""),
            valid_to=request.form.get("valid_to", ""),
        )
        audit.note(target=f"unit {unit.code}")
        errors = edit_unit(db, unit, change)
        if not errors:
            db.commit()
            flash(vi_en("Đã lưu đơn vị %(code)s.", code=unit.code), "ok")
            return redirect(url_for("admin.units"))
        db.rollback()
        values = change.__dict__
    else:
        values = {
            "name": unit.name,
            "unit_type": unit.unit_type.code,
            "parent_code": unit.parent.code if unit.parent else "",
            "ranked": unit.ranked,
            "valid_from": unit.valid_from.isoformat(),
            "valid_to": unit.valid_to.isoformat() if unit.valid_to else "",
        }
    return render_template(
        "admin/unit_edit.html", unit=unit, types=types, values=values, errors=errors
    ), (422 if errors else 200)
