"""The PAR year online: a unit's self-assessment sheet with evidence, its explanation when
returned, the appraisal table, Sở Nội vụ's overview (who is late or incomplete) and reopening.

Who may do what is in `survey_app.staff.access.ACCESS`; a unit officer reaches only their own
unit's sheet (the ``code`` in the address) and its files (checked here for file addresses).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from scoring_bridge.workflow import STATUS_LABELS
from survey_app.db import session
from survey_app.db.models import ParEvidence, Unit
from survey_app.i18n import vi_en
from survey_app.par import appraisal, self_assessment
from survey_app.par.appraisal import may_appraise
from survey_app.par.evidence import EvidenceError, Upload, add_evidence, withdraw
from survey_app.par.evidence_store import EvidenceStoreError, store_from_settings
from survey_app.par.publication import publish_year
from survey_app.par.reminders import milestones
from survey_app.par.scoring import catalogs_for, year_units
from survey_app.par.self_assessment import Sheet, SheetError, load_sheet, lock_reason
from survey_app.par.year import current_year
from survey_app.staff import audit
from survey_app.staff.access import allowed, attachment, own_unit_code, staff_blueprint
from survey_app.staff.users import UNIT_OFFICER

bp = staff_blueprint("parself", __name__, "/admin/par")


def today() -> date:
    """Today in the display time zone (tests move it with ``app.config['PAR_TODAY']``)."""
    fixed = current_app.config.get("PAR_TODAY")
    if isinstance(fixed, date):
        return fixed
    return datetime.now(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).date()


def _unit(code: str, year: int) -> Unit:
    day = date(year, 12, 31)
    for unit in session().scalars(select(Unit).where(Unit.code == code)):
        if unit.valid_on(day):
            return unit
    abort(404)


def _sheet(year: int, code: str) -> Sheet:
    """The unit's sheet; a year without a catalog answers a page saying what to do."""
    unit = _unit(code, year)
    try:
        return load_sheet(session(), year, unit)
    except SheetError as exc:
        page = render_template("admin/par_no_catalog.html", year=year, unit=unit, problem=exc)
        abort(make_response(page, 200))


def _render(template: str, sheet: Sheet, errors: dict[str, str], status: int = 200, **extra):
    return (
        render_template(
            template,
            sheet=sheet,
            errors=errors,
            labels=STATUS_LABELS,
            lock=lock_reason(sheet, today()),
            today=today(),
            form=request.form,
            message=request.args.get("ok"),
            steps=self_assessment.history(session(), sheet.year, sheet.unit),
            milestones=milestones(sheet.unit.unit_type.code, sheet.year, today()),
            **extra,
        ),
        status,
    )


@bp.get("/<int:year>/self")
def overview(year: int) -> ResponseReturnValue:
    """Every unit's progress (Sở Nội vụ, council); a unit officer goes to their own sheet."""
    own = own_unit_code()
    db = session()
    catalogs = catalogs_for(db, year)
    units = [u for u in year_units(db, year, set(catalogs)) if own is None or _appraises(u, year)]
    if own is not None and not units:
        return redirect(url_for("parself.sheet", year=year, code=own))
    rows = []
    for unit in units:
        sheet = load_sheet(db, year, unit, catalogs[unit.unit_type.code])
        rows.append((sheet, sheet.days_left(today())))
    db.commit()
    drafts = [sheet for sheet, _ in rows if sheet.state.status == "draft"]
    return render_template(
        "admin/par_self_overview.html",
        year=year,
        rows=rows,
        labels=STATUS_LABELS,
        drafts=len(drafts),
        message=request.args.get("ok"),
        late=sum(1 for sheet in drafts if (sheet.days_left(today()) or 0) < 0),
    )


@bp.route("/<int:year>/self/<code>", methods=["GET", "POST"])
def sheet(year: int, code: str) -> ResponseReturnValue:
    """The unit's sheet: save a draft, submit, or (when returned) send the explanation."""
    current = _sheet(year, code)
    if request.method == "GET":
        session().commit()
        return _render("admin/par_self.html", current, {})
    action = request.form.get("action", "save")
    audit.note(action=action[:20])
    try:
        if action == "submit":
            self_assessment.save_draft(
                session(), current, request.form, current_user.username, today()
            )
            session().flush()
            self_assessment.submit(
                session(), load_sheet(session(), year, current.unit), current_user.username, today()
            )
            done = vi_en("Đã gửi kết quả tự đánh giá.")
        elif action == "explain":
            appraisal.explain(session(), current, request.form, current_user.username)
            done = vi_en("Đã gửi giải trình.")
        else:
            self_assessment.save_draft(
                session(), current, request.form, current_user.username, today()
            )
            done = vi_en("Đã lưu bản nháp.")
        session().commit()
    except SheetError as exc:
        session().rollback()
        return _render("admin/par_self.html", _sheet(year, code), exc.errors, 422)
    return redirect(url_for("parself.sheet", year=year, code=code, ok=done), code=303)


