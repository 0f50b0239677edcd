"""Every text people typed is escaped wherever staff pages (and citizen pages) show it.

Citizens' comments are the main vector (anyone can post one), then names that come from imported
files (units, counters, rounds) and text staff type (reasons, notes, their user names). Each
carries a script and an image with an ``onerror`` handler; no page may contain either as markup.
"""

from __future__ import annotations

import html
import re

import pytest
from factories import LEAVES, add_response, fill_par_points
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import form_tokens, full_answers

from survey_app.db import get_db
from survey_app.db.models import Counter, ParChange, ParPoints, Response, SurveyRound, Unit
from survey_app.staff.users import create_user
from survey_app.trust.paper import key_form, key_second_entry
from survey_app.trust.review import exclude

COMMENT = "<script>alert(1)</script><img src=x onerror=alert(1)>"
UNIT_NAME = 'Sở <script>alert("unit")</script><img src=x onerror=alert("unit")>'
COUNTER_NAME = "Quầy <script>alert('counter')</script><img src=x onerror=alert('counter')>"
ROUND_NAME = "Đợt <script>alert(3)</script><img src=x onerror=alert(3)>"
REASON = "Trùng <script>alert(4)</script><img src=x onerror=alert(4)>"
STAFF = "nv.<script>alert(5)</script>"
PAPER_COMMENT = "Giấy <img src=x onerror=alert(6)><script>alert(6)</script>"
NOTE = "Ghi chú <script>alert(7)</script><img src=x onerror=alert(7)>"
PASSWORD = "correct horse battery"
YEAR = 2023

RAW_MARKUP = re.compile(r"<script>\s*alert|<img src=x", re.IGNORECASE)
JSON_SCRIPT = re.compile(r'<script type="application/json"[^>]*>(.*?)</script>', re.S)


def escaped(text: str) -> str:
    """``text`` as Jinja's autoescape writes it."""
    return html.escape(text).replace("&#x27;", "&#39;").replace("&quot;", "&#34;")


@pytest.fixture
def hostile(app: Flask, survey: dict) -> dict:
    """The survey with HTML in every name, comment, reason and note; a logged-in admin."""
    rid = survey["round_id"]
    with app.app_context(), get_db().begin() as session:
        session.scalar(select(Unit).where(Unit.code == "SNV")).name = UNIT_NAME
        session.scalar(select(Counter).where(Counter.code == "SNV-1")).name = COUNTER_NAME
        session.get(SurveyRound, rid).name = ROUND_NAME
    phone = app.test_client()
    for counter in ("SNV-1", "SNV-1", "SNV-1", "BDT-1", "BDT-1"):
        tokens = form_tokens(phone.get(f"/s/{counter}").get_data(as_text=True))
        reply = phone.post(
            f"/s/{counter}", data={**tokens, **full_answers("4"), "comment": COMMENT}
        )
        assert reply.status_code == 303
    with app.app_context(), get_db().begin() as session:
        flagged = add_response(session, rid, state="flagged", flags=["burst"])
        flagged.comment = COMMENT
        stored = session.scalars(select(Response.id).where(Response.channel == "counter_qr"))
        exclude(session, [next(iter(stored))], REASON, STAFF, round_id=rid)
        survey_round = session.get(SurveyRound, rid)
        unit = session.scalar(select(Unit).where(Unit.code == "SNV"))
        values = {**full_answers("4"), "service_field": "2", "comment": PAPER_COMMENT}
        key_form(session, survey_round, unit, "1", values, STAFF, settings=app.config)
        key_second_entry(session, survey_round, "1", {**values, "comment": COMMENT}, "nv.b")
        key_form(session, survey_round, unit, "2", values, STAFF, settings=app.config)
    fill_par_points(app, {"SNV": 0.9, "BDT": 0.95})
    with app.app_context(), get_db().begin() as session:
        unit = session.scalar(select(Unit).where(Unit.code == "SNV"))
        points = session.get(ParPoints, (YEAR, unit.id, LEAVES[0].code))
        points.note = NOTE
        session.add(
            ParChange(
                year=YEAR,
                unit_id=unit.id,
                code=LEAVES[0].code,
                old=1.0,
                new=0.5,
                reason=REASON,
                who=STAFF,
            )
        )
        create_user(session, STAFF, PASSWORD, "admin")
    client = app.test_client()
    token = form_tokens(client.get("/admin/login").get_data(as_text=True))["csrf_token"]
    login = {"csrf_token": token, "username": STAFF, "password": PASSWORD}
    assert client.post("/admin/login", data=login).status_code == 302
    return {"round_id": rid, "client": client}


