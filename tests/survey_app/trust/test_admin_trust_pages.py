"""API clients (key shown once, revoked keys refused) and receipt codes from an uploaded frame
(the codes file and the slips PDF; a bad frame lists every problem and issues nothing)."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from support import form_tokens, login_as

from survey_app.db import get_db
from survey_app.db.models import ApiClient, ReceiptCode


def _token(client: FlaskClient) -> str:
    return form_tokens(client.get("/admin/").get_data(as_text=True))["csrf_token"]


def _codes(app: Flask) -> int:
    with app.app_context():
        return get_db().session.scalar(select(func.count()).select_from(ReceiptCode))


def test_an_api_key_is_shown_once_and_works_until_revoked(app: Flask, survey: dict) -> None:
    admin = login_as(app)
    token = _token(admin)
    reply = admin.post("/admin/api-clients/new", data={"csrf_token": token, "name": "một cửa"})
    key = re.search(r'id="shown-key">([^<]+)<', reply.get_data(as_text=True)).group(1)
    assert key not in admin.get("/admin/api-clients/").get_data(as_text=True)
    api = app.test_client()
    body = {"dossier_code": "HS-1", "unit_code": "SNV"}
    headers = {"Authorization": f"Bearer {key}"}
    assert api.post("/api/v1/receipt-codes", json=body, headers=headers).status_code == 201
    with app.app_context():
        client_id = get_db().session.scalar(select(ApiClient.id))
    admin.post(f"/admin/api-clients/{client_id}/revoke", data={"csrf_token": token})
    assert api.post("/api/v1/receipt-codes", json=body, headers=headers).status_code == 401
    twice = admin.post(
        "/admin/api-clients/new",
        data={"csrf_token": token, "name": "một cửa"},
        follow_redirects=True,
    )
    assert "already exists" in twice.get_data(as_text=True)


def _frame(client: FlaskClient, data: bytes, round_id: int, output: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/receipt-codes/",
        data={
            "csrf_token": _token(client),
            "round_id": str(round_id),
            "output": output,
            "file": (io.BytesIO(data), "frame.csv"),
        },
        content_type="multipart/form-data",
    )


def test_a_frame_gives_the_codes_file_and_the_slips(app: Flask, survey: dict) -> None:
    admin = login_as(app)
    frame = b"dossier_code,unit_code\nHS-1,SNV\nHS-2,BDT\nHS-3,SNV\n"
    codes = _frame(admin, frame, survey["round_id"], "csv")
    text = codes.get_data(as_text=True)
    assert codes.status_code == 200 and codes.mimetype == "text/csv"
    assert text.splitlines()[0] == "\ufeffdossier_code,unit_code,code,url,expires_on"
    assert len(text.splitlines()) == 4 and "http://sipas.test/r/" in text
    slips = _frame(admin, frame, survey["round_id"], "pdf")
    assert slips.mimetype == "application/pdf" and slips.data.startswith(b"%PDF")
    assert _codes(app) == 3  # the second upload gave the same codes again


def test_a_bad_frame_lists_every_problem_and_issues_nothing(app: Flask, survey: dict) -> None:
    admin = login_as(app)
    frame = b"dossier_code,unit_code\nHS-1,SNV\n,BDT\nHS-3,XYZ\n"
    reply = _frame(admin, frame, survey["round_id"], "csv")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "không cấp mã nào" in page
    assert "dòng 3 · cột dossier_code" in page and "dòng 4 · cột unit_code" in page
    assert _codes(app) == 0
