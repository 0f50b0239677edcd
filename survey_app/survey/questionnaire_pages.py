"""The admin's questionnaire pages: upload a definition (JSON or XLSForm), see every problem
with its location, preview a draft in a phone-sized frame, publish it (then it never changes),
download any version as an XLSForm template."""

from __future__ import annotations

import json
from types import SimpleNamespace

from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from questionnaires.estimate import intro_without_duration, minutes_to_answer, question_count
from questionnaires.model import Questionnaire
from questionnaires.registry import definitions_root, shipped
from survey_app.db import session
from survey_app.db.models import QuestionnaireDefinition
from survey_app.i18n import current_language, vi_en
from survey_app.staff import audit
from survey_app.staff.access import attachment, staff_blueprint
from survey_app.staff.uploads import accepts_uploads, located, uploaded
from survey_app.survey.questionnaire_files import check_upload, xlsform_xlsx
from survey_app.survey.questionnaire_store import (
    QuestionnaireStoreError,
    UnknownVersion,
    available,
    discard,
    drafts,
    get_questionnaire,
    load_row,
    publish,
    published_rows,
    save_draft,
)

bp = accepts_uploads(staff_blueprint("questionnaire_admin", __name__, "/admin/questionnaires"))
PREVIEW_HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'",
}
"""The preview may be framed by the admin's own pages, and its form can go nowhere."""


def _index(problems: list | None = None, warnings: list | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    db = session()
    return render_template(
        "admin/questionnaires.html",
        versions=available(db),
        drafts=drafts(db),
        problems=problems or [],
        warnings=warnings or [],
    ), status


@bp.get("/")
def index() -> ResponseReturnValue:
    """Shipped and published versions, drafts, and the upload form."""
    return _index()


@bp.post("/upload")
def upload() -> ResponseReturnValue:
    """Check an uploaded definition; keep it as a draft only when it has no problem."""
    file = uploaded()
    if file is None:
        return _index([located(vi_en("Chưa chọn tệp."))], status=422)
    name, data = file
    checked = check_upload(name, data)
    audit.note(target=f"file {name}"[:200], format=checked.source_format)
    warnings = [located(w) for w in checked.result.warnings]
    if not checked.ok or checked.data is None:
        return _index([located(p) for p in checked.problems], warnings, 422)
    db = session()
    try:
        row = save_draft(db, checked.data, checked.source_format, current_user.username)
    except QuestionnaireStoreError as exc:
        db.rollback()
        return _index([located(f"{name}: {exc}")], warnings, 422)
    db.commit()
    flash(
        vi_en(
            "Tệp hợp lệ: bản nháp %(id)s phiên bản %(version)s. Xem trước rồi đăng.",
            id=row.questionnaire_id,
            version=row.version,
        ),
        "ok",
    )
    return redirect(url_for(".draft", draft_id=row.id), code=303)


def _draft_or_404(draft_id: int) -> QuestionnaireDefinition:
    row = session().get(QuestionnaireDefinition, draft_id)
    if row is None:
        abort(404)
    return row


@bp.get("/drafts/<int:draft_id>")
def draft(draft_id: int) -> ResponseReturnValue:
    """A draft (or published upload): its summary, a phone-sized preview, publish or discard."""
    row = _draft_or_404(draft_id)
    return render_template("admin/questionnaire_draft.html", row=row, q=load_row(row))


def _preview(questionnaire: Questionnaire) -> Response:
    html = render_template(
        "citizen/form.html",
        target=SimpleNamespace(unit=SimpleNamespace(name="Đơn vị mẫu (xem trước)"), counter=None),
        questionnaire=questionnaire,
        ticket="",
        values={},
        errors={},
        summary_links=[],
        duration=_(
            "Phiếu có %(questions)s câu hỏi, mất khoảng %(minutes)s phút.",
            questions=question_count(questionnaire),
            minutes=minutes_to_answer(questionnaire, current_language()),
        ),
        intro=intro_without_duration(questionnaire.intro.get(current_language())),
        notice=_("Bản xem trước: không gửi được."),
        honeypot="website",
        preview=True,
    )
    return Response(html, headers=PREVIEW_HEADERS)


@bp.get("/drafts/<int:draft_id>/preview")
def draft_preview(draft_id: int) -> Response:
    """The citizen's form of a draft, as a phone shows it, with nothing to submit."""
    return _preview(load_row(_draft_or_404(draft_id)))


@bp.get("/<questionnaire_id>/<int:version>/preview")
def preview(questionnaire_id: str, version: int) -> Response:
    """The citizen's form of a shipped or published version."""
    try:
        return _preview(get_questionnaire(session(), questionnaire_id, version))
    except UnknownVersion:
        abort(404)


@bp.post("/drafts/<int:draft_id>/publish")
def publish_draft(draft_id: int) -> ResponseReturnValue:
    """Publish: rounds may use the version from now on, and it never changes."""
    row = _draft_or_404(draft_id)
    audit.note(target=f"questionnaire {row.questionnaire_id} v{row.version}")
    try:
        publish(session(), row, current_user.username)
    except QuestionnaireStoreError as exc:
        session().rollback()
        flash(vi_en("Chưa đăng") + f": {exc}", "error")
        return redirect(url_for(".draft", draft_id=draft_id), code=303)
    session().commit()
    flash(
        vi_en(
            "Đã đăng %(id)s phiên bản %(version)s: có thể chọn khi tạo đợt.",
            id=row.questionnaire_id,
            version=row.version,
        ),
        "ok",
    )
    return redirect(url_for(".index"), code=303)


@bp.post("/drafts/<int:draft_id>/discard")
def discard_draft(draft_id: int) -> ResponseReturnValue:
    """Delete a draft (never a published version)."""
    row = _draft_or_404(draft_id)
    audit.note(target=f"questionnaire {row.questionnaire_id} v{row.version}")
    try:
        discard(session(), row)
    except QuestionnaireStoreError as exc:
        session().rollback()
        flash(vi_en("Không xóa được") + f": {exc}", "error")
        return redirect(url_for(".draft", draft_id=draft_id), code=303)
    session().commit()
    flash(vi_en("Đã xóa bản nháp."), "ok")
    return redirect(url_for(".index"), code=303)


def _data(questionnaire_id: str, version: int) -> dict:
    if (questionnaire_id, version) in shipped():
        raw = definitions_root().joinpath(questionnaire_id, f"{version}.json").read_bytes()
        return json.loads(raw)
    for row in published_rows(session()):
        if (row.questionnaire_id, row.version) == (questionnaire_id, version):
            load_row(row)  # checks the stored sha256
            return json.loads(row.definition)
    abort(404)


@bp.get("/<questionnaire_id>/<int:version>.xlsx")
def xlsform(questionnaire_id: str, version: int) -> Response:
    """A version as an XLSForm workbook: a template to edit and upload as the next version."""
    data = _data(questionnaire_id, version)
    return Response(
        xlsform_xlsx(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=attachment(f"{questionnaire_id}-v{version}-xlsform.xlsx"),
    )
