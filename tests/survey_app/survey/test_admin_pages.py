"""The admin's unit, counter, round and questionnaire pages through the test client: good input
saves, bad input lists every problem with its place and saves nothing, and each write is audited."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from support import DEMO_DATA, form_tokens, login_as

from questionnaires.registry import definitions_root
from survey_app.db import get_db, utcnow
from survey_app.db.models import (
    AdminAuditLog,
    Counter,
    QuestionnaireDefinition,
    SurveyRound,
    Unit,
)
from survey_app.survey.questionnaire_files import xlsform_xlsx


def _token(client: FlaskClient, url: str = "/admin/") -> str:
    return form_tokens(client.get(url).get_data(as_text=True))["csrf_token"]


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return get_db().session.scalar(select(func.count()).select_from(model))


def _audited(app: Flask, action: str) -> list[AdminAuditLog]:
    with app.app_context():
        return list(
            get_db().session.scalars(select(AdminAuditLog).where(AdminAuditLog.action == action))
        )


def _upload(client: FlaskClient, url: str, name: str, data: bytes, **fields: str):  # type: ignore[no-untyped-def]
    token = _token(client)
    return client.post(
        url,
        data={"csrf_token": token, **fields, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


# --- units ------------------------------------------------------------------------------------
def test_a_units_file_is_imported_whole(app: Flask) -> None:
    admin = login_as(app)
    data = (DEMO_DATA / "vinh-long-province.csv").read_bytes()
    reply = _upload(admin, "/admin/units/import", "province.csv", data, valid_from="2023-01-01")
    assert reply.status_code == 302
    data = (DEMO_DATA / "vinh-long-2023-departments.csv").read_bytes()
    reply = _upload(admin, "/admin/units/import", "departments.csv", data, valid_from="2023-01-01")
    assert reply.status_code == 302
    page = admin.get("/admin/units").get_data(as_text=True)
    assert "Sở Nội vụ" in page and "Đã nhập 19 đơn vị" in page
    assert _count(app, Unit) == 20
    [row, _] = _audited(app, "unit_admin.import_file")
    assert row.status_code == 302 and row.target == "file province.csv"


def test_a_bad_units_file_shows_every_error_by_row_and_column_and_saves_nothing(
    app: Flask,
) -> None:
    admin = login_as(app)
    bad = "code,name,level\nSNV,Sở Nội vụ,departmnt\n,Không mã,department\n".encode()
    reply = _upload(admin, "/admin/units/import", "units.csv", bad)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "không có gì được lưu" in page
    assert "dòng 2 · cột level" in page and "did you mean &#39;department&#39;" in page
    assert "dòng 3 · cột code" in page
    assert _count(app, Unit) == 0


def test_a_unit_is_edited_and_a_bad_edit_changes_nothing(app: Flask, survey: dict) -> None:
    admin = login_as(app)
    with app.app_context():
        unit = get_db().session.scalar(select(Unit).where(Unit.code == "BDT"))
        unit_id = unit.id
    url = f"/admin/units/{unit_id}/edit"
    form = {
        "csrf_token": _token(admin, url),
        "name": "Ban Dân tộc tỉnh",
        "unit_type": "department",
        "parent_code": "86",
        "ranked": "1",
        "valid_from": "2020-01-01",
        "valid_to": "",
    }
    assert admin.post(url, data=form).status_code == 302
    bad = {**form, "name": "Tên mới", "parent_code": "BDT", "valid_to": "2019-01-01"}
    reply = admin.post(url, data=bad)
    text = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "chính nó" in text and "trước ngày bắt đầu" in text
    with app.app_context():
        unit = get_db().session.get(Unit, unit_id)
        assert (unit.name, unit.ranked, unit.valid_to) == ("Ban Dân tộc tỉnh", True, None)
    assert [r.target for r in _audited(app, "unit_admin.edit")] == ["unit BDT", "unit BDT"]


# --- counters ---------------------------------------------------------------------------------
def test_counters_are_added_renamed_and_deactivated(app: Flask, survey: dict) -> None:
    admin = login_as(app)
    token = _token(admin, "/admin/counters")
    form = {"csrf_token": token, "unit_code": "SNV", "code": "SNV-2", "name": "Quầy 2"}
    assert admin.post("/admin/counters/add", data=form).status_code == 303
    again = admin.post("/admin/counters/add", data=form, follow_redirects=True)
    assert "codes are permanent" in again.get_data(as_text=True)
    with app.app_context():
        counter_id = get_db().session.scalar(select(Counter.id).where(Counter.code == "SNV-2"))
    admin.post(f"/admin/counters/{counter_id}/rename", data={"csrf_token": token, "name": "Quầy B"})
    admin.post(
        f"/admin/counters/{counter_id}/active", data={"csrf_token": token, "action": "deactivate"}
    )
    with app.app_context():
        counter = get_db().session.get(Counter, counter_id)
        assert (counter.name, counter.active) == ("Quầy B", False)
    assert app.test_client().get("/s/SNV-2").status_code == 404
    assert _count(app, Counter) == 3


# --- rounds -----------------------------------------------------------------------------------
def test_a_round_is_created_over_a_unit_type_then_closed_and_opened(
    app: Flask, survey: dict
) -> None:
    admin = login_as(app)
    today = utcnow().date()
    form = {
        "csrf_token": _token(admin, "/admin/rounds/new"),
        "name": "SIPAS mới",
        "questionnaire": "sipas-2023@1",
        "opens": (today + timedelta(days=1)).isoformat(),
        "closes": (today + timedelta(days=60)).isoformat(),
        "unit_type": "department",
    }
    assert admin.post("/admin/rounds/new", data=form).status_code == 303
    refused = admin.post("/admin/rounds/new", data={**form, "codes": "NOPE"})
    assert refused.status_code == 422 and "NOPE" in refused.get_data(as_text=True)
    with app.app_context():
        survey_round = get_db().session.scalar(
            select(SurveyRound).where(SurveyRound.name == "SIPAS mới")
        )
        assert sorted(u.code for u in survey_round.units) == ["BDT", "SNV"]
        round_id = survey_round.id
    token = form["csrf_token"]
    admin.post(f"/admin/rounds/{round_id}/window", data={"csrf_token": token, "action": "open"})
    with app.app_context():
        assert get_db().session.get(SurveyRound, round_id).is_open(utcnow())
    admin.post(f"/admin/rounds/{round_id}/window", data={"csrf_token": token, "action": "close"})
    with app.app_context():
        assert not get_db().session.get(SurveyRound, round_id).is_open(utcnow())


# --- questionnaires ---------------------------------------------------------------------------
def _definition(version: int = 2, qid: str = "sipas-tinh") -> dict:
    raw = definitions_root().joinpath("sipas-2023", "1.json").read_text("utf-8")
    return {**json.loads(raw), "id": qid, "version": version}


def test_an_xlsform_is_checked_previewed_published_and_usable_by_a_round(
    app: Flask, survey: dict
) -> None:
    admin = login_as(app)
    reply = _upload(admin, "/admin/questionnaires/upload", "form.xlsx", xlsform_xlsx(_definition()))
    assert reply.status_code == 303
    draft_url = reply.headers["Location"]
    page = admin.get(draft_url).get_data(as_text=True)
    assert "19 câu hỏi trong 5 yếu tố" in page and "<iframe" in page
    preview = admin.get(f"{draft_url}/preview")
    html = preview.get_data(as_text=True)
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert 'method="post"' not in html and "disabled" in html and "csrf_token" not in html
    draft_id = int(draft_url.rstrip("/").rsplit("/", 1)[1])
    token = _token(admin, draft_url)
    assert admin.post(f"{draft_url}/publish", data={"csrf_token": token}).status_code == 303
    # published: a round may use it, the citizen's form shows it, it never changes
    new_round = admin.get("/admin/rounds/new").get_data(as_text=True)
    assert 'value="sipas-tinh@2"' in new_round
    again = _upload(admin, "/admin/questionnaires/upload", "form.xlsx", xlsform_xlsx(_definition()))
    assert again.status_code == 422 and "already published" in again.get_data(as_text=True)
    discard = admin.post(f"{draft_url}/discard", data={"csrf_token": token}, follow_redirects=True)
    assert "never deleted" in discard.get_data(as_text=True)
    with app.app_context():
        row = get_db().session.get(QuestionnaireDefinition, draft_id)
        assert row.published_at is not None and row.source_format == "xlsform"
    assert [r.status_code for r in _audited(app, "questionnaire_admin.publish_draft")] == [303]


def test_a_bad_xlsform_lists_every_problem_by_sheet_row_and_column(app: Flask) -> None:
    admin = login_as(app)
    book = load_workbook(io.BytesIO(xlsform_xlsx(_definition())))
    book["settings"]["B2"] = "hai"  # version
    survey = book["survey"]
    for row in survey.iter_rows(min_row=2):
        if row[1].value == "q16":
            row[0].value = "integer"
        if row[1].value == "q20":
            row[1].value = "q15"
    out = io.BytesIO()
    book.save(out)
    reply = _upload(admin, "/admin/questionnaires/upload", "form.xlsx", out.getvalue())
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "settings · dòng 2 · cột version" in page
    assert "cột type" in page and "integer" in page and "duplicate id" in page
    assert _count(app, QuestionnaireDefinition) == 0


def test_a_json_definition_with_problems_is_refused_and_a_good_one_kept(app: Flask) -> None:
    admin = login_as(app)
    bad = json.dumps({**_definition(), "languages": ["en"]}).encode()
    reply = _upload(admin, "/admin/questionnaires/upload", "q.json", bad)
    assert reply.status_code == 422 and "languages" in reply.get_data(as_text=True)
    not_json = _upload(admin, "/admin/questionnaires/upload", "q.json", b"{oops")
    assert not_json.status_code == 422
    good = json.dumps(_definition(3)).encode()
    assert _upload(admin, "/admin/questionnaires/upload", "q.json", good).status_code == 303
    assert _count(app, QuestionnaireDefinition) == 1


def test_the_shipped_questionnaire_downloads_as_an_xlsform_template(app: Flask) -> None:
    admin = login_as(app)
    reply = admin.get("/admin/questionnaires/sipas-2023/1.xlsx")
    assert reply.status_code == 200
    assert set(load_workbook(io.BytesIO(reply.data)).sheetnames) == {
        "survey",
        "choices",
        "settings",
    }
    assert admin.get("/admin/questionnaires/sipas-2023/1/preview").status_code == 200
    assert admin.get("/admin/questionnaires/nope/1/preview").status_code == 404


def test_an_admin_upload_may_be_larger_than_a_citizens_request(app: Flask) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    padded = json.dumps(_definition(4), indent=2).encode() + b" " * limit
    admin = login_as(app)
    assert _upload(admin, "/admin/questionnaires/upload", "q.json", padded).status_code == 303
    analyst = login_as(app, app.test_client(), "analyst")
    refused = _upload(analyst, "/admin/questionnaires/upload", "q.json", padded)
    assert refused.status_code == 413
