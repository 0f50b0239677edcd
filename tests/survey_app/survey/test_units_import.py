"""Units import: every row or none, every error by row and column; unit types are data."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from support import DEMO_DATA, SHARED

from survey_app.db import utcnow
from survey_app.db.models import Unit
from survey_app.survey.counters import add_counter
from survey_app.survey.rounds import create_round, open_round_for_unit
from survey_app.survey.units_import import import_units

PROVINCE = DEMO_DATA / "vinh-long-province.csv"


def _import(session: Session, source, **kwargs):
    report = import_units(session, source, **kwargs)
    if report.ok:
        session.commit()
    else:
        session.rollback()
    return report


def test_the_shipped_copies_match_the_shared_reference_data() -> None:
    for name in (
        "vinh-long-2023-departments.csv",
        "vinh-long-2023-districts-communes.csv",
        "vinh-long-2025-communes.csv",
    ):
        shared = SHARED / "data" / "units" / name
        if shared.exists():  # the shared folder is beside the project in development and CI
            assert (DEMO_DATA / name).read_bytes() == shared.read_bytes(), name


def test_2023_three_tier_units_import_with_flags_and_parents(db_session: Session) -> None:
    for name in (
        "vinh-long-province.csv",
        "vinh-long-2023-departments.csv",
        "vinh-long-2023-districts-communes.csv",
    ):
        report = _import(db_session, DEMO_DATA / name, valid_from=date(2023, 1, 1))
        assert report.ok, [str(e) for e in report.errors]
    units = {u.code: u for u in db_session.scalars(select(Unit))}
    assert len(units) == 1 + 19 + 8 + 107
    assert {c for c, u in units.items() if not u.ranked} == {"BDT", "TTT"}
    assert units["855"].parent is units["86"]
    assert units["855"].unit_type.code == "district"
    commune = next(u for u in units.values() if u.unit_type.code == "commune")
    assert commune.parent is not None and commune.parent.unit_type.code == "district"


def test_2025_two_tier_units_import_and_get_a_round_with_no_code_change(
    db_session: Session,
) -> None:
    start = date(2025, 7, 1)
    assert _import(db_session, PROVINCE, valid_from=start).ok
    report = _import(db_session, DEMO_DATA / "vinh-long-2025-communes.csv", valid_from=start)
    assert report.ok, [str(e) for e in report.errors]
    assert [w.column for w in report.warnings] == ["former_province"]
    communes = db_session.scalars(select(Unit).where(Unit.parent_id.is_not(None))).all()
    assert len(communes) == 124
    assert {u.parent.code for u in communes} == {"86"}
    add_counter(db_session, communes[0], "XA-1")
    now = utcnow()
    survey_round = create_round(
        db_session,
        name="SIPAS 2025",
        questionnaire_id="sipas-2023",
        questionnaire_version=1,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        units=communes,
    )
    db_session.commit()
    assert open_round_for_unit(db_session, communes[0].id).id == survey_round.id


def test_2025_list_supersedes_2023_units_with_the_same_codes(db_session: Session) -> None:
    assert _import(db_session, PROVINCE, valid_from=date(2023, 1, 1)).ok
    assert _import(
        db_session, DEMO_DATA / "vinh-long-2023-districts-communes.csv", valid_from=date(2023, 1, 1)
    ).ok
    refused = _import(db_session, PROVINCE, valid_from=date(2025, 7, 1))
    assert not refused.ok and "--supersede" in str(refused.errors[0])
    assert _import(db_session, PROVINCE, valid_from=date(2025, 7, 1), supersede=True).ok
    report = _import(
        db_session,
        DEMO_DATA / "vinh-long-2025-communes.csv",
        valid_from=date(2025, 7, 1),
        supersede=True,
    )
    assert report.ok, [str(e) for e in report.errors[:5]]
    assert report.superseded > 0
    old = db_session.scalars(
        select(Unit).where(Unit.code == "86", Unit.valid_from == date(2023, 1, 1))
    ).one()
    assert old.valid_to == date(2025, 6, 30)


BAD_FILE = (
    "code,name,level,parent_code,ranked,valid_from\n"
    "A1,Sở A,department,86,true,2024-01-01\n"  # row 2: fine
    ",Sở B,department,86,true,\n"  # row 3: no code
    "C 1,Sở C,department,86,true,\n"  # row 4: bad code
    "D1,,departmnt,86,maybe,\n"  # row 5: no name, bad level, bad ranked
    "E1,Sở E,department,ZZZ,true,31/12/2024\n"  # row 6: bad date
    "F1,Sở F,department,ZZZ,true,\n"  # row 7: unknown parent
    "A1,Sở A again,department,86,true,2024-01-01\n"  # row 8: duplicate of row 2
)


def test_a_bad_units_file_lists_every_error_by_row_and_column_and_imports_nothing(
    db_session: Session,
) -> None:
    assert _import(db_session, PROVINCE, valid_from=date(2020, 1, 1)).ok
    report = _import(db_session, BAD_FILE.encode(), valid_from=date(2024, 1, 1))
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (3, "code"),
        (4, "code"),
        (5, "name"),
        (5, "level"),
        (5, "ranked"),
        (6, "valid_from"),
        (6, "parent_code"),
        (7, "parent_code"),
        (8, "code"),
    }
    level_error = next(e for e in report.errors if e.column == "level")
    assert "did you mean 'department'" in level_error.message
    assert db_session.scalar(select(Unit).where(Unit.code == "A1")) is None


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"code,name\nX,Y\n", "required column 'level' is missing"),
        (b"code,name,levl\nX,Y,department\n", "did you mean 'level'"),
        (b"code,name,level\n", "no units"),
        (b"code,name,level\n\xff\xfe,x,y\n", "not UTF-8"),
        (b"code,name,level\nX,Y,department,extra\n", "4 values but the header has 3"),
    ],
)
def test_malformed_files_get_a_clear_message(
    db_session: Session, content: bytes, expected: str
) -> None:
    report = _import(db_session, content)
    assert not report.ok
    assert expected in " | ".join(str(e) for e in report.errors)


def test_names_are_stored_in_nfc_with_white_space_collapsed(
    app: Flask, db_session: Session
) -> None:
    assert _import(db_session, PROVINCE, valid_from=date(2020, 1, 1)).ok
    name = unicodedata.normalize("NFD", "Sở  Nội vụ")
    content = f"code,name,level,parent_code\nSNV,{name},department,86\n"
    assert _import(db_session, content.encode(), valid_from=date(2020, 1, 1)).ok
    unit = db_session.scalar(select(Unit).where(Unit.code == "SNV"))
    assert unit.name == "Sở Nội vụ"
