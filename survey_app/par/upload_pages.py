"""The admin's PAR uploads: a criteria catalog, points, an 8.1 rule.

The checks of ``sipas par catalog-import|points-import|rule-import`` (`survey_app.par.imports`);
nothing is saved on any error.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.db import session, utcnow
from survey_app.db.models import UnitType
from survey_app.i18n import N_, text_in, vi_en
from survey_app.par.imports import ImportOutcome, import_catalogs, import_points, import_rule81
from survey_app.staff import audit
from survey_app.staff.access import staff_blueprint
from survey_app.staff.uploads import accepts_uploads, located, uploaded

bp = accepts_uploads(staff_blueprint("par_upload", __name__, "/admin/par-files"))
KIND_NAMES = {
    "catalogs": N_("Danh mục tiêu chí"),
    "points": N_("Điểm tự chấm và điểm thẩm định"),
    "rule": N_("Quy tắc tiêu chí 8.1"),
}


def _kinds() -> dict[str, tuple[str, str]]:
    """Each kind of file: (Vietnamese, English) from the catalogue."""
    return {k: (text_in("vi", name), text_in("en", name)) for k, name in KIND_NAMES.items()}


IMPORTED = N_("Đã nhập %(kind)s: %(summary)s.")
"""What an upload saved: the kind of file (`KIND_NAMES`) and the summary, each in its language."""


def _page(kind: str = "", problems: list | None = None, year: str = "", status: int = 200):  # type: ignore[no-untyped-def]
    return render_template(
        "admin/par_files.html",
        kinds=_kinds(),
        failed=kind,
        problems=problems or [],
        year=year or str(utcnow().year),
    ), status


@bp.get("/")
def index() -> ResponseReturnValue:
    return _page()


def _run(
    kind: str, action: Callable[[Session, bytes, str, int], ImportOutcome]
) -> ResponseReturnValue:
    year_text = request.form.get("year", "").strip()
    file = uploaded()
    problems = []
    if kind != "rule" and not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        problems.append(located(vi_en("Năm không đúng (ví dụ 2024).")))
    if file is None:
        problems.append(located(vi_en("Chưa chọn tệp.")))
    if problems or file is None:
        return _page(kind, problems, year_text, 422)
    audit.note(target=f"file {file[0]}"[:200], kind=kind, year=year_text)
    db = session()
    outcome = action(db, file[1], file[0], int(year_text or 0))
    if not outcome.ok:
        db.rollback()
        return _page(kind, [located(p) for p in outcome.problems], year_text, 422)
    said = _summary(db, kind, outcome, year_text)
    db.commit()
    vietnamese = text_in("vi", IMPORTED, kind=_kinds()[kind][0].lower(), summary=said)
    english = text_in("en", IMPORTED, kind=_kinds()[kind][1].lower(), summary=outcome.summary)
    flash(f"{vietnamese} / {english}", "ok")
    return redirect(url_for(".index"), code=303)


def _summary(db: Session, kind: str, outcome: ImportOutcome, year: str) -> str:
    """What was saved, in Vietnamese (``outcome.summary`` is the CLI's English)."""
    if kind == "points":
        return f"điểm của {len(outcome.saved)} đơn vị năm {year}"
    names = {code: name for code, name in db.execute(select(UnitType.code, UnitType.name_vi))}
    types = ", ".join(names.get(code, code) for code in outcome.saved)
    if kind == "rule":
        return f"quy tắc của {types}"
    return f"khung điểm của {types} năm {year}"


@bp.post("/catalogs")
def catalogs() -> ResponseReturnValue:
    """A catalog (CSV or the appendix-shaped XLSX) for a year."""
    return _run("catalogs", lambda db, data, name, year: import_catalogs(db, data, name, year))


@bp.post("/points")
def points() -> ResponseReturnValue:
    """Self-assessed and final points (CSV or appendix XLSX) for a year."""
    return _run("points", lambda db, data, name, year: import_points(db, data, name, year))


@bp.post("/rule")
def rule() -> ResponseReturnValue:
    """An 8.1 rule (JSON); its year and unit type are in the file."""
    return _run("rule", lambda db, data, name, year: import_rule81(db, data))
