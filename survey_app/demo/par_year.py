"""A PAR year in progress for the demo: the 2023 catalogs adopted for the current year, and the
departments at every step of the online year (drafts with evidence, submitted, returned for
explanation, explained, appraised). Made-up figures, channel of nothing real."""

from __future__ import annotations

import json
import random
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring_bridge import catalog_to_data, load_catalog
from scoring_bridge._shipped import shipped_file
from survey_app.db.models import ParAssessment, ParCatalog, ParPoints, ParStep, Unit
from survey_app.par.evidence import Upload, add_evidence
from survey_app.par.evidence_store import DatabaseStore
from survey_app.par.self_assessment import load_sheet

DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
WHO = "demo"
# the step each department reaches, in turn: drafts, submitted, returned, explained, appraised
PLAN = ("draft", "draft", "submitted", "returned", "explained", "appraised", "submitted")


def adopt_catalogs(session: Session, year: int, source_year: int = 2023) -> None:
    """The province adopts the shipped catalogs of ``source_year`` for ``year`` (as an import)."""
    for unit_type in ("department", "district", "commune"):
        catalog = load_catalog(unit_type, source_year).unwrap()
        exists = session.scalar(
            select(ParCatalog).where(ParCatalog.year == year, ParCatalog.unit_type == unit_type)
        )
        if exists is None:
            data = {**catalog_to_data(catalog), "year": year}
            rule_file = shipped_file("rules81", source_year, unit_type)
            rule = {**json.loads(rule_file.read_text(encoding="utf-8")), "year": year}
            session.add(ParCatalog(year=year, unit_type=unit_type, data=data, rule81=rule))
    session.flush()


def seed_par_year(session: Session, year: int | None = None, seed: int = 7) -> int:
    """Departments of the demo at every step of ``year`` (default: this year). Returns units."""
    year = year or date.today().year
    adopt_catalogs(session, year)
    rng = random.Random(seed)
    store = DatabaseStore(session)
    departments = [
        u
        for u in session.scalars(select(Unit).order_by(Unit.code))
        if u.unit_type.code == "department" and u.valid_on(date(year, 12, 31))
    ]
    for n, unit in enumerate(departments):
        sheet = load_sheet(session, year, unit)
        step = PLAN[n % len(PLAN)]
        share = rng.uniform(0.6, 0.95)
        done = len(sheet.own_rows) if step != "draft" else len(sheet.own_rows) // (2 + n % 3)
        for i, row in enumerate(sheet.own_rows[:done]):
            points = round(row.max_points * min(1.0, rng.gauss(share, 0.1)) * 4) / 4
            points = max(0.0, min(row.max_points, points))
            p = ParPoints(year=year, unit_id=unit.id, code=row.code, note="", self_points=points)
            if points > 0 and i % 3 == 0:
                add_evidence(
                    session,
                    store,
                    year=year,
                    unit=unit,
                    upload=Upload(row.code, f"tai-lieu-{row.code}.pdf", DEMO_PDF, WHO),
                    max_bytes=len(DEMO_PDF),
                )
            elif points > 0:
                p.explanation = "Tài liệu lưu tại đơn vị, sẽ gửi bản sao khi thẩm định."
            if step in ("returned", "explained", "appraised"):
                p.appraised_points = max(0.0, points - (0.25 if i % 5 == 0 else 0))
                if p.appraised_points != points:
                    p.appraisal_comment = "Chưa thấy văn bản chứng minh đủ điểm."
            if step in ("returned", "explained") and i < 2:
                p.returned = True
                p.appraisal_comment = p.appraisal_comment or "Đề nghị giải trình thêm."
                if step == "explained":
                    p.reply = "Đơn vị đã bổ sung văn bản, đề nghị giữ nguyên điểm."
            if step == "appraised":
                p.final_points = p.appraised_points
            session.add(p)
            session.add(
                ParStep(
                    year=year,
                    unit_id=unit.id,
                    code=row.code,
                    step="self",
                    points=points,
                    text="",
                    who=WHO,
                )
            )
        state = session.scalar(
            select(ParAssessment).where(
                ParAssessment.year == year, ParAssessment.unit_id == unit.id
            )
        )
        state.status = step
        if step != "draft":
            state.submitted_on = date(year, 12, 1)
    session.flush()
    return len(departments)
