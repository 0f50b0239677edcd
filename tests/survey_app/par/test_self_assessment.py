"""The PAR year online: a unit self-assesses with evidence, appraisers return sub-criteria for
explanation, the council finalises; deadlines lock sheets unless Sở Nội vụ reopens them."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from support import form_tokens, login_as

from scoring_bridge import load_catalog
from survey_app.db import get_db
from survey_app.db.models import ParAssessment, ParEvidence, ParEvidenceBlob, ParPoints, ParStep
from survey_app.par.self_assessment import self_assessed_leaves

YEAR = 2023
LEAVES = self_assessed_leaves(load_catalog("department", YEAR).unwrap())
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHEET = f"/admin/par/{YEAR}/self/SNV"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def year_app(app: Flask, survey: dict, tmp_path: Path) -> Flask:
    """Departments SNV and BDT; today 1 December 2023 (their deadline is 15 December)."""
    app.config.update(EVIDENCE_DIR=str(tmp_path / "evidence"), PAR_TODAY=date(2023, 12, 1))
    return app


@pytest.fixture
def officer(year_app: Flask) -> FlaskClient:
    return login_as(year_app, role="unit_officer", unit="SNV")


def _token(client: FlaskClient, url: str = SHEET) -> str:
    return form_tokens(client.get(url).get_data(as_text=True))["csrf_token"]


def _upload(
    client: FlaskClient, code: str, name: str, data: bytes, url: str = SHEET, token_from: str = ""
):
    return client.post(
        f"{url}/evidence",
        data={
            "csrf_token": _token(client, token_from or url),
            "criterion": code,
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def _points(value_of) -> dict[str, str]:
    return {f"points-{leaf.code}": value_of(leaf) for leaf in LEAVES}


def _count(app: Flask, model) -> int:
    with app.app_context():
        return get_db().session.scalar(select(func.count()).select_from(model))


def _status(app: Flask, code: str = "SNV") -> str | None:
    with app.app_context():
        rows = get_db().session.scalars(select(ParAssessment)).all()
        return next((r.status for r in rows if r.unit.code == code), None)


def _submit_full_sheet(client: FlaskClient) -> None:
    first = LEAVES[0]
    assert _upload(client, first.code, "ke-hoach.pdf", PDF).status_code == 303
    data = {**_points(lambda leaf: "0"), f"points-{first.code}": str(first.max_points)}
    data["csrf_token"] = _token(client)
    reply = client.post(SHEET, data={**data, "action": "submit"})
    assert reply.status_code == 303, reply.get_data(as_text=True)


def test_the_sheet_lists_every_self_assessed_sub_criterion_with_its_deadline(
    officer: FlaskClient,
) -> None:
    page = officer.get(SHEET).get_data(as_text=True)
    assert len(LEAVES) > 10
    for leaf in LEAVES:
        assert f'name="points-{leaf.code}"' in page
    assert "Hạn gửi: 15/12/2023" in page and "còn 14 ngày" in page
    assert "Đã chấm 0/" in page


def test_a_draft_keeps_points_notes_and_explanations_and_refuses_bad_points(
    year_app: Flask, officer: FlaskClient
) -> None:
    first, second = LEAVES[0], LEAVES[1]
    bad = {
        "csrf_token": _token(officer),
        f"points-{first.code}": str(first.max_points + 1),
        f"points-{second.code}": "abc",
        f"note-{first.code}": "ghi chú giữ lại",
    }
    reply = officer.post(SHEET, data=bad)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert f"Điểm phải từ 0 đến {first.max_points:g}" in page and "«abc» không phải là số" in page
    assert "ghi chú giữ lại" in page  # nothing typed is lost
    assert _count(year_app, ParPoints) == 0
    good = {**bad, f"points-{first.code}": "0,5", f"points-{second.code}": ""}
    assert officer.post(SHEET, data=good).status_code == 303
    with year_app.app_context():
        row = get_db().session.scalar(select(ParPoints).where(ParPoints.code == first.code))
        assert row.self_points == 0.5 and row.note == "ghi chú giữ lại"
        steps = get_db().session.scalars(select(ParStep)).all()
        assert [(s.step, s.code, s.points) for s in steps] == [("self", first.code, 0.5)]


def test_submission_needs_every_score_and_evidence_or_an_explanation(
    year_app: Flask, officer: FlaskClient
) -> None:
    first, second = LEAVES[0], LEAVES[1]
    data = {**_points(lambda leaf: "0"), f"points-{second.code}": "0.25"}
    del data[f"points-{LEAVES[2].code}"]
    reply = officer.post(SHEET, data={**data, "csrf_token": _token(officer), "action": "submit"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert f"{LEAVES[2].code}: chưa chấm điểm" in page
    assert f"{second.code}: có điểm nhưng chưa có tài liệu kiểm chứng" in page
    assert _status(year_app) == "draft"
    data[f"points-{LEAVES[2].code}"] = "0"
    data[f"explanation-{second.code}"] = "Văn bản đang chờ ký, sẽ gửi bổ sung."
    assert _upload(officer, first.code, "kh.pdf", PDF).status_code == 303
    reply = officer.post(SHEET, data={**data, "csrf_token": _token(officer), "action": "submit"})
    assert reply.status_code == 303
    assert _status(year_app) == "submitted"
    page = officer.get(SHEET).get_data(as_text=True)
    assert 'name="points-' not in page and "chỉ còn để xem" in page
    # read-only: a late POST changes nothing
    again = officer.post(SHEET, data={**data, "csrf_token": _token(officer)})
    assert again.status_code == 422 and _status(year_app) == "submitted"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("trong.pdf", b"", "rỗng"),
        ("to.pdf", b"%PDF-" + b"0" * 5000, "quá giới hạn"),
        ("ghi-chu.txt", b"just text", "không phải PDF, PNG, JPEG, DOCX, XLSX"),
        ("bao-cao.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "kiểm tra theo nội dung"),
        ("zip.docx", b"PK\x03\x04garbage", "không phải"),
    ],
)
def test_bad_uploads_are_refused_with_a_message_and_nothing_is_stored(
    year_app: Flask, officer: FlaskClient, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    year_app.config["EVIDENCE_MAX_BYTES"] = 4000
    reply = _upload(officer, LEAVES[0].code, name, data)
    assert reply.status_code == 422 and message in reply.get_data(as_text=True)
    assert _count(year_app, ParEvidence) == 0
    stored = tmp_path / "evidence"
    assert not stored.exists() or not any(p.is_file() for p in stored.rglob("*"))


def test_accepted_files_are_kept_by_content_and_served_to_their_unit_only(
    year_app: Flask, officer: FlaskClient, tmp_path: Path
) -> None:
    assert _upload(officer, LEAVES[0].code, "quyết định", PDF).status_code == 303
    assert _upload(officer, LEAVES[1].code, "bao-cao.docx", _docx()).status_code == 303
    with year_app.app_context():
        rows = get_db().session.scalars(select(ParEvidence).order_by(ParEvidence.code)).all()
        assert [r.filename for r in rows] == ["quyết định.pdf", "bao-cao.docx"]
        ids = [r.id for r in rows]
    files = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert len(files) == 2 and not any(p.name.startswith(".upload-") for p in files)
    served = officer.get(f"/admin/par/{YEAR}/evidence/{ids[0]}")
    assert served.status_code == 200 and served.data == PDF
    other = login_as(year_app, role="unit_officer", unit="BDT", username="nv.bdt")
    assert other.get(f"/admin/par/{YEAR}/evidence/{ids[0]}").status_code == 404
    assert other.get(SHEET).status_code == 404
    own = f"/admin/par/{YEAR}/self/BDT"
    assert _upload(other, LEAVES[0].code, "x.pdf", PDF, token_from=own).status_code == 404
    assert other.get(f"/admin/par/{YEAR}/self/BDT").status_code == 200


def test_the_database_store_keeps_files_for_several_instances(
    year_app: Flask, officer: FlaskClient
) -> None:
    year_app.config["EVIDENCE_STORE"] = "database"
    assert _upload(officer, LEAVES[0].code, "kh.pdf", PDF).status_code == 303
    assert _count(year_app, ParEvidenceBlob) == 1
    with year_app.app_context():
        evidence_id = get_db().session.scalar(select(ParEvidence.id))
    assert officer.get(f"/admin/par/{YEAR}/evidence/{evidence_id}").data == PDF


def test_after_the_deadline_the_sheet_locks_until_sozv_reopens_it(
    year_app: Flask, officer: FlaskClient
) -> None:
    year_app.config["PAR_TODAY"] = date(2023, 12, 16)
    page = officer.get(SHEET).get_data(as_text=True)
    assert "Đã quá hạn tự đánh giá (15/12/2023)" in page and 'name="points-' not in page
    blocked = officer.post(SHEET, data={**_points(lambda leaf: "0"), "csrf_token": _token(officer)})
    assert blocked.status_code == 422 and _count(year_app, ParPoints) == 0
    assert _upload(officer, LEAVES[0].code, "kh.pdf", PDF).status_code == 422
    admin = login_as(year_app, role="admin")
    token = _token(admin)
    no_reason = admin.post(f"{SHEET}/reopen", data={"csrf_token": token, "until": "2023-12-20"})
    assert no_reason.status_code == 422
    reply = admin.post(
        f"{SHEET}/reopen",
        data={"csrf_token": token, "until": "2023-12-20", "reason": "Mất điện ngày 15/12"},
    )
    assert reply.status_code == 303
    _submit_full_sheet(officer)
    assert _status(year_app) == "submitted"
    with year_app.app_context():
        steps = [s.step for s in get_db().session.scalars(select(ParStep).order_by(ParStep.id))]
    assert steps[0] == "reopened" and steps[-1] == "submitted"


def test_appraisal_returns_two_sub_criteria_the_unit_explains_the_council_finalises(
    year_app: Flask, officer: FlaskClient
) -> None:
    council = login_as(year_app, role="council")
    appraise = f"/admin/par/{YEAR}/appraise/SNV"
    early = council.post(appraise, data={"csrf_token": _token(council, appraise)})
    assert early.status_code == 422 and "Chưa thể thẩm định" in early.get_data(as_text=True)
    _submit_full_sheet(officer)
    first, second, third = LEAVES[0], LEAVES[1], LEAVES[2]
    form = {f"appraised-{leaf.code}": "0" for leaf in LEAVES}
    form[f"appraised-{first.code}"] = str(first.max_points / 2)
    form["csrf_token"] = _token(council, appraise)
    needs_reason = council.post(appraise, data={**form, "action": "save"})
    assert needs_reason.status_code == 422
    assert "cần ghi lý do" in needs_reason.get_data(as_text=True)
    form[f"comment-{first.code}"] = "Kế hoạch ban hành muộn"
    form[f"comment-{second.code}"] = "Thiếu báo cáo quý IV"
    returned = council.post(
        appraise, data={**form, "action": "return", "return": [first.code, second.code]}
    )
    assert returned.status_code == 303
    assert _status(year_app) == "returned"
    page = officer.get(SHEET).get_data(as_text=True)
    assert (
        "Cần giải trình: Kế hoạch ban hành muộn" in page
        and f'name="reply-{third.code}"' not in page
    )
    missing = officer.post(SHEET, data={"csrf_token": _token(officer), "action": "explain"})
    assert missing.status_code == 422
    assert _upload(officer, second.code, "bao-cao-quy-4.pdf", PDF).status_code == 303
    reply = {
        "csrf_token": _token(officer),
        "action": "explain",
        f"reply-{first.code}": "Kế hoạch ban hành đúng hạn, xem văn bản kèm theo.",
        f"reply-{second.code}": "Đã bổ sung báo cáo quý IV.",
    }
    assert officer.post(SHEET, data=reply).status_code == 303
    assert _status(year_app) == "explained"
    form = {f"appraised-{leaf.code}": "0" for leaf in LEAVES}
    form.update({f"appraised-{first.code}": str(first.max_points), "csrf_token": ""})
    form["csrf_token"] = _token(council, appraise)
    assert council.post(appraise, data={**form, "action": "save"}).status_code == 303
    assert council.post(appraise, data={**form, "action": "finalise"}).status_code == 303
    assert _status(year_app) == "appraised"
    with year_app.app_context():
        db = get_db().session
        final = {p.code: p.final_points for p in db.scalars(select(ParPoints))}
        steps = [(s.step, s.code) for s in db.scalars(select(ParStep).order_by(ParStep.id))]
        stages = {e.code: e.stage for e in db.scalars(select(ParEvidence))}
    assert final[first.code] == first.max_points and final[second.code] == 0
    assert ("appraisal_1", first.code) in steps and ("returned", second.code) in steps
    assert ("explanation", first.code) in steps and ("appraisal_2", first.code) in steps
    assert ("final", third.code) in steps and stages[second.code] == "explanation"
    locked = council.post(appraise, data={**form, "action": "save"})
    assert locked.status_code == 422


def test_sozv_sees_who_is_late_or_incomplete(year_app: Flask, officer: FlaskClient) -> None:
    _submit_full_sheet(officer)
    year_app.config["PAR_TODAY"] = date(2023, 12, 16)
    admin = login_as(year_app, role="admin")
    page = admin.get(f"/admin/par/{YEAR}/self").get_data(as_text=True)
    assert "2 đơn vị · 1 chưa gửi · 1 trễ hạn" in page
    assert officer.get(f"/admin/par/{YEAR}/self").headers["Location"].endswith(SHEET)


@pytest.fixture
def districts(year_app: Flask) -> Flask:
    """Two districts of 2023, each with communes (a district appraises its own communes)."""
    from survey_app.survey.units_import import import_units

    with year_app.app_context(), get_db().begin() as session:
        report = import_units(
            session,
            (
                "code,name,level,parent_code,ranked\n"
                "H1,Huyện Một,district,86,true\nH2,Huyện Hai,district,86,true\n"
                "X11,Xã Một Một,commune,H1,true\nX12,Xã Một Hai,commune,H1,true\n"
                "X21,Xã Hai Một,commune,H2,true\n"
            ).encode(),
            valid_from=date(2020, 1, 1),
        )
        assert report.ok, report.errors
    year_app.config["PAR_TODAY"] = date(2023, 11, 1)
    return year_app


def test_a_district_appraises_its_own_communes_and_nobody_else(districts: Flask) -> None:
    district = login_as(districts, role="unit_officer", unit="H1", username="nv.h1")
    overview = district.get(f"/admin/par/{YEAR}/self").get_data(as_text=True)
    assert "Xã Một Một" in overview and "Xã Một Hai" in overview
    assert "Xã Hai Một" not in overview and "<td>Sở Nội vụ</td>" not in overview
    assert district.get(f"/admin/par/{YEAR}/appraise/X11").status_code == 200
    for other in ("X21", "SNV", "H1", "H2"):
        assert district.get(f"/admin/par/{YEAR}/appraise/{other}").status_code == 404, other
    assert district.get(f"/admin/par/{YEAR}/self/X11").status_code == 404  # not their sheet
    council = login_as(districts, role="council")
    assert council.get(f"/admin/par/{YEAR}/appraise/X11").status_code == 404  # 2023: districts
    assert council.get(f"/admin/par/{YEAR}/appraise/H1").status_code == 200
    commune = login_as(districts, role="unit_officer", unit="X11", username="nv.x11")
    assert commune.get(f"/admin/par/{YEAR}/appraise/X12").status_code == 404
    sheet = commune.get(f"/admin/par/{YEAR}/self/X11").get_data(as_text=True)
    assert "do các phòng ban cấp huyện đánh giá" in sheet  # areas 5–7 survey criteria
    commune_leaves = self_assessed_leaves(load_catalog("commune", YEAR).unwrap())
    assert f'name="points-{commune_leaves[0].code}"' in sheet
    evidence = _upload(
        commune, commune_leaves[0].code, "kh.pdf", PDF, url=f"/admin/par/{YEAR}/self/X11"
    )
    assert evidence.status_code == 303
    with districts.app_context():
        file_id = get_db().session.scalar(select(ParEvidence.id))
    assert district.get(f"/admin/par/{YEAR}/evidence/{file_id}").status_code == 200
    outsider = login_as(districts, role="unit_officer", unit="H2", username="nv.h2")
    assert outsider.get(f"/admin/par/{YEAR}/evidence/{file_id}").status_code == 404