@bp.post("/<int:year>/self/<code>/evidence")
def upload(year: int, code: str) -> ResponseReturnValue:
    """One evidence file for one sub-criterion (while the sheet is editable or returned)."""
    limit = int(current_app.config.get("EVIDENCE_MAX_BYTES") or 20_000_000)  # body: uploads.py
    current = _sheet(year, code)
    criterion = request.form.get("criterion", "")
    audit.note(criterion=criterion[:20])
    row = next((r for r in current.rows if r.code == criterion), None)
    returned = current.state.status == "returned" and row and row.points and row.points.returned
    errors: dict[str, str] = {}
    if row is None:
        errors[""] = vi_en("Chọn một tiêu chí của bảng.")
    elif lock_reason(current, today()) and not returned:
        errors[""] = lock_reason(current, today()) or ""
    file = request.files.get("file")
    if not errors and (file is None or not file.filename):
        errors[f"file-{criterion}"] = vi_en("Chọn một tệp để tải lên.")
    if not errors and file is not None and row is not None:
        try:
            store = store_from_settings(current_app.config, session())
            add_evidence(
                session(),
                store,
                year=year,
                unit=current.unit,
                upload=Upload(
                    row.code,
                    file.filename or "",
                    file.read(limit + 1),
                    current_user.username,
                    "explanation" if returned else "self",
                    request.form.get("replaces", "")[:32],
                ),
                max_bytes=limit,
            )
            session().commit()
        except EvidenceError as exc:
            session().rollback()
            errors[f"file-{criterion}"] = str(exc)
        except EvidenceStoreError as exc:  # the store is down: nothing acknowledged, try again
            session().rollback()
            page = _render("admin/par_self.html", _sheet(year, code), {"": str(exc)}, 503)
            return page[0], 503, {"Retry-After": "30"}
    if errors:
        return _render("admin/par_self.html", _sheet(year, code), errors, 422)
    done = vi_en("Đã tải lên tài liệu cho %(code)s.", code=criterion)
    return redirect(
        url_for("parself.sheet", year=year, code=code, ok=done) + f"#c-{criterion}", 303
    )


@bp.post("/<int:year>/self/<code>/evidence/<evidence_id>/withdraw")
def withdraw_file(year: int, code: str, evidence_id: str) -> ResponseReturnValue:
    """Take a file off a draft sheet (after submission files are kept; see the module doc)."""
    current = _sheet(year, code)
    row = session().get(ParEvidence, evidence_id)
    if row is None or row.unit_id != current.unit.id or row.year != year:
        abort(404)
    reason = lock_reason(current, today())
    if reason:
        return _render("admin/par_self.html", current, {"": reason}, 422)
    withdraw(session(), row)
    session().commit()
    return redirect(url_for("parself.sheet", year=year, code=code, ok=vi_en("Đã gỡ tệp.")), 303)


@bp.get("/<int:year>/evidence/<evidence_id>")
def evidence_file(year: int, evidence_id: str) -> ResponseReturnValue:
    """An evidence file: its unit's officer, Sở Nội vụ and the council only."""
    row = session().get(ParEvidence, evidence_id)
    if row is None or row.year != year:
        abort(404)
    own_file = row.unit.code == own_unit_code()
    if current_user.role == UNIT_OFFICER and not own_file and not _appraises(row.unit, year):
        abort(404)
    try:
        data = store_from_settings(current_app.config, session()).get(row.sha256)
    except FileNotFoundError:
        abort(404)
    except EvidenceStoreError as exc:
        page = render_template(
            "citizen/error.html", title=vi_en("Tài liệu kiểm chứng"), body=str(exc)
        )
        return page, 503, {"Retry-After": "30"}
    return Response(data, mimetype=row.media_type, headers=attachment(row.filename))


