"""A PAR year in progress for the demo: the 2023 catalogs adopted for the current year, and the
departments at every step of the online year (drafts with evidence, submitted, returned for
explanation, explained, appraised). Made-up figures, channel of nothing real.

The departments' catalog carries example province rules (:data:`DEMO_RULES`, marked
illustrative: Decision 1877 has none; docs/decisions/0025): a criterion that may not apply, a
bonus and a penalty with caps, classification bands. :func:`seed_rules` also gives them to the
2023 scores, with one department for which 3.4 does not apply, a bonus and a penalty."""

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
DEMO_RULES = {
    "illustrative": True,
    "note": (
        "Quy tắc MINH HỌA cho bản demo: Quyết định 1877/QĐ-UBND không có điểm thưởng, điểm trừ, "
        "xếp loại hay tiêu chí không áp dụng; đây là ví dụ một tỉnh có thể tự quy định. | "
        "ILLUSTRATIVE demo rules: Decision 1877 has none of these; an example of a province's own."
    ),
    "not_applicable": [
        {"code": "3.4", "when": "Đơn vị không có thủ tục hành chính thuộc thẩm quyền giải quyết"}
    ],
    "bonus": {
        "cap": 2,
        "items": [
            {
                "code": "T1",
                "name": "Sáng kiến, mô hình cải cách hành chính được cấp có thẩm quyền công nhận",
                "max_points": 1.5,
            },
            {"code": "T2", "name": "Được khen thưởng về công tác CCHC", "max_points": 1},
        ],
    },
    "penalty": {
        "cap": 3,
        "items": [
            {
                "code": "D1",
                "name": "Để xảy ra vi phạm trong giải quyết thủ tục hành chính bị phản ánh",
                "max_points": 2,
            },
            {"code": "D2", "name": "Chậm gửi báo cáo CCHC theo quy định", "max_points": 1},
        ],
    },
    "adjust": "index",
    "clamp": {"min": 0, "max": 100},
    "classes": {
        "bands": [
            {"min_index": 90, "label": "Xuất sắc", "label_en": "Excellent"},
            {"min_index": 80, "label": "Tốt", "label_en": "Good"},
            {"min_index": 65, "label": "Khá", "label_en": "Fair"},
            {"min_index": 50, "label": "Trung bình", "label_en": "Average"},
            {"min_index": 0, "label": "Yếu", "label_en": "Weak"},
        ]
    },
}
"""The example rules of the demo's departments (adopted with the catalog, as version 2)."""
RULED_TYPE = "department"


def adopt_catalogs(session: Session, year: int, source_year: int = 2023) -> None:
    """The province adopts the shipped catalogs of ``source_year`` for ``year`` (as an import)."""
    for unit_type in ("department", "district", "commune"):
        catalog = load_catalog(unit_type, source_year).unwrap()
        exists = session.scalar(
            select(ParCatalog).where(ParCatalog.year == year, ParCatalog.unit_type == unit_type)
        )
        if exists is None:
            data = {**catalog_to_data(catalog), "year": year}
            if unit_type == RULED_TYPE:
                data |= {"version": catalog.version + 1, "rules": DEMO_RULES}
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
        own = [r for r in sheet.own_rows if r.kind == "criterion"]  # not the bonus, penalty
        done = len(own) if step != "draft" else len(own) // (2 + n % 3)
        for i, row in enumerate(own[:done]):
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
        if n == 1:  # a draft: 3.4 does not apply, and a bonus is claimed
            _mark(session, year, unit, "self_points")
    session.flush()
    return len(departments)


def _mark(session: Session, year: int, unit: Unit, column: str) -> None:
    """3.4 marked not applicable to ``unit`` (its points removed), a bonus T1 of 1 point and,
    for final points, a penalty D2 of 0.5."""
    rows = {
        p.code: p
        for p in session.scalars(
            select(ParPoints).where(ParPoints.year == year, ParPoints.unit_id == unit.id)
        )
    }
    for code in ("3.4.1", "3.4.2", "3.4.3"):
        row = rows.get(code) or ParPoints(year=year, unit_id=unit.id, code=code, note="")
        row.self_points = row.final_points = None
        row.not_applicable = True
        session.add(row)
    items = {"T1": 1.0} | ({"D2": 0.5} if column == "final_points" else {})
    for code, value in items.items():
        row = rows.get(code) or ParPoints(year=year, unit_id=unit.id, code=code, note="")
        setattr(row, column, value)
        if column == "final_points":
            row.self_points = value
        session.add(row)


def seed_rules(session: Session, year: int = 2023, unit_code: str = "STP") -> bool:
    """The example rules on ``year``'s departments' catalog (as the province's import of the
    shipped catalog with rules, version 2) and, where the year has points, ``unit_code``'s 3.4
    not applicable, a bonus and a penalty; other departments get a bonus or a penalty in turn.
    False when the year already has its own departments' catalog (nothing changed)."""
    exists = session.scalar(
        select(ParCatalog).where(ParCatalog.year == year, ParCatalog.unit_type == RULED_TYPE)
    )
    if exists is not None and exists.data is not None:
        return False
    catalog = load_catalog(RULED_TYPE, year).unwrap()
    row = exists or ParCatalog(year=year, unit_type=RULED_TYPE)
    row.data = catalog_to_data(catalog) | {"version": catalog.version + 1, "rules": DEMO_RULES}
    session.add(row)
    session.flush()
    units = [
        u
        for u in session.scalars(select(Unit).order_by(Unit.code))
        if u.unit_type.code == RULED_TYPE and u.valid_on(date(year, 12, 31))
    ]
    has_points = session.scalar(select(ParPoints.year).where(ParPoints.year == year).limit(1))
    if has_points is None:
        return True
    for n, unit in enumerate(units):
        if unit.code == unit_code:
            _mark(session, year, unit, "final_points")
        elif n % 4 == 1:
            session.add(ParPoints(year=year, unit_id=unit.id, code="T2", note="", final_points=1))
        elif n % 4 == 3:
            session.add(ParPoints(year=year, unit_id=unit.id, code="D1", note="", final_points=2))
    session.flush()
    return True
