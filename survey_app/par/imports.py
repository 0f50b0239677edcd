"""Importing a province's PAR files: criteria catalogs, 8.1 rules and points.

The same checks serve ``sipas par catalog-import|rule-import|points-import`` and the upload pages:
every file is read and checked whole; on any problem nothing is saved and every problem is
returned (the caller rolls back), otherwise the rows are added to the caller's session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring_bridge import Problem, catalog_to_data, check_rule81, load_rule81_text
from survey_app.db.models import ParCatalog, ParPoints
from survey_app.i18n import vi_en
from survey_app.par.bridge_words import translated_all, translated_result
from survey_app.par.files import (
    read_catalog_xlsx,
    read_catalogs_csv,
    read_catalogs_json,
    read_points_csv,
    read_points_xlsx,
)
from survey_app.par.scoring import catalogs_for, points_problems, year_units


@dataclass
class ImportOutcome:
    """What an import saved (``saved``: catalog types, rule, or unit codes), or its problems."""

    problems: list[Problem] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _catalog_row(session: Session, year: int, unit_type: str) -> ParCatalog:
    row = session.scalar(
        select(ParCatalog).where(ParCatalog.year == year, ParCatalog.unit_type == unit_type)
    )
    return row or ParCatalog(year=year, unit_type=unit_type)


def import_catalogs(session: Session, data: bytes, filename: str, year: int) -> ImportOutcome:
    """A catalog file (CSV, the appendix-shaped XLSX by its ``.xlsx`` name, or JSON with the
    province's rules by its ``.json`` name) for ``year``. Rules live only in the JSON form: a
    CSV or XLSX catalog replaces the type's catalog and its rules (the summary says so)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        results = read_catalog_xlsx(data, year=year)
    elif name.endswith(".json"):
        results = read_catalogs_json(data, year=year)
    else:
        results = read_catalogs_csv(data, year=year)
    problems = [p for r in results.values() for p in r.problems]
    if problems or not results:
        return ImportOutcome(
            problems or [Problem("file", vi_en("không tìm thấy khung điểm nào trong tệp"))]
        )
    dropped: list[str] = []
    for unit_type, result in results.items():
        row = _catalog_row(session, year, unit_type)
        if row.data and row.data.get("rules") and result.value.rules is None:
            dropped.append(unit_type)
        row.data = catalog_to_data(result.value)
        session.add(row)
    session.flush()
    saved = sorted(results)
    summary = f"{len(saved)} catalog(s) for {year}"
    if dropped:
        summary += "; " + vi_en(
            "quy tắc của tỉnh (%(types)s) không còn: nhập khung điểm dạng JSON có phần rules",
            types=", ".join(dropped),
        )
    return ImportOutcome(saved=saved, summary=summary)


def import_rule81(session: Session, data: bytes) -> ImportOutcome:
    """An 8.1 rule (JSON) for its unit type and year; it must agree with that year's catalog."""
    result = translated_result(load_rule81_text(data))
    if result.value is None:
        return ImportOutcome(list(result.problems))
    rule = result.value
    catalog = catalogs_for(session, rule.year, {rule.unit_type}).get(rule.unit_type)
    if catalog is None:
        return ImportOutcome(
            [
                Problem(
                    "",
                    vi_en(
                        "chưa có khung điểm %(unit_type)s năm %(year)s: hãy nhập khung điểm trước",
                        unit_type=rule.unit_type,
                        year=rule.year,
                    ),
                )
            ]
        )
    problems = translated_all(check_rule81(rule, catalog))
    if problems:
        return ImportOutcome(problems)
    row = _catalog_row(session, rule.year, rule.unit_type)
    row.rule81 = json.loads(data.decode("utf-8-sig"))
    session.add(row)
    session.flush()
    return ImportOutcome(
        saved=[rule.unit_type], summary=f"{rule.unit_type} {rule.year} ({rule.method})"
    )


def import_points(session: Session, data: bytes, filename: str, year: int) -> ImportOutcome:
    """Self-assessed and final points (CSV or appendix XLSX): every row, or none."""
    if filename.lower().endswith(".xlsx"):
        points, problems = read_points_xlsx(data)
    else:
        points, problems = read_points_csv(data)
    if problems:
        return ImportOutcome(problems)
    catalogs = catalogs_for(session, year)
    units = {u.code: u for u in year_units(session, year, set(catalogs))}
    problems = points_problems(points, catalogs, {c: u.unit_type.code for c, u in units.items()})
    if problems:
        return ImportOutcome(problems)
    for code, leaves in points.items():
        for leaf, entry in leaves.items():
            row = session.get(ParPoints, (year, units[code].id, leaf)) or ParPoints(
                year=year, unit_id=units[code].id, code=leaf
            )
            row.self_points, row.final_points, row.note = entry[0], entry[1], entry[2] or ""
            row.not_applicable = len(entry) > 3 and bool(entry[3])
            session.add(row)
    session.flush()
    return ImportOutcome(
        saved=sorted(points), summary=f"points of {len(points)} unit(s) for {year}"
    )
