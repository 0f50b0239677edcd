"""The admin's round pages: create a round (questionnaire version, units by type or code, dates)
and open or close it now."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from survey_app.db import session, utcnow
from survey_app.db.models import UnitType
from survey_app.i18n import vi_en
from survey_app.staff import audit
from survey_app.staff.access import round_or_404, staff_blueprint
from survey_app.survey.questionnaire_store import available
from survey_app.survey.rounds import RoundError, close_now, create_round, open_now, units_for_round

bp = staff_blueprint("round_admin", __name__, "/admin/rounds")


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def _moment(text: str, end_of_day: bool) -> datetime | None:
    """A local date (``YYYY-MM-DD``) or date and time from the form, as an aware datetime."""
    text = text.strip().replace("T", " ")
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            value = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if pattern == "%Y-%m-%d" and end_of_day:
            value = datetime.combine(value.date(), time(23, 59))
        return value.replace(tzinfo=_zone())
    return None


@bp.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """Create a round over the units of the chosen types (and codes) valid when it opens."""
    db = session()
    versions = available(db)
    types = db.scalars(select(UnitType).order_by(UnitType.id)).all()
    values = {"name": "", "questionnaire": "sipas-2023@1", "opens": "", "closes": "", "codes": ""}
    chosen_types: list[str] = []
    errors: list[str] = []
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in values}
        chosen_types = request.form.getlist("unit_type")
        qid, _, version = values["questionnaire"].partition("@")
        opens_at = _moment(values["opens"], end_of_day=False)
        closes_at = _moment(values["closes"], end_of_day=True)
        if opens_at is None:
            errors.append(vi_en("Ngày mở không đúng (YYYY-MM-DD)."))
        if closes_at is None:
            errors.append(vi_en("Ngày đóng không đúng (YYYY-MM-DD)."))
        if not version.isdigit():
            errors.append(vi_en("Chọn bộ câu hỏi trong danh sách."))
        codes = [c for c in values["codes"].replace(",", " ").split() if c]
        audit.note(target=f"round {values['name']}"[:200], questionnaire=values["questionnaire"])
        if not errors and opens_at is not None and closes_at is not None:
            units, missing = units_for_round(db, chosen_types, codes, opens_at.date())
            if missing:
                errors.append(vi_en("Không có đơn vị mã: %(codes)s.", codes=", ".join(missing)))
            else:
                try:
                    survey_round = create_round(
                        db,
                        name=values["name"],
                        questionnaire_id=qid,
                        questionnaire_version=int(version),
                        opens_at=opens_at,
                        closes_at=closes_at,
                        units=units,
                    )
                except RoundError as exc:
                    errors.append(vi_en("Chưa tạo được đợt") + f": {exc}")
                else:
                    db.commit()
                    flash(
                        vi_en(
                            "Đã tạo đợt %(name)s (%(count)s đơn vị).",
                            name=survey_round.name,
                            count=len(units),
                        ),
                        "ok",
                    )
                    return redirect(url_for("admin.rounds"), code=303)
        db.rollback()
    return render_template(
        "admin/round_new.html",
        versions=versions,
        types=types,
        values=values,
        chosen_types=chosen_types,
        errors=errors,
    ), (422 if errors else 200)


@bp.post("/<int:round_id>/window")
def window(round_id: int) -> ResponseReturnValue:
    """``action=open``: open from now (until ``closes`` if given); ``action=close``: close now."""
    db = session()
    survey_round = round_or_404(round_id)
    action = request.form.get("action", "")
    try:
        if action == "open":
            closes = request.form.get("closes", "").strip()
            closes_at = _moment(closes, end_of_day=True) if closes else None
            if closes and closes_at is None:
                raise RoundError(vi_en("ngày đóng: YYYY-MM-DD"))
            open_now(survey_round, closes_at)
        elif action == "close":
            close_now(survey_round)
        else:
            raise RoundError(vi_en("Thao tác không rõ."))
    except RoundError as exc:
        db.rollback()
        flash(vi_en("Chưa đổi được") + f": {exc}", "error")
        return redirect(url_for("admin.rounds"), code=303)
    db.commit()
    values = {"name": survey_round.name, "time": f"{utcnow().astimezone(_zone()):%H:%M}"}
    if action == "open":
        flash(vi_en("Đợt %(name)s: đã mở lúc %(time)s.", **values), "ok")
    else:
        flash(vi_en("Đợt %(name)s: đã đóng lúc %(time)s.", **values), "ok")
    return redirect(url_for("admin.rounds"), code=303)
