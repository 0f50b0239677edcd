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
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from survey_app.db.models import Counter, Response, SurveyRound, Unit
from survey_app.spreadsheets import DANGEROUS, append_row, inert, inert_cell, needs_quote
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
BATCH = 1000
"""Rows read from the database (and CSV rows written) at a time."""
_SPECIAL_STARTS = DANGEROUS | {"#"}  # "#N/A" and the like would become error cells


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


def _rows_query(
    round_name: str | None,
    *,
    include_excluded: bool,
    exclude_flagged: bool = False,
    channels: Collection[str] | None = None,
) -> Select[Any]:
    """One row per response with only the columns the export needs (no ORM object per answer)."""
    query = (
        select(
            Response.id,
            SurveyRound.name,
            Unit.code,
            Counter.code,
            Response.channel,
            Response.submitted_at,
            Response.questionnaire_id,
            Response.questionnaire_version,
            Response.answers,
            Response.profile,
            Response.service_field,
            Response.comment,
        )
        .join(SurveyRound, Response.round_id == SurveyRound.id)
        .join(Unit, Response.unit_id == Unit.id)
        .outerjoin(Counter, Response.counter_id == Counter.id)
        .order_by(Response.id)
    )
    if round_name:
        query = query.where(SurveyRound.name == round_name)
    left_out = ([] if include_excluded else ["excluded"]) + (["flagged"] if exclude_flagged else [])
    if left_out:
        query = query.where(Response.state.not_in(left_out))
    if channels is not None:
        query = query.where(Response.channel.in_(list(channels)))
    return query


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
    out flagged ones; ``channels`` keeps only answers of those channels. The rows are read in
    batches of ``BATCH`` (a server-side cursor on PostgreSQL), so memory does not grow with the
    number of answers.
    """
    items, profile = export_columns(session, round_name)
    return header(items, profile), _rows(
        session,
        items,
        profile,
        _rows_query(
            round_name,
            include_excluded=include_excluded,
            exclude_flagged=exclude_flagged,
            channels=channels,
        ),
    )


def _rows(
    session: Session, items: list[str], profile: list[str], query: Select[Any]
) -> Iterator[list[object]]:
    """The rows of ``query`` as export rows, read ``BATCH`` at a time."""
    result = session.execute(query.execution_options(yield_per=BATCH))
    for (
        response_id,
        round_label,
        unit_code,
        counter_code,
        channel,
        submitted_at,
        questionnaire_id,
        questionnaire_version,
        answers,
        values,
        service_field,
        comment,
    ) in result:
        answers = answers or {}
        values = dict(values or {})
        if service_field:
            values["service_field"] = service_field
        yield [
            response_id,
            round_label,
            unit_code,
            counter_code,
            channel,
            submitted_at.astimezone(DISPLAY_ZONE).isoformat(),
            questionnaire_id,
            questionnaire_version,
            *[v if isinstance(v := answers.get(i), int) else None for i in items],
            *[values.get(p) for p in profile],
            comment,
        ]


def _text_positions(items: list[str], profile: list[str]) -> list[int]:
    """Columns that may hold people's text: every one but the item answers (numbers)."""
    first_item = len(FIXED_COLUMNS)
    after = first_item + len(items)
    return [*range(first_item), *range(after, after + len(profile) + 1)]


def to_csv(
    session: Session, round_name: str | None = None, *, include_excluded: bool = False
) -> Iterator[str]:
    """The export as CSV text chunks (UTF-8 with BOM so spreadsheet programs read Vietnamese).

    A generator: rows are read and written ``BATCH`` at a time. Text cells a spreadsheet would
    run as formulas get a leading apostrophe (`survey_app.spreadsheets`).
    """
    items, profile = export_columns(session, round_name)
    columns = header(items, profile)
    rows = _rows(
        session, items, profile, _rows_query(round_name, include_excluded=include_excluded)
    )
    texts = _text_positions(items, profile)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write("\ufeff")
    writer.writerow([inert(c) for c in columns])
    for number, row in enumerate(rows, start=1):
        for i in texts:
            value = row[i]
            if value.__class__ is str and needs_quote(value):  # type: ignore[union-attr]
                row[i] = "'" + value  # type: ignore[operator]
        writer.writerow(row)
        if number % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(
    session: Session,
    target: str | Path | BinaryIO,
    round_name: str | None = None,
    *,
    include_excluded: bool = False,
) -> None:
    """Write the export as an XLSX workbook to ``target`` (a path or a binary file).

    openpyxl's write-only mode streams the rows to a temporary file (inline strings, no shared
    string table), so memory does not grow with the rows. Every text cell is a string cell, never
    a formula; one that starts like a formula also carries Excel's quote prefix
    (`survey_app.spreadsheets`).
    """
    columns, rows = response_rows(session, round_name, include_excluded=include_excluded)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    append_row(sheet, columns)
    for row in rows:
        for i, value in enumerate(row):
            # only a text openpyxl would read as a formula or an error needs a cell of its own
            if value.__class__ is str and value[:1] in _SPECIAL_STARTS:  # type: ignore[index]
                row[i] = inert_cell(WriteOnlyCell(sheet, value=value))
        sheet.append(row)
    workbook.save(target)


def to_xlsx(
    session: Session, round_name: str | None = None, *, include_excluded: bool = False
) -> bytes:
    """The export as XLSX bytes (small exports; :func:`write_xlsx` writes to a file)."""
    out = io.BytesIO()
    write_xlsx(session, out, round_name, include_excluded=include_excluded)
    return out.getvalue()


def xlsx_file(
    session: Session, round_name: str | None = None, *, include_excluded: bool = False
) -> IO[bytes]:
    """The export written to an anonymous temporary file, positioned at its start (the caller
    sends it and closes it, which deletes it)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (returned open: the caller closes it)
    try:
        write_xlsx(session, spool, round_name, include_excluded=include_excluded)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool
