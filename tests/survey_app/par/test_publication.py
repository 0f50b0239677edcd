"""The public PAR page: nothing before the council locks the year; then the ranking, each unit's
sheet, the workbook and a PDF, equal to ``sipas score`` on the same data."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner
from factories import YEAR, fill_par_points
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select
from support import form_tokens, login_as

from survey_app.cli.main import main
from survey_app.db import get_db
from survey_app.db.models import ParAssessment, Unit


def _set_status(app: Flask, status: str, codes: tuple[str, ...] = ("SNV", "BDT")) -> None:
    with app.app_context(), get_db().begin() as session:
        for unit in session.scalars(select(Unit).where(Unit.code.in_(codes))):
            session.add(ParAssessment(year=YEAR, unit_id=unit.id, status=status))


def test_nothing_is_public_before_the_lock_then_everything_is(app: Flask, survey: dict) -> None:
    fill_par_points(app, {"SNV": 0.9, "BDT": 0.7})
    public = app.test_client()
    _set_status(app, "appraised")
    for url in (f"/par/{YEAR}", f"/par/{YEAR}/units/SNV", f"/par/{YEAR}/par-{YEAR}.xlsx"):
        assert public.get(url).status_code == 404, url
    assert "Chưa có năm nào được công bố" in public.get("/par/").get_data(as_text=True)
    council = login_as(app, role="council")
    overview = f"/admin/par/{YEAR}/self"
    token = form_tokens(council.get(overview).get_data(as_text=True))["csrf_token"]
    reply = council.post(f"/admin/par/{YEAR}/publish", data={"csrf_token": token})
    assert reply.status_code == 303
    page = public.get(f"/par/{YEAR}").get_data(as_text=True)
    assert "Sở Nội vụ" in page and "Ban Dân tộc" in page and "<script" not in page
    rows = _cli_ranking(app)
    assert [r["unit_code"] for r in rows] == ["SNV", "BDT"]
    positions = [page.index(r["unit_name"]) for r in rows]
    assert positions == sorted(positions)  # the same order as `sipas score`
    for row in rows:
        assert f"{float(row['index']):.2f}" in page and f"{float(row['total_points']):.2f}" in page
    assert public.get(f"/par/{YEAR}/units/SNV").status_code == 200
    pdf = public.get(f"/par/{YEAR}/units/SNV.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    book = load_workbook(io.BytesIO(public.get(f"/par/{YEAR}/par-{YEAR}.xlsx").data))
    assert book.sheetnames


def _cli_ranking(app: Flask) -> list[dict[str, str]]:
    """`sipas score` on the same database, as CSV rows."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "par.csv")
        env = {"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "x"}
        result = CliRunner().invoke(main, ["score", "--year", str(YEAR), "--out", out], env=env)
        assert result.exit_code == 0, result.output
        with open(out, encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))


def test_a_unit_not_appraised_is_pending_and_does_not_stop_the_others(
    app: Flask, survey: dict
) -> None:
    fill_par_points(app, {"SNV": 0.9, "BDT": 0.7})
    _set_status(app, "published", ("SNV",))
    _set_status(app, "submitted", ("BDT",))
    page = app.test_client().get(f"/par/{YEAR}").get_data(as_text=True)
    assert "Đang chờ hoàn tất" in page
    ranking, pending = page.split("Đang chờ hoàn tất")
    assert "Sở Nội vụ" in ranking and "Ban Dân tộc" in pending and "Ban Dân tộc" not in ranking