@bp.post("/<int:year>/self/<code>/reopen")
def reopen(year: int, code: str) -> ResponseReturnValue:
    """Sở Nội vụ reopens a sheet locked by its deadline until a day (with a reason)."""
    current = _sheet(year, code)
    try:
        until = datetime.strptime(request.form.get("until", ""), "%Y-%m-%d").date()
    except ValueError:
        return _render("admin/par_self.html", current, {"until": vi_en("Ngày không hợp lệ.")}, 422)
    try:
        self_assessment.reopen(
            session(), current, until, request.form.get("reason", ""), current_user.username
        )
        session().commit()
    except SheetError as exc:
        session().rollback()
        return _render("admin/par_self.html", _sheet(year, code), exc.errors, 422)
    return redirect(url_for("parself.sheet", year=year, code=code, ok=vi_en("Đã mở lại.")), 303)


def _own_unit() -> Unit | None:
    code = own_unit_code()
    if code is None:
        return None
    return session().scalar(select(Unit).where(Unit.code == code).order_by(Unit.valid_from.desc()))


def _appraises(unit: Unit, year: int) -> bool:
    return may_appraise(current_user.role, _own_unit(), unit, year)


@bp.route("/<int:year>/appraise/<target>", methods=["GET", "POST"])
def appraise(year: int, target: str) -> ResponseReturnValue:
    """The appraisal table: appraised points and comments, return for explanation, finalise.

    The address names the unit as ``target`` (not ``code``): a district's officers reach their
    communes here, which the access table's own-unit rule would refuse; `may_appraise` decides.
    """
    code = target
    current = _sheet(year, code)
    if not _appraises(current.unit, year):
        abort(404)
    if request.method == "GET":
        session().commit()
        return _render("admin/par_appraise.html", current, {})
    action = request.form.get("action", "save")
    audit.note(action=action[:20])
    try:
        if action in {"save", "return", "finalise"}:  # the table's figures are saved first
            appraisal.save_appraisal(session(), current, request.form, current_user.username)
            session().flush()
            current = load_sheet(session(), year, current.unit)
        if action == "return":
            appraisal.return_for_explanation(
                session(),
                current,
                request.form.getlist("return"),
                current_user.username,
            )
            done = vi_en("Đã trả lại để giải trình.")
        elif action == "finalise":
            appraisal.finalise(session(), current, current_user.username)
            done = vi_en("Đã chốt điểm đạt được.")
        else:
            done = vi_en("Đã lưu điểm thẩm định.")
        session().commit()
    except SheetError as exc:
        session().rollback()
        return _render("admin/par_appraise.html", _sheet(year, code), exc.errors, 422)
    return redirect(url_for("parself.appraise", year=year, target=code, ok=done), code=303)


@bp.post("/<int:year>/publish")
def publish(year: int) -> ResponseReturnValue:
    """The council locks the year: appraised units are published on the public page."""
    moved, pending = publish_year(session(), year)
    audit.note(published=moved, pending=pending)
    session().commit()
    done = vi_en(
        "Đã công bố %(moved)s đơn vị; %(pending)s đơn vị còn chờ.", moved=moved, pending=pending
    )
    return redirect(url_for("parself.overview", year=year, ok=done), code=303)


@bp.app_context_processor
def _par_year_links() -> dict[str, object]:
    """``par_year_links()`` for the staff navigation: the current PAR year's pages the user may
    reach (a unit officer: their own sheet; the council and Sở Nội vụ: the year's overview)."""

    def links() -> list[tuple[str, str]]:
        if not current_user.is_authenticated or not allowed("parself.overview"):
            return []
        year = current_year(session())
        own = own_unit_code()
        if own is not None:
            return [(url_for("parself.sheet", year=year, code=own), gettext("Tự đánh giá CCHC"))]
        return [(url_for("parself.overview", year=year), gettext("Thẩm định CCHC"))]

    return {
        "par_year_links": links,
        "own_par_sheet": own_sheet_summary,
        "par_status_labels": STATUS_LABELS,
        "par_today": today,
    }


def own_sheet_summary() -> Sheet | None:
    """The unit officer's sheet of the current PAR year (for their dashboard), or None (other
    roles, a unit not in that year, no catalog)."""
    own = _own_unit()
    if own is None:
        return None
    year = current_year(session())
    try:
        sheet = load_sheet(session(), year, own) if own.valid_on(date(year, 12, 31)) else None
    except SheetError:
        return None
    session().commit()  # load_sheet makes a missing sheet's draft row
    return sheet
