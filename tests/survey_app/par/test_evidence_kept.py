"""Evidence is kept for good: after submission a file is never deleted, only superseded by a new
version (the earlier one stays readable), and the database itself refuses to delete evidence or
change what names a file's bytes (migration 0011)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError
from support import form_tokens, login_as

from scoring_bridge import load_catalog
from survey_app.db import get_db, utcnow
from survey_app.db.models import ParEvidence, ParEvidenceBlob
from survey_app.par.evidence import evidence_of
from survey_app.par.self_assessment import self_assessed_leaves

YEAR = 2023
LEAVES = self_assessed_leaves(load_catalog("department", YEAR).unwrap())
SHEET = f"/admin/par/{YEAR}/self/SNV"
APPRAISE = f"/admin/par/{YEAR}/appraise/SNV"
PDF = b"%PDF-1.4 first version\n%%EOF\n"
PDF2 = b"%PDF-1.4 second version\n%%EOF\n"


@pytest.fixture
def year_app(app: Flask, survey: dict, tmp_path: Path) -> Flask:
    app.config.update(EVIDENCE_DIR=str(tmp_path / "evidence"), PAR_TODAY=date(2023, 12, 1))
    return app


def _token(client: FlaskClient, url: str = SHEET) -> str:
    return form_tokens(client.get(url).get_data(as_text=True))["csrf_token"]


def _upload(client: FlaskClient, code: str, name: str, data: bytes, replaces: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        f"{SHEET}/evidence",
        data={
            "csrf_token": _token(client),
            "criterion": code,
            "replaces": replaces,
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def _files(app: Flask) -> list[ParEvidence]:
    with app.app_context():
        rows = get_db().session.scalars(select(ParEvidence).order_by(ParEvidence.uploaded_at))
        return [(r.id, r.filename, r.replaces_id, r.withdrawn_at) for r in rows]  # type: ignore[misc]


def test_after_submission_a_file_is_superseded_never_removed(year_app: Flask) -> None:
    officer = login_as(year_app, role="unit_officer", unit="SNV")
    first = LEAVES[0]
    assert _upload(officer, first.code, "ke-hoach.pdf", PDF).status_code == 303
    ((old_id, *_),) = _files(year_app)
    form = {f"points-{leaf.code}": "0" for leaf in LEAVES}
    form[f"points-{first.code}"] = str(first.max_points)
    reply = officer.post(SHEET, data={**form, "csrf_token": _token(officer), "action": "submit"})
    assert reply.status_code == 303
    gone = officer.post(f"{SHEET}/evidence/{old_id}/withdraw", data={"csrf_token": _token(officer)})
    assert gone.status_code == 422 and _files(year_app)[0][3] is None  # still on the sheet

    council = login_as(year_app, role="council")
    returned = {f"appraised-{leaf.code}": "0" for leaf in LEAVES}
    returned[f"comment-{first.code}"] = "Văn bản sai số hiệu"
    returned[f"comment-{LEAVES[1].code}"] = "Thiếu báo cáo"
    returned["return"] = [first.code, LEAVES[1].code]
    returned.update(csrf_token=_token(council, APPRAISE), action="return")
    assert council.post(APPRAISE, data=returned).status_code == 303

    other = _upload(officer, LEAVES[1].code, "x.pdf", PDF2, replaces=old_id)
    assert other.status_code == 422 and "không còn trên bảng" in other.get_data(as_text=True)
    assert (
        _upload(officer, first.code, "ke-hoach-sua.pdf", PDF2, replaces=old_id).status_code == 303
    )
    files = _files(year_app)
    assert [(name, replaces) for _, name, replaces, _ in files] == [
        ("ke-hoach.pdf", None),
        ("ke-hoach-sua.pdf", old_id),
    ]
    with year_app.app_context():
        session = get_db().session
        unit = session.scalar(select(ParEvidence)).unit
        current = evidence_of(session, YEAR, unit)[first.code]
    assert [row.filename for row in current] == ["ke-hoach-sua.pdf"]
    page = officer.get(SHEET).get_data(as_text=True)
    assert "thay cho" in page and f"/admin/par/{YEAR}/evidence/{old_id}" in page
    assert officer.get(f"/admin/par/{YEAR}/evidence/{old_id}").data == PDF  # kept, readable
    appraisal = council.get(APPRAISE).get_data(as_text=True)
    assert "ke-hoach-sua.pdf" in appraisal and f"evidence/{old_id}" in appraisal


def test_the_database_refuses_to_delete_evidence_or_change_its_bytes(year_app: Flask) -> None:
    year_app.config["EVIDENCE_STORE"] = "database"
    officer = login_as(year_app, role="unit_officer", unit="SNV")
    assert _upload(officer, LEAVES[0].code, "ke-hoach.pdf", PDF).status_code == 303
    refused = (
        delete(ParEvidence),
        update(ParEvidence).values(sha256="0" * 64),
        update(ParEvidence).values(filename="other.pdf"),
        delete(ParEvidenceBlob),
        update(ParEvidenceBlob).values(data=b"%PDF-changed"),
    )
    with year_app.app_context():
        for statement in refused:
            session = get_db().factory()
            with pytest.raises(DBAPIError, match="kept for good"):
                session.execute(statement)
            session.rollback()
            session.close()
        session = get_db().factory()
        session.execute(update(ParEvidence).values(withdrawn_at=utcnow()))  # allowed
        session.commit()
        assert session.scalar(select(ParEvidenceBlob.data)) == PDF
        session.close()


def test_a_file_of_several_megabytes_is_accepted_up_to_the_setting(year_app: Flask) -> None:
    """The app's 64 KiB body limit is raised for evidence uploads before the CSRF check reads
    the body (a 413 for any real scan otherwise)."""
    year_app.config["EVIDENCE_MAX_BYTES"] = 3_000_000
    officer = login_as(year_app, role="unit_officer", unit="SNV")
    scan = b"%PDF-1.4\n" + b"\x00" * 2_500_000
    assert _upload(officer, LEAVES[0].code, "ban-quet.pdf", scan).status_code == 303
    over = b"%PDF-1.4\n" + b"\x01" * 3_000_000
    too_big = _upload(officer, LEAVES[0].code, "lon.pdf", over)
    assert too_big.status_code == 422 and "quá giới hạn" in too_big.get_data(as_text=True)
    far_over = _upload(officer, LEAVES[0].code, "lon.pdf", over * 2)
    assert far_over.status_code == 413  # the error page says the file is too large
    anonymous = year_app.test_client().post(
        f"{SHEET}/evidence", data=b"x" * 100_000, content_type="application/octet-stream"
    )
    assert anonymous.status_code in (302, 413)  # never reaches the view with a big body
