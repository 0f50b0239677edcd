"""The PAR year reachable in the browser: navigation links by role, the unit officer's sheet on
the dashboard, and the PAR year page's form bringing a round's SIPAS results into 8.1."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from factories import LEAVES, YEAR
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import form_tokens, login_as

from survey_app.db import get_db
from survey_app.db.models import AdminAuditLog, ParPoints, ParSipas, SurveyRound, Unit

RANKING = f"/admin/par/{YEAR}"


@pytest.fixture
def year_app(app: Flask, survey: dict, tmp_path: Path) -> Flask:
    """Departments SNV and BDT; today 1 December 2023 (the PAR year 2023 has the catalogs)."""
    app.config.update(EVIDENCE_DIR=str(tmp_path / "evidence"), PAR_TODAY=date(2023, 12, 1))
    return app


def test_a_unit_officer_reaches_their_sheet_from_the_navigation_and_dashboard(
    year_app: Flask,
) -> None:
    officer = login_as(year_app, role="unit_officer", unit="SNV")
    page = officer.get("/admin/").get_data(as_text=True)
    sheet = f"/admin/par/{YEAR}/self/SNV"
    assert f'href="{sheet}"' in page and "Tự đánh giá CCHC" in page
    assert "Đang tự đánh giá" in page  # the sheet's status on the dashboard
    assert "hạn gửi 15/12/2023" in page and "còn 14 ngày" in page
    assert "đã chấm 0/" in page
    assert officer.get(sheet).status_code == 200
    assert f'/admin/par/{YEAR}/self"' not in page  # no overview link for a department officer


def test_the_council_and_admin_reach_the_years_overview(year_app: Flask) -> None:
    for role in ("council", "admin"):
        client = login_as(year_app, role=role)
        page = client.get(RANKING).get_data(as_text=True)
        assert f'href="/admin/par/{YEAR}/self"' in page and "Thẩm định CCHC" in page, role
    admin_overview = client.get(f"/admin/par/{YEAR}/self").get_data(as_text=True)
    assert f"/admin/par/{YEAR}/reminders" in admin_overview


def test_an_analyst_sees_no_par_year_link(year_app: Flask) -> None:
    page = login_as(year_app, role="analyst").get("/admin/").get_data(as_text=True)
    assert "Thẩm định CCHC" not in page and "Tự đánh giá CCHC" not in page


def _fill_round(app: Flask) -> int:
    """Five answers at SNV's counter; points (not 8.1) for SNV and BDT; no SIPAS stored."""
    phone = app.test_client()
    for _ in range(5):
        tokens = form_tokens(phone.get("/s/SNV-1").get_data(as_text=True))
        data = {**tokens, **{f"q{n}": "5" for n in range(15, 34)}}
        assert phone.post("/s/SNV-1", data=data).status_code == 303
    with app.app_context(), get_db().begin() as session:
        units = {u.code: u for u in session.scalars(select(Unit))}
        for code in ("SNV", "BDT"):
            for leaf in LEAVES:
                session.add(
                    ParPoints(
                        year=YEAR,
                        unit_id=units[code].id,
                        code=leaf.code,
                        self_points=leaf.max_points,
                        final_points=leaf.max_points * 0.9,
                        note="",
                    )
                )
        return session.scalar(select(SurveyRound.id))


def _post(client: FlaskClient, round_id: object) -> object:
    token = form_tokens(client.get(RANKING).get_data(as_text=True))["csrf_token"]
    return client.post(f"{RANKING}/sipas", data={"csrf_token": token, "round_id": round_id})


def test_the_form_computes_81_from_a_round_and_the_ranking_shows_it(year_app: Flask) -> None:
    round_id = _fill_round(year_app)
    admin = login_as(year_app, role="admin")
    before = admin.get(RANKING).get_data(as_text=True)
    assert "Kết quả SIPAS cho tiêu chí 8.1" in before and "Đợt thử" in before
    assert "8.1 SIPAS</th>" not in before  # BDT and SNV lack SIPAS: no ranking yet
    reply = _post(admin, round_id)
    assert reply.status_code == 303
    page = admin.get(reply.headers["Location"]).get_data(as_text=True)
    assert "1 đơn vị có điểm 8.1" in page
    assert "Chưa có kết quả SIPAS (chờ): Ban Dân tộc" in page  # BDT had no answers
    with year_app.app_context():
        db = get_db().session
        row = db.scalar(select(ParSipas))
        assert row.unit.code == "SNV" and row.estimate == pytest.approx(100.0)
        log = db.scalar(select(AdminAuditLog).where(AdminAuditLog.action == "par.sipas"))
        assert log is not None and log.detail.get("round") == "Đợt thử"
    # with BDT's figure too (as a file would give), the ranking shows the 8.1 column
    from scoring_bridge import SipasFigure
    from survey_app.par.scoring import store_sipas

    with year_app.app_context(), get_db().begin() as session:
        store_sipas(session, YEAR, {"BDT": SipasFigure(80.0, 75.0, 85.0)}, "test")
    ranked = admin.get(RANKING).get_data(as_text=True)
    assert "8.1 SIPAS</th>" in ranked


def test_a_bad_round_gives_a_message_not_a_500(year_app: Flask) -> None:
    admin = login_as(year_app, role="admin")
    for bad in ("999999", "abc", ""):
        reply = _post(admin, bad)
        assert reply.status_code == 422, bad
        assert "hãy chọn một đợt" in reply.get_data(as_text=True)


def test_a_round_without_answers_gives_a_message(year_app: Flask) -> None:
    admin = login_as(year_app, role="admin")
    with year_app.app_context():
        round_id = get_db().session.scalar(select(SurveyRound.id))
    reply = _post(admin, round_id)
    assert reply.status_code == 422
    assert "chưa có phiếu trả lời nào" in reply.get_data(as_text=True)


def test_only_the_admin_may_compute_81(year_app: Flask) -> None:
    round_id = _fill_round(year_app)
    council = login_as(year_app, role="council")
    assert "Tính tiêu chí 8.1" not in council.get(RANKING).get_data(as_text=True)
    token = form_tokens(council.get(RANKING).get_data(as_text=True))["csrf_token"]
    reply = council.post(f"{RANKING}/sipas", data={"csrf_token": token, "round_id": round_id})
    assert reply.status_code == 403
    with year_app.app_context():
        assert get_db().session.scalar(select(ParSipas)) is None
