"""The streamed responses export (issue 12) gives the same file as the export it replaced: the
same CSV bytes and the same XLSX cells, on SQLite and PostgreSQL.

``_old_rows``, ``_old_csv`` and ``_old_xlsx`` are the previous implementation, kept here verbatim
(ORM objects with joined loads per answer, the workbook built in memory) as the reference.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from factories import MONDAY_9, add_response
from flask import Flask
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from survey_app.db import get_db
from survey_app.db.models import Response, SurveyRound
from survey_app.survey import export
from survey_app.survey.export import (
    DISPLAY_ZONE,
    export_columns,
    header,
    response_rows,
    to_csv,
    to_xlsx,
    xlsx_file,
)

COMMENTS = [
    None,
    "",
    "Tốt, nhanh gọn",
    'có "ngoặc kép", dấu phẩy\nvà xuống dòng',
    "  khoảng trắng  ",
    "#N/A",
    "x" * 500,
]


def _old_rows(session: Session, round_name: str | None, include_excluded: bool):
    items, profile = export_columns(session, round_name)
    query = (
        select(Response)
        .options(
            joinedload(Response.survey_round),
            joinedload(Response.unit),
            joinedload(Response.counter),
        )
        .order_by(Response.id)
    )
    if round_name:
        query = query.join(Response.survey_round).where(SurveyRound.name == round_name)
    if not include_excluded:
        query = query.where(Response.state.not_in(["excluded"]))

    def rows() -> Iterator[list[object]]:
        for response in session.scalars(query.execution_options(yield_per=1000)):
            answers = response.answers or {}
            answers_out = [v if isinstance(v := answers.get(i), int) else None for i in items]
            values = dict(response.profile or {})
            if response.service_field:
                values["service_field"] = response.service_field
            yield [
                response.id,
                response.survey_round.name,
                response.unit.code,
                response.counter.code if response.counter else None,
                response.channel,
                response.submitted_at.astimezone(DISPLAY_ZONE).isoformat(),
                response.questionnaire_id,
                response.questionnaire_version,
                *answers_out,
                *[values.get(p) for p in profile],
                response.comment,
            ]

    return header(items, profile), rows()


def _old_csv(session: Session, round_name: str | None, include_excluded: bool) -> str:
    columns, rows = _old_rows(session, round_name, include_excluded)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write("\ufeff")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def _old_xlsx(session: Session, round_name: str | None, include_excluded: bool) -> bytes:
    columns, rows = _old_rows(session, round_name, include_excluded)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(columns)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def answers(app: Flask, survey: dict) -> dict:
    """57 answers of every kind: both units, with and without a counter, every channel and
    state, some items not answered or "không áp dụng", profiles, a service field, comments."""
    chance = random.Random(12)
    with app.app_context(), get_db().begin() as session:
        for n in range(57):
            unit = "SNV" if n % 3 else "BDT"
            row = add_response(
                session,
                survey["round_id"],
                unit=unit,
                counter=None if n % 5 == 0 else f"{unit}-1",
                at=MONDAY_9 + timedelta(minutes=7 * n, microseconds=n),
                answers={
                    f"q{i}": chance.choice([1, 2, 3, 4, 5, 0, None, "na"]) for i in range(15, 34)
                },
                channel=["counter_qr", "paper", "receipt", "public_link", "simulated"][n % 5],
                state=["received", "flagged", "excluded"][n % 3],
            )
            row.profile = {"gender": "nam"} if n % 2 else {"age_group": "18_35", "visit": "x"}
            row.service_field = "dat_dai" if n % 4 == 0 else None
            row.comment = COMMENTS[n % len(COMMENTS)]
    return survey


@pytest.mark.parametrize("batch", [1000, 7])
@pytest.mark.parametrize(
    ("round_name", "everything"), [("Đợt thử", False), ("Đợt thử", True), (None, False)]
)
def test_the_csv_is_the_same_bytes_as_before(
    app: Flask,
    answers: dict,
    monkeypatch: pytest.MonkeyPatch,
    batch: int,
    round_name: str | None,
    everything: bool,
) -> None:
    monkeypatch.setattr(export, "BATCH", batch)
    with app.app_context(), get_db().begin() as session:
        old = _old_csv(session, round_name, everything)
        chunks = list(to_csv(session, round_name, include_excluded=everything))
    assert "".join(chunks) == old
    assert old.count("\n") > 30
    if batch == 7:
        assert len(chunks) > 4  # written as it is read


@pytest.mark.parametrize("everything", [False, True])
def test_the_xlsx_has_the_same_cells_as_before(
    app: Flask, answers: dict, monkeypatch: pytest.MonkeyPatch, everything: bool
) -> None:
    monkeypatch.setattr(export, "BATCH", 7)
    with app.app_context(), get_db().begin() as session:
        old = load_workbook(io.BytesIO(_old_xlsx(session, None, everything)))
        new = load_workbook(io.BytesIO(to_xlsx(session, None, include_excluded=everything)))
        spooled = xlsx_file(session, None, include_excluded=everything)
    with spooled:
        assert load_workbook(spooled).sheetnames == ["responses"]
    assert new.sheetnames == old.sheetnames == ["responses"]
    old_cells = [[(c.value, c.data_type) for c in row] for row in old.active.iter_rows()]
    new_cells = [[(c.value, c.data_type) for c in row] for row in new.active.iter_rows()]
    assert new_cells == old_cells and len(new_cells) > 30


def test_the_rows_are_those_of_before_for_the_analysis_too(app: Flask, answers: dict) -> None:
    with app.app_context(), get_db().begin() as session:
        old_header, old_rows = _old_rows(session, "Đợt thử", False)
        new_header, new_rows = response_rows(session, "Đợt thử")
        assert new_header == old_header and list(new_rows) == list(old_rows)


def test_the_admin_download_sends_the_xlsx_from_a_temporary_file(app: Flask, answers: dict) -> None:
    from support import login_as

    staff = login_as(app, role="admin", username="nv.admin")
    reply = staff.get("/admin/export/responses.xlsx?include_excluded=1")
    assert reply.status_code == 200
    assert reply.is_streamed
    rows = list(load_workbook(io.BytesIO(reply.data)).active.iter_rows(values_only=True))
    assert len(rows) == 58
