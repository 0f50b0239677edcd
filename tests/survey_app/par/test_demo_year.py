"""The demo shows a PAR year in progress: departments in draft, submitted, returned for
explanation, explained and appraised, with evidence a visitor can open."""

from __future__ import annotations

from collections import Counter
from datetime import date

from flask import Flask
from sqlalchemy import select
from support import login_as

from survey_app.db import get_db
from survey_app.db.models import ParAssessment, ParEvidence
from survey_app.demo import seed
from survey_app.demo.par_year import seed_par_year

YEAR = 2026


def test_the_demo_year_has_every_step_and_its_pages_work(app: Flask) -> None:
    with app.app_context(), get_db().begin() as session:
        seed(session)
        assert seed_par_year(session, YEAR) == 19
    app.config.update(PAR_TODAY=date(YEAR, 12, 6), EVIDENCE_STORE="database")  # as `sipas demo`
    with app.app_context():
        db = get_db().session
        steps = Counter(a.status for a in db.scalars(select(ParAssessment)))
        evidence = db.scalars(select(ParEvidence)).first()
        returned = next(
            a.unit.code for a in db.scalars(select(ParAssessment)) if a.status == "returned"
        )
        draft = next(a.unit.code for a in db.scalars(select(ParAssessment)) if a.status == "draft")
    assert set(steps) == {"draft", "submitted", "returned", "explained", "appraised"}
    admin = login_as(app, role="admin")
    overview = admin.get(f"/admin/par/{YEAR}/self").get_data(as_text=True)
    assert "Trả lại để giải trình" in overview and "107 trễ hạn" in overview  # communes: 30/11
    assert admin.get(f"/admin/par/{YEAR}/evidence/{evidence.id}").data.startswith(b"%PDF")
    assert "Cần giải trình" in admin.get(f"/admin/par/{YEAR}/self/{returned}").get_data(
        as_text=True
    )
    officer = login_as(app, role="unit_officer", unit=draft, username="nv.demo")
    page = officer.get(f"/admin/par/{YEAR}/self/{draft}").get_data(as_text=True)
    assert 'name="points-' in page and "còn 9 ngày" in page
    assert admin.get(f"/admin/par/{YEAR}").status_code == 200
