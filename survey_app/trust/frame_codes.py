"""Receipt codes for a whole frame or sample (``sipas tokens issue`` and the upload page).

A frame (``dossier_code,unit_code``, or the sample ``sipas draw`` writes: its rows with
``reserve`` false unless reserves are asked for) gets a code for every dossier, or none and every
problem by row and column. The result is the frame's columns plus ``code,url,expires_on`` and the
slips to print (`survey_app.trust.receipt_slips`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.csv_files import FileProblem
from survey_app.db import utcnow
from survey_app.db.models import SurveyRound, Unit
from survey_app.i18n import vi_en
from survey_app.planning.files import read_frame
from survey_app.spreadsheets import dict_writer
from survey_app.trust.receipt_slips import SlipSpec
from survey_app.trust.receipts import (
    MAX_DOSSIER_CODE,
    IssueConflicts,
    IssueRequest,
    display,
    issue_codes,
    last_valid_day,
)

OUT_COLUMNS = ("code", "url", "expires_on")


def receipt_url(base_url: str, code: str) -> str:
    """The address a receipt code's QR carries: ``BASE_URL/r/<code>``."""
    return f"{base_url.rstrip('/')}/r/{code}"


@dataclass
class FrameCodes:
    """The codes of a frame (``records`` in the frame's order), or every problem."""

    problems: list[FileProblem] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    records: list[dict[str, str]] = field(default_factory=list)
    slips: list[SlipSpec] = field(default_factory=list)
    new: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def csv_text(self) -> str:
        """The codes file: the frame's columns, then ``code,url,expires_on``."""
        text = io.StringIO()
        writer = dict_writer(text, [*self.header, *OUT_COLUMNS])  # inert cells
        writer.writeheader()
        writer.writerows(self.records)
        return text.getvalue()


def selected_rows(
    header: list[str], rows: list[dict[str, str]], with_reserves: bool
) -> tuple[list[tuple[int, dict[str, str]]], list[FileProblem]]:
    """(file row number, row) of the dossiers to issue; a draw's reserves only when asked."""
    numbered = list(enumerate(rows, start=2))
    if "reserve" not in header:
        return numbered, []
    problems = [
        FileProblem(
            number,
            "reserve",
            vi_en("reserve (%(value)r) phải là true hoặc false", value=row["reserve"]),
        )
        for number, row in numbered
        if row.get("reserve", "").lower() not in ("true", "false")
    ]
    chosen = [
        (number, row)
        for number, row in numbered
        if with_reserves or row.get("reserve", "").lower() == "false"
    ]
    return chosen, problems


def round_units(survey_round: SurveyRound, codes: set[str]) -> dict[str, Unit]:
    """The round's unit for each code (the version valid today when there are several)."""
    today = utcnow().date()
    found: dict[str, Unit] = {}
    for unit in survey_round.units:
        if unit.code in codes and (unit.code not in found or unit.valid_on(today)):
            found[unit.code] = unit
    return found


def unit_problems(
    session: Session,
    survey_round: SurveyRound,
    chosen: list[tuple[int, dict[str, str]]],
    in_round: dict[str, Unit],
) -> list[FileProblem]:
    """A problem for every chosen row whose unit is unknown or not in the round (a row without
    a unit code, or a file without the column, is the frame reader's problem already)."""
    chosen = [(number, row) for number, row in chosen if row.get("unit_code")]
    missing = {row["unit_code"] for _, row in chosen} - set(in_round)
    known = (
        set(session.scalars(select(Unit.code).where(Unit.code.in_(missing)))) if missing else set()
    )
    problems = []
    for number, row in chosen:
        code = row["unit_code"]
        if code in in_round:
            continue
        if code in known:
            message = vi_en(
                "đơn vị %(code)r không thuộc đợt %(round)r", code=code, round=survey_round.name
            )
        else:
            message = vi_en("mã đơn vị lạ %(code)r", code=code)
        problems.append(FileProblem(number, "unit_code", message))
    return problems


def read_chosen(
    source: bytes | object, with_reserves: bool
) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[FileProblem]]:
    """Header, chosen rows and the file's own problems (no database needed)."""
    header, rows, problems = read_frame(source)  # type: ignore[arg-type]
    chosen, more = selected_rows(header, rows, with_reserves)
    problems += more
    for number, row in chosen:
        if len(row.get("dossier_code", "")) > MAX_DOSSIER_CODE:
            message = vi_en("mã hồ sơ dài quá %(most)s ký tự", most=MAX_DOSSIER_CODE)
            problems.append(FileProblem(number, "dossier_code", message))
    return header, chosen, problems


def issue_for_frame(
    session: Session,
    source: bytes | object,
    survey_round: SurveyRound,
    *,
    secret_key: str,
    base_url: str,
    days: int,
    zone: ZoneInfo,
    with_reserves: bool = False,
    progress: Callable[[int], None] | None = None,
) -> FrameCodes:
    """Issue the codes of every chosen dossier of ``source`` (the caller commits), or none.

    Refused when the round is closed (its codes could not be used).
    """
    header, chosen, problems = read_chosen(source, with_reserves)
    if not header:
        return FrameCodes(problems=problems)
    if survey_round.closes_at <= utcnow():
        message = vi_en(
            "đợt %(round)r đã đóng: mã của đợt không dùng được nữa", round=survey_round.name
        )
        return FrameCodes(problems=[FileProblem(None, None, message)])
    in_round = round_units(survey_round, {row.get("unit_code", "") for _, row in chosen})
    problems += unit_problems(session, survey_round, chosen, in_round)
    if problems:
        return FrameCodes(problems=sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    requests = [IssueRequest(row["dossier_code"], in_round[row["unit_code"]]) for _, row in chosen]
    try:
        issued = issue_codes(
            session, secret_key, survey_round, requests, days=days, zone=zone, progress=progress
        )
    except IssueConflicts as exc:
        return FrameCodes(
            problems=[FileProblem(chosen[i][0], "dossier_code", m) for i, m in exc.problems]
        )
    result = FrameCodes(header=header, new=sum(item.new for item in issued))
    for (_, row), item in zip(chosen, issued, strict=True):
        last_day = last_valid_day(item.row, zone)
        url = receipt_url(base_url, item.code)
        result.records.append(
            {**row, "code": display(item.code), "url": url, "expires_on": last_day.isoformat()}
        )
        result.slips.append(
            SlipSpec(
                unit_name=item.row.unit.name,
                code=display(item.code),
                url=url,
                last_day=last_day,
                dossier_code=row["dossier_code"],
                entry_url=f"{base_url.rstrip('/')}/r",
            )
        )
    return result
