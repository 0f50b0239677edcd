"""Score outputs: writes the ranking as rows, CSV and JSON, and the results workbook (a ranking
sheet per unit type, an appendix-shaped score sheet per unit)."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scoring_bridge import Catalog, Criterion, RankRow, Rules, UnitScore, round_half_up
from scoring_bridge.catalog import code_key
from survey_app.i18n import N_, vi_en, vi_en_of
from survey_app.par.files.common import NOT_APPLICABLE_CELL, _fmt, _type_name
from survey_app.par.files.points import LeafPoints
from survey_app.par.files.sheets import (
    _POINTS_FORMAT,
    _WIDTHS,
    WARNING_MARK,
    _heading,
    _SheetWriter,
    _table,
    sheet_title,
)
from survey_app.spreadsheets import dict_writer

RANKING_AREAS = tuple(str(n) for n in range(1, 9))
RANKING_TITLE = "XẾP HẠNG CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year} — {unit_type}"
PREVIOUS_YEAR_NOTE = (
    "Lưu ý: điểm điều tra xã hội học của Bộ Nội vụ {what} là kết quả năm trước liền kề, vì năm "
    "đánh giá chưa được công bố (mục III.1.c Quyết định 1877/QĐ-UBND). — Note: the Ministry of "
    "Home Affairs' survey points {what_en} are last year's results (this year's are not published)."
)
PREVIOUS_YEAR_CELL = "Kết quả điều tra của Bộ Nội vụ năm trước"
NOT_RANKED = "không xếp hạng chung"
NOTHING_SCORED = N_(
    "Chưa có đơn vị nào được chấm điểm: chưa có khung điểm hoặc điểm của năm này. Nhập khung "
    "điểm và điểm (sipas par catalog-import, sipas par points-import) rồi tính lại."
)


RULE_HEADER = ("Chỉ số trước điểm thưởng, điểm trừ (%)", "Điểm thưởng", "Điểm trừ", "Xếp loại")
"""The ranking sheet's columns of the province rules, for people (before Ghi chú)."""


def _areas_of(rank_rows: Iterable[RankRow]) -> list[str]:
    codes = set(RANKING_AREAS)
    for r in rank_rows:
        codes |= set(r.areas)
    return sorted(codes, key=code_key)


def ranking_columns(rank_rows: Sequence[RankRow]) -> list[str]:
    """The ranking file's columns (``area_<code>`` for areas 1–8 and any other area)."""
    return [
        "unit_type",
        "rank",
        "unit_code",
        "unit_name",
        "total_points",
        "max_points",
        "index",
        *(f"area_{code}" for code in _areas_of(rank_rows)),
        "ranked",
        "illustrative",
        "ministry_from_previous_year",
        *(RULE_COLUMNS if any(r.has_rules for r in rank_rows) else ()),
    ]


RULE_COLUMNS = (
    "catalog_max_points",
    "not_applicable",
    "base_index",
    "bonus_points",
    "penalty_points",
    "class",
)
"""Columns added after the others when a catalog has province rules (decision 0025):
``max_points`` is then the applicable maximum, ``catalog_max_points`` the catalog's,
``not_applicable`` the codes that do not apply (space-separated), ``base_index`` the index
before ``bonus_points`` and ``penalty_points`` (as counted, after their caps), ``class`` the
band's label (empty for a unit of a catalog without rules or below every band)."""


