"""The responses export (CSV or XLSX); later issues read this file, so its columns are a contract.

Columns, in order: ``response_id,round,unit_code,counter_code,channel,submitted_at,
questionnaire,questionnaire_version``, one column per item (1–5; empty for no answer or
"không áp dụng"), ``service_field`` and the demographic columns, ``comment``.
``submitted_at`` is ISO 8601 in Asia/Ho_Chi_Minh time with its offset.

Excluded answers (review state ``excluded``, docs/decisions/0010) stay stored but are left out
unless ``include_excluded`` is asked for; the columns are the same either way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from survey_app.db.models import Response, SurveyRound
from survey_app.survey.questionnaire_store import get_questionnaire

FIXED_COLUMNS = (
    "response_id",
    "round",
    "unit_code",
    "counter_code",
    "channel",
    "submitted_at",
    "questionnaire",
    "questionnaire_version",
)
DISPLAY_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _ordered_union(groups: list[list[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return list(seen)


def export_columns(session: Session, round_name: str | None = None) -> tuple[list[str], list[str]]:
    """Item ids and profile ids of the questionnaires used by the exported rounds."""
    query = select(SurveyRound.questionnaire_id, SurveyRound.questionnaire_version).distinct()
    if round_name:
        query = query.where(SurveyRound.name == round_name)
    versions = sorted(session.execute(query).all())
    questionnaires = [get_questionnaire(session, qid, version) for qid, version in versions]
    items = _ordered_union([list(q.item_ids) for q in questionnaires])
    profile = _ordered_union(
        [
            ([q.service_field.id] if q.service_field else []) + [d.id for d in q.demographics]
            for q in questionnaires
        ]
    )
    return items, profile


def header(items: list[str], profile: list[str]) -> list[str]:
    return [*FIXED_COLUMNS, *items, *profile, "comment"]


def response_rows(
    session: Session,
    round_name: str | None = None,
    *,
    include_excluded: bool = False,
    exclude_flagged: bool = False,
    channels: Collection[str] | None = None,
) -> tuple[list[str], Iterator[list[object]]]:
    """The header and a stream of rows, oldest response first.

    Excluded answers are left out unless ``include_excluded``; ``exclude_flagged`` also leaves
    out flagged ones; ``channels`` keeps only answers of those channels.
    """
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
    left_out = ([] if include_excluded else ["excluded"]) + (["flagged"] if exclude_flagged else [])
    if left_out:
        query = query.where(Response.state.not_in(left_out))
    if channels is not None:
        query = query.where(Response.channel.in_(list(channels)))

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


def to_csv(
    session: Session, round_name: str | None = None, *, include_excluded: bool = False
) -> Iterator[str]:
    """The export as CSV text chunks (UTF-8 with BOM so spreadsheet programs read Vietnamese)."""
    columns, rows = response_rows(session, round_name, include_excluded=include_excluded)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write("\ufeff")
    writer.writerow(columns)
    for number, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else v for v in row])
        if number % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def to_xlsx(
    session: Session, round_name: str | None = None, *, include_excluded: bool = False
) -> bytes:
    """The export as an XLSX workbook; every text cell is stored as text, never a formula."""
    columns, rows = response_rows(session, round_name, include_excluded=include_excluded)
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