# page → the texts it must show (escaped); every page is also checked for raw markup
PAGES: dict[str, tuple[str, ...]] = {
    "/admin/": (UNIT_NAME, ROUND_NAME, STAFF),
    "/admin/units": (UNIT_NAME,),
    "/admin/counters": (UNIT_NAME, COUNTER_NAME),
    "/admin/rounds": (ROUND_NAME,),
    "/admin/results/{rid}": (ROUND_NAME,),
    "/admin/results/{rid}/comments": (COMMENT, UNIT_NAME, ROUND_NAME),
    "/admin/results/{rid}/units/SNV": (UNIT_NAME, ROUND_NAME),
    "/admin/results/{rid}/heatmap": (ROUND_NAME,),
    "/admin/results/{rid}/change": (),
    "/admin/review/": (ROUND_NAME,),
    "/admin/review/{rid}": (REASON, UNIT_NAME, STAFF),
    "/admin/review/{rid}/sipas": (UNIT_NAME,),
    "/admin/paper/": (ROUND_NAME,),
    "/admin/paper/{rid}/key": (UNIT_NAME, ROUND_NAME),
    "/admin/paper/{rid}/second": (ROUND_NAME,),
    "/admin/paper/{rid}/disagreements": (COMMENT, PAPER_COMMENT, STAFF),
    "/admin/rounds/{rid}/plan": (ROUND_NAME,),
    "/admin/rounds/{rid}/progress": (UNIT_NAME, ROUND_NAME),
    f"/admin/par/{YEAR}": (UNIT_NAME,),
    f"/admin/par/{YEAR}/units/SNV": (UNIT_NAME, REASON, STAFF),
    "/s/SNV-1": (UNIT_NAME, COUNTER_NAME),
    "/u/SNV": (UNIT_NAME,),
    "/s/SNV-1/cam-on": (UNIT_NAME,),
}


@pytest.mark.parametrize("path", PAGES)
def test_people_s_text_is_escaped_on_every_page_that_shows_it(hostile: dict, path: str) -> None:
    client: FlaskClient = hostile["client"]
    reply = client.get(path.format(rid=hostile["round_id"]))
    assert reply.status_code == 200, path
    page = reply.get_data(as_text=True)
    assert RAW_MARKUP.search(page) is None, RAW_MARKUP.search(page)
    for text in PAGES[path]:
        assert escaped(text) in page, f"{text!r} not shown on {path}"
    data = JSON_SCRIPT.findall(page)
    assert all("<" not in block for block in data)  # chart data: names as \u003c…
    outside_data = JSON_SCRIPT.sub("", page)
    assert "onerror=" not in outside_data.replace("&lt;img src=x onerror=", "")


def test_the_staff_audit_page_escapes_too(app: Flask, hostile: dict) -> None:
    """The audit log (another change's page) shows reasons and names: escaped as well."""
    reply = hostile["client"].get("/admin/audit")
    assert reply.status_code == 200
    assert RAW_MARKUP.search(reply.get_data(as_text=True)) is None


@pytest.mark.parametrize("page", ["", "/heatmap"])
def test_chart_data_carries_names_that_cannot_close_its_script_element(
    hostile: dict, page: str
) -> None:
    """Unit names inside the charts' JSON are written with \\u003c: no ``</script>`` breaks out."""
    client: FlaskClient = hostile["client"]
    html_page = client.get(f"/admin/results/{hostile['round_id']}{page}").get_data(as_text=True)
    blocks = JSON_SCRIPT.findall(html_page)
    assert blocks and all("<" not in block for block in blocks)
    assert any("\\u003cscript\\u003ealert" in block for block in blocks)