def ranking_rows(rank_rows: Sequence[RankRow], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """One record per ranked row: figures rounded half-up to 2 decimals, ``area_<code>`` the
    area's component index (percent), ``rank`` ``""`` for a unit that is not ranked, an area the
    unit's catalog lacks ``""``."""
    areas = _areas_of(rank_rows)
    rules = any(r.has_rules for r in rank_rows)
    out = []
    for r in rank_rows:
        record: dict[str, Any] = {
            "unit_type": r.unit_type,
            "rank": "" if r.rank is None else r.rank,
            "unit_code": r.unit_code,
            "unit_name": names.get(r.unit_code, ""),
            "total_points": round_half_up(r.total),
            "max_points": round_half_up(r.max),
            "index": round_half_up(r.index),
        }
        for code in areas:
            component = r.areas.get(code)
            record[f"area_{code}"] = "" if component is None else round_half_up(component.index)
        record["ranked"] = r.ranked
        record["illustrative"] = r.illustrative
        record["ministry_from_previous_year"] = r.from_previous_year
        if rules:
            record |= _rule_record(r)
        out.append(record)
    return out


def _rule_record(r: RankRow) -> dict[str, Any]:
    if not r.has_rules:
        return dict.fromkeys(RULE_COLUMNS, "")
    return {
        "catalog_max_points": round_half_up(r.full_max or 0.0),
        "not_applicable": " ".join(r.not_applicable_codes),
        "base_index": round_half_up(r.base_index or 0.0),
        "bonus_points": round_half_up(r.bonus),
        "penalty_points": round_half_up(r.penalty),
        "class": r.band.label if r.band is not None else "",
    }


def _csv_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _fmt(value)
    return value


def ranking_csv(rank_rows: Sequence[RankRow], names: Mapping[str, str]) -> str:
    """:func:`ranking_rows` as CSV (booleans as true/false, empty rank as an empty cell)."""
    out = io.StringIO()
    writer = dict_writer(out, ranking_columns(rank_rows))
    writer.writeheader()
    for record in ranking_rows(rank_rows, names):
        writer.writerow({k: _csv_value(v) for k, v in record.items()})
    return out.getvalue()


def ranking_json(rank_rows: Sequence[RankRow], names: Mapping[str, str]) -> str:
    """:func:`ranking_rows` as a JSON array (an empty rank or area as null)."""
    records = [
        {
            k: (None if v == "" and k not in ("unit_name", "not_applicable") else v)
            for k, v in record.items()
        }
        for record in ranking_rows(rank_rows, names)
    ]
    return json.dumps(records, ensure_ascii=False, indent=2)


def _previous_year_note(codes: Sequence[str], *, units: bool) -> str:
    listing = ", ".join(codes)
    if units:
        return PREVIOUS_YEAR_NOTE.format(
            what=f"của các đơn vị {listing}", what_en=f"of the units {listing}"
        )
    return PREVIOUS_YEAR_NOTE.format(what=f"(tiêu chí {listing})", what_en=f"(criteria {listing})")


def score_workbook(
    catalogs: Sequence[Catalog],
    scores: Sequence[UnitScore],
    rank_rows: Sequence[RankRow],
    names: Mapping[str, str],
    points: Mapping[str, Mapping[str, LeafPoints | tuple[Any, Any, Any]]],
    notes: Sequence[str],
    *,
    type_names: Mapping[str, str] | None = None,
    target: Path | None = None,
) -> bytes:
    """The results workbook: a ranking sheet per unit type, then a score sheet per unit.

    Ranking sheets ("Xếp hạng <type>") list rank, unit, total, maximum, index and the areas'
    component indices, with ``notes`` under the title. Unit sheets (named by the unit code) have
    the appendix's shape: STT, Nội dung, Điểm tối đa, Điểm tự đánh giá, Điểm đạt được (from
    ``points`` for the leaves, the unit's score above them), Ghi chú, Nguồn; a total row; the
    index and the rank. Every sheet of an illustrative catalog carries its warning, and a note
    says when a unit's Ministry survey points are last year's. A score whose unit type has no
    catalog is a ValueError (a programming error, not a bad file).

    Written sheet by sheet (:class:`StreamBook`, bounded memory) to ``target`` when given (then
    the bytes are empty), else in memory and returned.
    """
    from survey_app.par.files.stream_book import StreamBook  # openpyxl: for a workbook only

    book = StreamBook(target)
    _score_workbook_into(book, catalogs, scores, rank_rows, names, points, notes, type_names)
    book.close()
    return b"" if target is not None else book.getvalue()


def _score_workbook_into(
    book: Any,
    catalogs: Sequence[Catalog],
    scores: Sequence[UnitScore],
    rank_rows: Sequence[RankRow],
    names: Mapping[str, str],
    points: Mapping[str, Mapping[str, LeafPoints | tuple[Any, Any, Any]]],
    notes: Sequence[str],
    type_names: Mapping[str, str] | None,
) -> None:
    """:func:`score_workbook`'s sheets into ``book``: anything with openpyxl's ``create_sheet``
    (a :class:`StreamBook`, or an openpyxl ``Workbook`` as the tests' reference)."""
    by_type = {c.unit_type: c for c in catalogs}
    for s in scores:
        if s.unit_type not in by_type:
            raise ValueError(
                vi_en(
                    "chưa có khung điểm cho loại đơn vị %(unit_type)r của đơn vị %(unit)r",
                    unit_type=s.unit_type,
                    unit=s.unit_code,
                )
            )
    types = list(dict.fromkeys([c.unit_type for c in catalogs] + [r.unit_type for r in rank_rows]))
    if not types:  # nothing scored: one sheet that says so (a workbook needs a sheet)
        writer = _SheetWriter(book.create_sheet("Ghi chú"), 1, [100])
        writer.line(vi_en_of(NOTHING_SCORED), "title")
        for text in notes:
            writer.line(text, "note")
        return
    taken: set[str] = set()
    records = {r["unit_code"]: r for r in ranking_rows(rank_rows, names)}
    areas = _areas_of(rank_rows)
    for unit_type in types:
        catalog = by_type.get(unit_type)
        rows = [r for r in rank_rows if r.unit_type == unit_type]
        ruled = any(r.has_rules for r in rows)
        extra = list(RULE_HEADER) if ruled else []
        header = [
            "Hạng",
            "Mã đơn vị",
            "Tên đơn vị",
            "Tổng điểm",
            "Điểm tối đa (tiêu chí áp dụng)" if ruled else "Điểm tối đa",
            "Chỉ số CCHC (%)",
            *(f"Lĩnh vực {code} (%)" for code in areas),
            *extra,
            "Ghi chú",
        ]
        widths = [7, 12, 40, 10, 10, 12, *([11] * len(areas)), *([12] * len(extra)), 36]
        sheet = book.create_sheet(sheet_title(f"Xếp hạng {unit_type}", taken))
        writer = _SheetWriter(sheet, len(header), widths)
        previous = [r.unit_code for r in rows if r.from_previous_year]
        note = _previous_year_note(previous, units=True) if previous else None
        if catalog is not None:
            _heading(
                writer,
                catalog,
                type_names,
                title=RANKING_TITLE,
                previous_year=note,
                notes=notes,
            )
        else:
            writer.line(
                RANKING_TITLE.format(year="", unit_type=_type_name(unit_type, type_names)),
                "title",
            )
            if any(r.illustrative for r in rows):
                writer.line(f"{WARNING_MARK} (danh mục minh họa — illustrative catalog)", "warning")
            if note:
                writer.line(note, "note")
            for text in notes:
                writer.line(text, "note")
        writer.header(header)
        for r in rows:
            record = records[r.unit_code]
            remarks = []
            if not r.ranked:
                remarks.append(NOT_RANKED)
            if r.from_previous_year:
                remarks.append("điều tra BNV năm trước")
            if r.not_applicable:
                remarks.append(f"không áp dụng: {', '.join(r.not_applicable_codes)}")
            row = writer.values(
                [
                    record["rank"] if record["rank"] != "" else None,
                    r.unit_code,
                    record["unit_name"],
                    record["total_points"],
                    record["max_points"],
                    record["index"],
                    *(
                        record[f"area_{code}"] if record[f"area_{code}"] != "" else None
                        for code in areas
                    ),
                    *(
                        (
                            record["base_index"],
                            record["bonus_points"],
                            record["penalty_points"],
                            record["class"] or None,
                        )
                        if ruled
                        else ()
                    ),
                    "; ".join(remarks) or None,
                ]
            )
            for col in range(4, 7 + len(areas) + (3 if ruled else 0)):
                sheet.cell(row, col).number_format = _POINTS_FORMAT
    ordered = [r.unit_code for r in rank_rows]
    by_unit = {s.unit_code: s for s in scores}
    for code in list(dict.fromkeys(ordered + [s.unit_code for s in scores])):
        score = by_unit.get(code)
        if score is not None:
            rank = records[code]["rank"] if code in records else ""
            _unit_sheet(
                book, taken, by_type[score.unit_type], score, rank, names, points, type_names
            )


def _unit_sheet(
    book: Any,
    taken: set[str],
    catalog: Catalog,
    score: UnitScore,
    rank: object,
    names: Mapping[str, str],
    points: Mapping[str, Mapping[str, LeafPoints | tuple[Any, Any, Any]]],
    type_names: Mapping[str, str] | None,
) -> None:
    unit = score.unit_code
    leaves = points.get(unit, {})
    previous = list(score.from_previous_year)
    writer = _SheetWriter(book.create_sheet(sheet_title(unit, taken)), 7, _WIDTHS)
    _heading(
        writer,
        catalog,
        type_names,
        extra=(f"Đơn vị: {names.get(unit, unit)}", f"Mã đơn vị: {unit}"),
        previous_year=_previous_year_note(previous, units=False) if previous else None,
    )

    skipped = score.not_applicable

    def self_sum(code: str) -> float | None:
        values = [
            leaves.get(c.code, (None, None, ""))[0]
            for c in catalog.leaves_under(code)
            if c.code not in skipped
        ]
        if any(v is None for v in values):
            return None
        return math.fsum(float(v) for v in values if v is not None)

    def cells(c: Criterion, rows: Mapping[str, int]) -> tuple[object, object, object]:
        entry = leaves.get(c.code)
        note = entry[2] if entry is not None and entry[2] else None
        if c.code in score.from_previous_year:
            note = f"{PREVIOUS_YEAR_CELL}; {note}" if note else PREVIOUS_YEAR_CELL
        if c.code in skipped:
            return NOT_APPLICABLE_CELL, NOT_APPLICABLE_CELL, note
        if c.level == "area":
            final: object = score.areas[c.code].points
        elif c.code in score.criteria:
            final = score.criteria[c.code].points
        else:
            final = entry[1] if entry is not None else None
        return self_sum(c.code), final, note

    applicable = [c for c in catalog.leaves if c.code not in skipped]
    total_self = math.fsum(float(leaves[c.code][0] or 0) for c in applicable if c.code in leaves)
    complete = all(c.code in leaves and leaves[c.code][0] is not None for c in applicable)
    _table(writer, catalog, cells, (total_self if complete else None, score.total))
    index_self = round_half_up(100 * total_self / score.max) if complete and score.max else None
    rules = catalog.rules
    if rules is not None:
        _rule_rows(writer, rules, score, leaves, index_self)
        index_self = None  # the unit's own index after its claimed bonus is not computed
    writer.values(["", "Chỉ số CCHC (%)", 100, index_self, round_half_up(score.index)], bold=True)
    for col in (3, 4, 5):
        writer.sheet.cell(writer.row, col).number_format = _POINTS_FORMAT
    rank_text = NOT_RANKED if not score.ranked or rank == "" else rank
    writer.values(["", "Xếp hạng trong nhóm", None, None, rank_text], bold=True)
    if rules is not None and rules.bands:
        band = score.band.label if score.band is not None else "chưa xếp loại"
        legend = ", ".join(f"≥ {_fmt(b.min_index)} %: {b.label}" for b in rules.bands)
        writer.values(["", "Xếp loại", None, None, band, legend], bold=True)


def _rule_rows(
    writer: _SheetWriter,
    rules: Rules,
    score: UnitScore,
    leaves: Mapping[str, LeafPoints | tuple[Any, ...]],
    index_self: float | None,
) -> None:
    """Below the total: the applicable maximum, the index before bonus and penalty, one row per
    bonus and penalty item (STT = the item's code, read back as its points), their totals."""
    rows: list[list[object]] = [
        ["", "Điểm tối đa của các tiêu chí áp dụng", score.max, None, score.max],
        ["", "Chỉ số trước điểm thưởng, điểm trừ (%)", 100, index_self, score.base_index],
    ]
    for kind, items, cap, counted in (
        ("Điểm thưởng", rules.bonus, rules.bonus_cap, score.bonus),
        ("Điểm trừ", rules.penalty, rules.penalty_cap, score.penalty),
    ):
        for item in items:
            entry = leaves.get(item.code)
            own = entry[0] if entry is not None else None
            final = entry[1] if entry is not None else None
            rows.append([item.code, f"{kind}: {item.name}", item.max_points, own, final])
        if items:
            cap_text = f" (tối đa {_fmt(cap)})" if cap is not None else ""
            rows.append(["", f"{kind} được tính{cap_text}", cap, None, counted])
    for values in rows:
        writer.values(values, bold=not values[0])
        for col in (3, 4, 5):
            writer.sheet.cell(writer.row, col).number_format = _POINTS_FORMAT
