"""Staff pages behind a login, answers per unit, posters and the responses export."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from support import form_tokens, full_answers, login_as

from survey_app.db import get_db
from survey_app.staff.users import create_user

ADMIN_PAGES = [
    "/admin/",
    "/admin/units",
    "/admin/counters",
    "/admin/rounds",
    "/admin/export/responses.csv",
    "/admin/export/responses.xlsx",
]
EXPECTED_HEADER = [
    "response_id",
    "round",
    "unit_code",
    "counter_code",
    "channel",
    "submitted_at",
    "questionnaire",
    "questionnaire_version",
    *[f"q{n}" for n in range(15, 34)],
    "service_field",
    "gender",
    "age_group",
    "ethnicity",
    "education",
    "occupation",
    "residence",
    "visit",
    "comment",
]


def _answer(client: FlaskClient, counter: str, **extra: str) -> None:
    tokens = form_tokens(client.get(f"/s/{counter}").get_data(as_text=True))
    reply = client.post(f"/s/{counter}", data={**tokens, **full_answers("4"), **extra})
    assert reply.status_code == 303


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    return login_as(app, client, "admin", username="nv.admin")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_need_a_login(client: FlaskClient, survey: dict, path: str) -> None:
    reply = client.get(path)
    assert reply.status_code == 302
    assert "/admin/login" in reply.headers["Location"]


def test_a_wrong_password_is_refused(app: Flask, client: FlaskClient) -> None:
    with app.app_context(), get_db().begin() as session:
        create_user(session, "nv.admin", "correct horse battery", "admin")
    token = form_tokens(client.get("/admin/login").get_data(as_text=True))["csrf_token"]
    reply = client.post(
        "/admin/login",
        data={"csrf_token": token, "username": "nv.admin", "password": "wrong password!"},
    )
    assert reply.status_code == 401
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    with app.app_context(), get_db().begin() as session:
        create_user(session, "nv.admin", "correct horse battery", "admin")
    client.get("/admin/login")
    reply = client.post(
        "/admin/login", data={"username": "nv.admin", "password": "correct horse battery"}
    )
    assert reply.status_code != 302
    assert client.get("/admin/").status_code == 302


def test_passwords_are_stored_hashed(app: Flask) -> None:
    with app.app_context(), get_db().begin() as session:
        user = create_user(session, "nv.admin", "correct horse battery", "admin")
        assert "correct horse" not in user.password_hash
        assert user.password_hash.startswith("scrypt:")


def test_dashboard_counts_answers_per_unit_in_the_open_round(
    staff: FlaskClient, survey: dict
) -> None:
    phone = staff.application.test_client()
    for _ in range(3):
        _answer(phone, "SNV-1")
    _answer(phone, "BDT-1")
    html = staff.get("/admin/").get_data(as_text=True)
    assert "Đợt thử" in html and "<strong>4</strong>" in html
    rows = {cells[0]: cells for cells in _table_rows(html)}
    assert rows["SNV"][-1] == "3" and rows["BDT"][-1] == "1"
    assert "chấm điểm, không xếp hạng" in html  # Ban Dân tộc is scored, not ranked


def _table_rows(html: str) -> list[list[str]]:
    import re

    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        ]
        if cells:
            rows.append(cells)
    return rows


def test_units_counters_and_rounds_pages_list_them(staff: FlaskClient, survey: dict) -> None:
    units = staff.get("/admin/units").get_data(as_text=True)
    assert "Sở Nội vụ" in units and "Ban Dân tộc" in units
    counters = staff.get("/admin/counters").get_data(as_text=True)
    assert "http://sipas.test/s/SNV-1" in counters and "/posters/SNV-1.pdf" in counters
    rounds = staff.get("/admin/rounds").get_data(as_text=True)
    assert "Đợt thử" in rounds and "sipas-2023 v1" in rounds


def test_round_posters_pdf_has_a_page_per_counter(staff: FlaskClient, survey: dict) -> None:
    reply = staff.get(f"/admin/rounds/{survey['round_id']}/posters.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    import pypdfium2

    assert len(pypdfium2.PdfDocument(reply.data)) == 2


def test_public_qr_and_poster_routes(client: FlaskClient, survey: dict) -> None:
    assert client.get("/qr/SNV-1.png").mimetype == "image/png"
    assert client.get("/qr/SNV-1.svg").mimetype == "image/svg+xml"
    assert client.get("/posters/SNV-1.pdf").mimetype == "application/pdf"
    assert client.get("/qr/NOPE.png").status_code == 404


def test_csv_export_has_the_contract_columns_and_values(staff: FlaskClient, survey: dict) -> None:
    phone = staff.application.test_client()
    _answer(
        phone,
        "SNV-1",
        q15="na",
        q16="1",
        gender="nam",
        service_field="dat_dai",
        comment='=HYPERLINK("x"), "quoted"\nsecond line',
    )
    reply = staff.get("/admin/export/responses.csv?round=Đợt thử")
    assert reply.status_code == 200
    assert (
        "filename*=UTF-8''responses-%C4%90%E1%BB%A3t%20th%E1%BB%AD.csv"
        in reply.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))
    with io.StringIO(reply.data.decode("utf-8-sig")) as handle:
        assert next(csv.reader(handle)) == EXPECTED_HEADER
    (row,) = rows
    assert row["round"] == "Đợt thử" and row["unit_code"] == "SNV"
    assert row["counter_code"] == "SNV-1" and row["channel"] == "counter_qr"
    assert row["questionnaire"] == "sipas-2023" and row["questionnaire_version"] == "1"
    assert row["q15"] == "" and row["q16"] == "1" and row["q17"] == "4"
    assert row["gender"] == "nam" and row["service_field"] == "dat_dai" and row["age_group"] == ""
    # quoted so that a spreadsheet shows it instead of running it (survey_app.spreadsheets)
    assert row["comment"] == '\'=HYPERLINK("x"), "quoted"\nsecond line'
    assert datetime.fromisoformat(row["submitted_at"]).utcoffset().total_seconds() == 7 * 3600


def test_xlsx_export_matches_the_csv_and_never_holds_formulas(
    staff: FlaskClient, survey: dict
) -> None:
    phone = staff.application.test_client()
    _answer(phone, "BDT-1", comment="=1+1")
    book = load_workbook(io.BytesIO(staff.get("/admin/export/responses.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[0]) == EXPECTED_HEADER
    assert rows[1][EXPECTED_HEADER.index("comment")] == "=1+1"
    assert book.active.cell(row=2, column=len(EXPECTED_HEADER)).data_type == "s"
    assert rows[1][EXPECTED_HEADER.index("q20")] == 4


def test_export_of_an_unknown_round_is_404(staff: FlaskClient, survey: dict) -> None:
    assert staff.get("/admin/export/responses.csv?round=nope").status_code == 404
    assert staff.get("/admin/export/responses.pdf").status_code == 404


def test_excluded_answers_leave_the_export_unless_asked_for(
    app: Flask, staff: FlaskClient, survey: dict
) -> None:
    from survey_app.db.models import Response as SurveyResponse
    from survey_app.trust.review import set_state

    phone = staff.application.test_client()
    _answer(phone, "SNV-1")
    _answer(phone, "SNV-1")
    with app.app_context(), get_db().begin() as session:
        first = session.query(SurveyResponse).order_by(SurveyResponse.id).first()
        set_state(session, [first.id], "excluded", "nhân viên tự điền", "nv.admin")

    def rows(query: str) -> int:
        text = staff.get(f"/admin/export/responses.csv{query}").data.decode("utf-8-sig")
        return len(list(csv.DictReader(io.StringIO(text))))

    assert rows("") == 1
    assert rows("?include_excluded=1") == 2
