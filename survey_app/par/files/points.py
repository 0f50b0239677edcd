"""Points files: reads units' points from CSV and from appendix workbooks, writes a unit's
points template (XLSX), and checks points against the catalogs (check_points)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any, Literal, NamedTuple

from scoring_bridge import Catalog, Criterion, Problem, UnitPoints, check_unit_points
from scoring_bridge.problems import num
from scoring_bridge.rules import ADJUSTMENT_CODE
from survey_app.i18n import N_, text_in, vi_en
from survey_app.par.bridge_words import translated
from survey_app.par.files.common import (
    NOT_APPLICABLE_CELL,
    CsvSource,
    _below_zero,
    _check_header,
    _not_applicable,
    _number,
    _read_csv,
)
from survey_app.par.files.messages import (
    code_missing,
    did_you_mean,
    fill_or_delete,
    given_again,
    number_hint,
    one_row_per_unit_and_code,
    points_fault,
    sheet_points_fault,
)
from survey_app.par.files.sheets import (
    _CODE_TEXT,
    _WIDTHS,
    _Appendix,
    _heading,
    _new_book,
    _open_workbook,
    _safe_read,
    _save,
    _SheetWriter,
    _stt_code,
    _table,
    sheet_title,
    stt_hint,
    styles,
)

POINTS_COLUMNS = ("unit_code", "code", "self_points", "final_points", "note")
_UNIT_LABEL = "mã đơn vị"


class LeafPoints(NamedTuple):
    """A unit's points for one scored leaf as read from a file: (self, final, note), and
    whether a points cell marks it not applicable ("Không áp dụng": then both are None)."""

    self_points: float | None
    final_points: float | None
    note: str
    not_applicable: bool = False


PointsByUnit = dict[str, dict[str, LeafPoints]]
"""unit_code → criterion code → :class:`LeafPoints` (what the points readers give)."""


def read_points_csv(source: CsvSource) -> tuple[PointsByUnit, list[Problem]]:
    """Points from a CSV ``unit_code,code,self_points,final_points,note``.

    Either points column may be left out or empty (a self-assessment has no final points yet);
    numbers may use a decimal comma. Checks against the catalog are :func:`check_points`'.
    Read by columns (:mod:`points_columns`) when pyarrow reads the file as ``csv`` would, else
    row by row (:func:`_read_points_rows`, the reference): the same result and messages.
    """
    from survey_app.par.files.points_columns import read_points_columns

    found = read_points_columns(source)
    return found if found is not None else _read_points_rows(source)


ScoringPoints = tuple[
    dict[str, dict[str, float]], dict[str, dict[str, float | None]], dict[str, set[str]]
]
"""(final points, self points, leaves marked not applicable) per unit, as scoring takes them."""


def scoring_points(given: PointsByUnit) -> ScoringPoints:
    """``given`` split as scoring takes it: final points where given, self points of the leaves
    not marked not applicable, and the marked leaves (units with none left out)."""
    final = {
        unit: {leaf: p.final_points for leaf, p in leaves.items() if p.final_points is not None}
        for unit, leaves in given.items()
    }
    own = {
        unit: {leaf: p.self_points for leaf, p in leaves.items() if not p.not_applicable}
        for unit, leaves in given.items()
    }
    marks = {
        unit: {leaf for leaf, p in leaves.items() if p.not_applicable}
        for unit, leaves in given.items()
    }
    return final, own, {unit: codes for unit, codes in marks.items() if codes}


def read_scoring_points(source: CsvSource) -> tuple[ScoringPoints, list[Problem]]:
    """:func:`scoring_points` of :func:`read_points_csv`'s, and its problems; by columns
    straight into the dicts when the columnar reader reads the file (no object per row)."""
    from survey_app.par.files.points_columns import read_points_maps

    found = read_points_maps(source)
    if found is not None:
        final, own, problems = found
        return (final, own, {}), problems
    given, problems = _read_points_rows(source)
    return scoring_points(given), problems


def _read_points_rows(source: CsvSource) -> tuple[PointsByUnit, list[Problem]]:
    """:func:`read_points_csv` row by row (``csv.DictReader``, every cell cleaned)."""
    header, rows, problems = _read_csv(source)
    if not header:
        return {}, problems
    _check_header(header, ("unit_code", "code"), ("self_points", "final_points", "note"), problems)
    if not {"self_points", "final_points"} & set(header):
        problems.append(
            Problem(
                "row 1, column final_points",
                vi_en("tệp không có cột self_points hay final_points"),
                None,
                vi_en("các cột là: %(columns)s", columns=",".join(POINTS_COLUMNS)),
            )
        )
    if problems:
        return {}, problems
    out: PointsByUnit = {}
    first_row: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        bad = False
        unit, code = row.get("unit_code", ""), row.get("code", "")
        for column, value in (("unit_code", unit), ("code", code)):
            if not value:
                bad = True
                problems.append(
                    Problem(
                        f"row {number}, column {column}",
                        code_missing(column),
                        code or None,
                        fill_or_delete(),
                    )
                )
        values: dict[str, float | None] = {}
        marked = False
        for column in ("self_points", "final_points"):
            raw = row.get(column, "")
            if _not_applicable(raw):
                marked, values[column] = True, None
                continue
            value, fault = _number(raw)
            if fault is None and value is not None and value < 0:
                fault = _below_zero(value)
            if fault:
                bad = True
                problems.append(
                    Problem(
                        f"row {number}, column {column}",
                        points_fault(fault, column, unit, code),
                        code or None,
                        number_hint(),
                    )
                )
            values[column] = value
        if unit and code:
            key = (unit, code)
            if key in first_row:
                bad = True
                problems.append(
                    Problem(
                        f"row {number}, column code",
                        given_again(unit, code, first_row[key]),
                        code,
                        one_row_per_unit_and_code(),
                    )
                )
            else:
                first_row[key] = number
        if marked and (values["self_points"] is not None or values["final_points"] is not None):
            bad = True
            problems.append(_half_marked(f"row {number}", unit, code))
        if not bad:
            out.setdefault(unit, {})[code] = LeafPoints(
                values["self_points"], values["final_points"], row.get("note", ""), marked
            )
    return out, problems


def _half_marked(where: str, unit: str, code: str) -> Problem:
    return Problem(
        where,
        vi_en(
            "đơn vị %(unit)r, tiêu chí %(code)r: một ô điểm ghi %(mark)r còn ô kia có điểm",
            unit=unit,
            code=code,
            mark=NOT_APPLICABLE_CELL,
        ),
        code or None,
        vi_en("ghi %(mark)r vào cả hai ô, hoặc điểm vào cả hai ô", mark=NOT_APPLICABLE_CELL),
    )


Basis = Literal["final", "self"]
_BASIS_LABEL = {
    "final": N_("điểm đạt được (final points)"),
    "self": N_("điểm tự đánh giá (self-assessed points)"),
}
"""The points a check is about (message ids: said in the messages' languages)."""


def _with_label(msgid: str, basis: Basis, **values: object) -> str:
    """``msgid`` with ``%(label)s`` the points of ``basis``, each language with its own."""
    label = _BASIS_LABEL[basis]
    return " / ".join(
        text_in(language, msgid, label=text_in(language, label), **values)
        for language in ("vi", "en")
    )


def _points_problem(
    p: Problem, unit: str, catalog: Catalog, up: UnitPoints, basis: Basis
) -> Problem:
    """A scoring_bridge problem of ``check_unit_points`` said with unit, code, value, maximum."""
    code = p.code
    if code is None:
        return translated(replace(p, location=f"unit {unit}"))
    where = f"unit {unit}, code {code}"
    if "last year's" in p.message:  # from_previous_year names a leaf that is not ministry_survey
        return translated(replace(p, location=where))
    leaves = [c.code for c in catalog.leaves]
    if " / " in p.message:  # the rules' problems, already in Vietnamese and English
        return replace(p, location=where)
    if code not in catalog:
        return Problem(
            where,
            vi_en(
                "đơn vị %(unit)r: %(code)r không phải mã tiêu chí của khung điểm %(unit_type)s",
                unit=unit,
                code=code,
                unit_type=catalog.unit_type,
            ),
            code,
            did_you_mean(code, leaves) or vi_en("sửa mã, hoặc xóa dòng"),
        )
    c = catalog.get(code)
    top = num(c.max_points)
    if not catalog.is_leaf(code) and code in up.points:
        subs = ", ".join(x.code for x in catalog.leaves_under(code))
        return Problem(
            where,
            vi_en(
                "đơn vị %(unit)r: %(code)r (%(name)s) không chấm điểm trực tiếp; điểm của nó là "
                "tổng của %(subs)s (giá trị đã ghi: %(value)s)",
                unit=unit,
                code=code,
                name=c.name,
                subs=subs,
                value=num(float(up.points[code])),
            ),
            code,
            vi_en("cho điểm %(subs)s và xóa dòng của %(code)r", subs=subs, code=code),
        )
    if catalog.is_leaf(code) and code not in up.points:
        return Problem(
            where,
            _with_label(
                N_("đơn vị %(unit)r: chưa có %(label)s của %(code)r (%(name)s, tối đa %(top)s)"),
                basis,
                unit=unit,
                code=code,
                name=c.name,
                top=top,
            ),
            code,
            vi_en("thêm điểm của %(code)r, từ 0 đến %(top)s", code=code, top=top),
        )
    value = up.points.get(code)
    if isinstance(value, int | float) and value > c.max_points:
        return _above(where, unit, code, c.name, basis, value, c.max_points)
    if isinstance(value, int | float) and value < 0:
        return Problem(
            where,
            _with_label(
                N_("đơn vị %(unit)r, tiêu chí %(code)r: %(label)s %(value)s nhỏ hơn 0"),
                basis,
                unit=unit,
                code=code,
                value=num(value),
            ),
            code,
            vi_en("nhập một giá trị từ 0 đến %(top)s", top=top),
        )
    return translated(replace(p, location=where))


def _above(
    where: str, unit: str, code: str, name: str, basis: Basis, value: float, top: float
) -> Problem:
    """Points of ``basis`` above the criterion's maximum."""
    return Problem(
        where,
        _with_label(
            N_(
                "đơn vị %(unit)r, tiêu chí %(code)r (%(name)s): %(label)s %(value)s vượt mức tối "
                "đa %(top)s"
            ),
            basis,
            unit=unit,
            code=code,
            name=name,
            value=num(value),
            top=num(top),
        ),
        code,
        vi_en("nhập một giá trị từ 0 đến %(top)s", top=num(top)),
    )


def _marked(entry: LeafPoints | tuple[Any, ...]) -> bool:
    return len(entry) > 3 and bool(entry[3])


def check_points(
    points: Mapping[str, Mapping[str, LeafPoints | tuple[Any, Any, Any]]],
    catalogs_by_type: Mapping[str, Catalog],
    unit_types: Mapping[str, str],
    ranked: Mapping[str, bool],
    *,
    basis: Basis = "final",
    previous_year: Mapping[str, Collection[str]] | None = None,
) -> tuple[list[UnitPoints], list[Problem]]:
    """The units' points ready for ``score_units``, and every problem in readable form.

    Scores use the ``final`` points (``basis="self"``: the self-assessment); the other column is
    still checked against the maxima. ``previous_year`` names, per unit, the ``ministry_survey``
    leaves whose points are last year's. A unit missing from ``ranked`` is ranked. Only units
    without problems are returned.
    """
    problems: list[Problem] = []
    units: list[UnitPoints] = []
    previous_year = previous_year or {}
    for unit, leaves in points.items():
        unit_type = unit_types.get(unit)
        if unit_type is None:
            problems.append(
                Problem(
                    f"unit {unit}",
                    vi_en("đơn vị %(unit)r không có trong danh sách đơn vị", unit=unit),
                    None,
                    did_you_mean(unit, unit_types)
                    or vi_en("thêm đơn vị vào tệp đơn vị, hoặc sửa mã đơn vị"),
                )
            )
            continue
        catalog = catalogs_by_type.get(unit_type)
        if catalog is None:
            problems.append(
                Problem(
                    f"unit {unit}",
                    vi_en(
                        "chưa có khung điểm cho loại đơn vị %(unit_type)r của đơn vị %(unit)r",
                        unit_type=unit_type,
                        unit=unit,
                    ),
                    None,
                    did_you_mean(unit_type, catalogs_by_type)
                    or vi_en("hãy nhập khung điểm %(unit_type)s trước", unit_type=unit_type),
                )
            )
            continue
        index = 1 if basis == "final" else 0
        values = {code: entry[index] for code, entry in leaves.items() if entry[index] is not None}
        marked = frozenset(code for code, entry in leaves.items() if _marked(entry))
        up = UnitPoints(
            unit,
            unit_type,
            bool(ranked.get(unit, True)),
            values,
            frozenset(previous_year.get(unit, ())),
            marked,
        )
        found = [
            _points_problem(p, unit, catalog, up, basis) for p in check_unit_points(catalog, up)
        ]
        other: Basis = "self" if basis == "final" else "final"
        for code, entry in leaves.items():
            value = entry[1 - index]
            if code in catalog and isinstance(value, int | float):
                top = catalog.get(code).max_points
                if value > top:
                    found.append(
                        _above(
                            f"unit {unit}, code {code}",
                            unit,
                            code,
                            catalog.get(code).name,
                            other,
                            value,
                            top,
                        )
                    )
        if found:
            problems += found
        else:
            units.append(up)
    return units, problems


def points_xlsx_template(
    catalog: Catalog,
    unit_code: str,
    unit_name: str,
    *,
    type_names: Mapping[str, str] | None = None,
) -> bytes:
    """An appendix sheet for one unit to fill in (Điểm tự đánh giá, Điểm đạt được).

    The sheet is named by the unit code and says "Mã đơn vị: <code>" above the header (read back
    by :func:`read_points_xlsx`); scored leaves have yellow input cells, areas, criteria with
    sub-criteria and the total are sums (formulas).
    """
    book = _new_book()
    writer = _SheetWriter(book.create_sheet(sheet_title(unit_code, set())), 7, _WIDTHS)
    _heading(
        writer,
        catalog,
        type_names,
        extra=(
            f"Đơn vị: {unit_name}",
            f"Mã đơn vị: {unit_code}",
            "Nhập điểm vào các ô màu vàng (tiêu chí thành phần và tiêu chí không có tiêu chí "
            "thành phần); dòng lĩnh vực, tiêu chí và tổng cộng tự cộng.",
        ),
    )

    def cells(c: Criterion, rows: Mapping[str, int]) -> tuple[object, object, object]:
        if catalog.is_leaf(c.code):
            return None, None, None
        kids = catalog.children(c.code)
        self_sum, final_sum = ("=" + "+".join(f"{col}{rows[k.code]}" for k in kids) for col in "DE")
        return self_sum, final_sum, None

    area_rows = [catalog.criteria.index(a) for a in catalog.areas]
    first = writer.row + 2  # the row after the header
    totals = tuple("=" + "+".join(f"{col}{first + i}" for i in area_rows) for col in ("D", "E"))
    _table(writer, catalog, cells, (totals[0], totals[1]), inputs=True)
    rules = catalog.rules
    if rules is not None:
        for kind, items in (("Điểm thưởng", rules.bonus), ("Điểm trừ", rules.penalty)):
            for item in items:
                writer.values([item.code, f"{kind}: {item.name}", item.max_points])
                for col in (4, 5):
                    writer.sheet.cell(writer.row, col).fill = styles().input_fill
        for rule in rules.not_applicable:
            writer.values(
                [
                    None,
                    f"Tiêu chí {rule.code} có thể không áp dụng ({rule.when}): ghi "
                    f"«{NOT_APPLICABLE_CELL}» vào ô điểm của các tiêu chí thành phần của nó.",
                ]
            )
    return _save(book)


def _leaf_codes(codes: Collection[str]) -> set[str]:
    """The scored leaves among the codes of a sheet: no area, no code with children."""
    parents = {code.rpartition(".")[0] for code in codes if "." in code}
    return {code for code in codes if "." in code and code not in parents}


def read_points_xlsx(data: bytes) -> tuple[PointsByUnit, list[Problem]]:
    """Points from appendix sheets, one per unit (as :func:`points_xlsx_template` makes them).

    The unit is the "Mã đơn vị:" line above the header, or else the sheet's name. Only the rows
    of scored leaves are read (areas and criteria with sub-criteria are sums); leaf rows with
    both points empty are left out. Sheets without a header row are ignored.
    """
    book, problem = _open_workbook(data)
    if problem is not None:
        return {}, [problem]
    out: PointsByUnit = {}
    problems: list[Problem] = []
    sheets = 0
    unit_sheet: dict[str, str] = {}
    try:
        for ws in book.worksheets:
            sheet, problem = _safe_read(ws)
            if problem is not None:
                problems.append(problem)
                sheets += 1
            if sheet is None:
                continue
            sheets += 1
            if not {"self", "final"} & set(sheet.columns):
                problems.append(
                    Problem(
                        sheet.where(sheet.header_row),
                        vi_en("dòng tiêu đề không có cột 'Điểm tự đánh giá' hay 'Điểm đạt được'"),
                        None,
                        vi_en("thêm các cột điểm sau cột 'Điểm tối đa'"),
                    )
                )
                continue
            unit = sheet.meta(_UNIT_LABEL) or sheet.name.strip()
            if unit in unit_sheet:
                problems.append(
                    Problem(
                        sheet.where(),
                        vi_en(
                            "đơn vị %(unit)r đã có trang %(sheet)r",
                            unit=unit,
                            sheet=unit_sheet[unit],
                        ),
                        None,
                        vi_en("mỗi đơn vị một trang"),
                    )
                )
                continue
            unit_sheet[unit] = sheet.name
            problems += _points_sheet(sheet, unit, out)
    finally:
        book.close()
    if not sheets:
        problems.append(
            Problem(
                "file",
                vi_en(
                    "không trang nào có dòng tiêu đề gồm STT, Nội dung, Điểm tự đánh giá, Điểm "
                    "đạt được"
                ),
                None,
                vi_en("hãy dùng mẫu nhập điểm của đơn vị"),
            )
        )
    return out, problems


def _points_sheet(sheet: _Appendix, unit: str, out: PointsByUnit) -> list[Problem]:
    problems: list[Problem] = []
    read: list[tuple[int, str, tuple[object, ...]]] = []
    items: list[tuple[int, str, tuple[object, ...]]] = []
    previous: str | None = None
    first_row: dict[str, int] = {}
    for number, values in sheet.rows:
        stt = sheet.cell(values, "stt")
        if stt is None:
            continue  # the total row, blank rows, lines below the table
        code, message = _stt_code(stt, previous)
        if message or code is None:
            problems.append(
                Problem(
                    sheet.where(number, "stt"), message or vi_en("không có mã"), None, stt_hint()
                )
            )
            continue
        if ADJUSTMENT_CODE.fullmatch(code) and code not in first_row:
            first_row[code] = number  # a bonus or penalty item (the catalog's rules check it)
            items.append((number, code, values))
            continue
        if not _CODE_TEXT.fullmatch(code):
            problems.append(
                Problem(
                    sheet.where(number, "stt"),
                    vi_en("STT %(code)r không phải mã tiêu chí", code=code),
                    None,
                    vi_en("viết như '8', '8.1' hoặc '8.1.1'"),
                )
            )
            continue
        previous = code
        if code in first_row:
            problems.append(
                Problem(
                    sheet.where(number, "stt"),
                    vi_en(
                        "đơn vị %(unit)r: tiêu chí %(code)r có hai lần (lần đầu ở dòng %(row)s)",
                        unit=unit,
                        code=code,
                        row=first_row[code],
                    ),
                    code,
                    vi_en("mỗi tiêu chí một dòng"),
                )
            )
            continue
        first_row[code] = number
        read.append((number, code, values))
    leaves = _leaf_codes(first_row) | {code for _, code, _ in items}
    for number, code, values in read + items:
        if code not in leaves:
            continue
        points: list[float | None] = []
        bad = marked = False
        for key in ("self", "final"):
            if _not_applicable(sheet.cell(values, key)):
                marked = True
                points.append(None)
                continue
            value, fault = _number(sheet.cell(values, key))
            if fault is None and value is not None and value < 0:
                fault = _below_zero(value)
            if fault:
                bad = True
                problems.append(
                    Problem(
                        sheet.where(number, key),
                        sheet_points_fault(fault, unit, code),
                        code,
                        number_hint(),
                    )
                )
            points.append(value)
        note = sheet.cell(values, "note")
        if marked and (points[0] is not None or points[1] is not None):
            bad = True
            problems.append(_half_marked(sheet.where(number, "final"), unit, code))
        if not bad and (marked or points[0] is not None or points[1] is not None):
            out.setdefault(unit, {})[code] = LeafPoints(
                points[0], points[1], "" if note is None else str(note), marked
            )
    return problems
