"""PAR uploads through the pages: catalogs, points and 8.1 rules with the CLI's checks; a bad
file lists every problem and saves nothing."""

from __future__ import annotations

import io
import json

from factories import CATALOG, LEAVES, YEAR
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from support import form_tokens, login_as

from survey_app.db import get_db
from survey_app.db.models import ParCatalog, ParPoints
from survey_app.par.files import catalog_csv


def _post(client: FlaskClient, url: str, name: str, data: bytes, year: str = str(YEAR)):  # type: ignore[no-untyped-def]
    token = form_tokens(client.get("/admin/par-files/").get_data(as_text=True))["csrf_token"]
    return client.post(
        url,
        data={"csrf_token": token, "year": year, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return get_db().session.scalar(select(func.count()).select_from(model))


def test_points_are_imported_whole_or_not_at_all(app: Flask, survey: dict) -> None:
    admin = login_as(app)
    leaf = LEAVES[0]
    bad = (
        "unit_code,code,self_points,final_points,note\n"
        f"SNV,{leaf.code},1,{leaf.max_points + 1},\n"
        f"SNV,{LEAVES[1].code},1,0.5,\n"
        f"XYZ,{leaf.code},1,1,\n"
    ).encode()
    reply = _post(admin, "/admin/par-files/points", "points.csv", bad)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "không có gì được lưu" in page
    assert f"is outside 0–{leaf.max_points:g}" in page and "XYZ" in page
    assert _count(app, ParPoints) == 0
    good = f"unit_code,code,self_points,final_points,note\nSNV,{leaf.code},0.5,0.5,ok\n".encode()
    assert _post(admin, "/admin/par-files/points", "points.csv", good).status_code == 303
    assert _count(app, ParPoints) == 1


def test_a_catalog_and_its_81_rule_are_imported(app: Flask, survey: dict) -> None:
    admin = login_as(app)
    year = YEAR + 1
    text = catalog_csv(CATALOG)
    reply = _post(admin, "/admin/par-files/catalogs", "catalog.csv", text.encode(), str(year))
    assert reply.status_code == 303
    rule_max = CATALOG.get("8.1").max_points
    rule = {
        "criterion": "8.1",
        "unit_type": "department",
        "year": year,
        "method": "bands",
        "max_points": rule_max + 1,
        "bands": [{"min_index": 80, "points": 1}, {"min_index": 90, "points": rule_max}],
    }
    refused = _post(admin, "/admin/par-files/rule", "rule.json", json.dumps(rule).encode(), "")
    assert refused.status_code == 422
    rule["max_points"] = rule_max
    assert (
        _post(admin, "/admin/par-files/rule", "r.json", json.dumps(rule).encode(), "").status_code
        == 303
    )
    with app.app_context():
        row = get_db().session.scalar(select(ParCatalog).where(ParCatalog.year == year))
        assert row.data is not None and row.rule81["max_points"] == rule_max


def test_a_bad_catalog_and_a_missing_year_are_refused(app: Flask) -> None:
    admin = login_as(app)
    reply = _post(admin, "/admin/par-files/catalogs", "c.csv", b"unit_type,code\nx,1\n", "abc")
    assert reply.status_code == 422 and "Năm không đúng" in reply.get_data(as_text=True)
    reply = _post(admin, "/admin/par-files/catalogs", "c.csv", b"unit_type,code\nx,1\n")
    assert reply.status_code == 422
    assert _count(app, ParCatalog) == 0
