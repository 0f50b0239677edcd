"""Catalog files: writes and reads a PAR-index catalog as CSV (the catalog_to_rows columns) and as
the appendix workbook (one sheet per unit type)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from scoring_bridge import (
    LEVELS,
    ROW_COLUMNS,
    Catalog,
    LoadResult,
    Problem,
    Split,
    catalog_from_rows,
    catalog_to_data,
    catalog_to_rows,
    load_catalog_data,
)
from scoring_bridge.problems import UNIT_TYPE_RE, UNREADABLE, Problems, read_json
from survey_app.i18n import vi_en
from survey_app.par.bridge_words import translated_result
from survey_app.par.files.common import (
    CsvSource,
    _fmt,
    _label,
    _merge,
    _read_csv,
    _shipped_type_names,
)
from survey_app.par.files.messages import did_you_mean
from survey_app.par.files.sheets import (
    _CODE_TEXT,
    _HEADER_SCAN,
    _WIDTHS,
    APPENDIX_HEADER,
    WARNING_MARK,
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
)
from survey_app.spreadsheets import dict_writer

_DECISION_LINE = re.compile(r"\(kèm theo (?P<value>.+)\)", re.IGNORECASE)
_VERSION_LABEL = "phiên bản danh mục"
_YEAR_IN_TITLE = re.compile(r"\bNĂM\s+(\d{4})\b", re.IGNORECASE)
_SOURCE_ALIASES = {
    _label(alias): source
    for source, aliases in {
        "appraisal": ("appraisal", "thẩm định", "tự đánh giá, thẩm định"),
        "ministry_survey": (
            "ministry_survey",
            "điều tra xã hội học",
            "điều tra xhh",
            "điều tra của bộ nội vụ",
            "bộ nội vụ",
        ),
        "district_offices": (
            "district_offices",
            "phòng ban cấp huyện",
            "ý kiến các phòng ban cấp huyện",
        ),
        "sipas": ("sipas", "khảo sát sipas", "chỉ số hài lòng (sipas)"),
    }.items()
    for alias in aliases
}
_COLUMN_OF = {
    "code": "stt",
    "level": "stt",
    "parent": "stt",
    "name": "name",
    "max_points": "max",
    "source": "source",
}
_ROW_COLUMN = re.compile(r"row (\d+), column (\w+)")


def catalog_csv(catalog: Catalog | Sequence[Catalog]) -> str:
    """The catalog(s) as CSV with the columns ``unit_type,code,parent,level,name,max_points,
    source`` (``catalog_to_rows``); several catalogs go one after the other in one file."""
    catalogs = [catalog] if isinstance(catalog, Catalog) else list(catalog)
    out = io.StringIO()
    writer = dict_writer(out, ROW_COLUMNS)
    writer.writeheader()
    for item in catalogs:
        for row in catalog_to_rows(item):
            writer.writerow(row | {"max_points": _fmt(row["max_points"])})
    return out.getvalue()


def read_catalog_csv(
    source: CsvSource,
    *,
    year: int,
    unit_type: str | None = None,
    version: int = 1,
    split: tuple[float, float] | None = None,
    illustrative: bool = False,
    note: str = "",
    decision: str = "",
) -> LoadResult[Catalog]:
    """The catalog of one unit type from a catalog CSV (``catalog_from_rows`` checks it all).

    ``unit_type`` may be left out when the file's ``unit_type`` column names a single type; rows
    of other types are skipped when it is given.
    """
    header, rows, problems = _read_csv(source)
    if not header:
        return LoadResult(None, tuple(problems))
    if unit_type is None:
        found = list(dict.fromkeys(r.get("unit_type", "") for r in rows if r.get("unit_type")))
        if "unit_type" not in header:
            problems.append(
                Problem(
                    "row 1, column unit_type",
                    vi_en("tệp không có cột unit_type nên không biết loại đơn vị"),
                    None,
                    vi_en("thêm cột unit_type (ví dụ department) hoặc chọn loại đơn vị"),
                )
            )
        elif len(found) != 1:
            problems.append(
                Problem(
                    "column unit_type",
                    vi_en(
                        "tệp có %(count)s loại đơn vị (%(types)s)",
                        count=len(found),
                        types=", ".join(found),
                    )
                    if found
                    else vi_en("tệp không ghi loại đơn vị nào"),
                    None,
                    vi_en("chọn loại đơn vị, hoặc nhập mọi khung điểm của tệp cùng lúc"),
                )
            )
        if "unit_type" not in header or len(found) != 1:
            return LoadResult(None, tuple(problems))
        unit_type = found[0]
    result = catalog_from_rows(
        unit_type,
        rows,
        year=year,
        version=version,
        split=split,
        illustrative=illustrative,
        note=note,
        decision=decision,
    )
    return _merge(result, problems)


def read_catalogs_csv(
    source: CsvSource,
    *,
    year: int,
    version: int = 1,
    split: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,
    illustrative: bool = False,
    note: str = "",
    decision: str = "",
) -> dict[str, LoadResult[Catalog]]:
    """Every catalog of a CSV holding several unit types: unit type → its LoadResult.

    ``split`` may differ by type (a mapping). Problems of the whole file (unreadable, no
    ``unit_type`` column, rows without a unit type) are under the key ``""``.
    """
    header, rows, problems = _read_csv(source)
    if header and "unit_type" not in header:
        problems.append(
            Problem(
                "row 1, column unit_type",
                vi_en("thiếu cột bắt buộc %(column)r", column="unit_type"),
                None,
                did_you_mean("unit_type", header)
                or vi_en("hãy thêm cột này: department, district, commune, …"),
            )
        )
    if not header or "unit_type" not in header:
        return {"": LoadResult(None, tuple(problems))}
    kept: list[dict[str, str]] = []
    for number, row in enumerate(rows, start=2):
        if not row.get("unit_type") and any(row.values()):
            problems.append(
                Problem(
                    f"row {number}, column unit_type",
                    vi_en("loại đơn vị của %(code)r trống", code=row["code"])
                    if row.get("code")
                    else vi_en("loại đơn vị của dòng này trống"),
                    row.get("code") or None,
                    vi_en("ghi loại đơn vị, ví dụ department"),
                )
            )
            kept.append({})
        else:
            kept.append(row)
    types = list(dict.fromkeys(r["unit_type"] for r in kept if r.get("unit_type")))
    out: dict[str, LoadResult[Catalog]] = {}
    if problems or not types:
        if not types and not problems:
            problems.append(
                Problem(
                    "file", vi_en("tệp không có dòng nào"), None, vi_en("hãy thêm các tiêu chí")
                )
            )
        out[""] = LoadResult(None, tuple(problems))
    for unit_type in types:
        type_split = split.get(unit_type) if isinstance(split, Mapping) else split
        out[unit_type] = _merge(
            catalog_from_rows(
                unit_type,
                kept,
                year=year,
                version=version,
                split=type_split,
                illustrative=illustrative,
                note=note,
                decision=decision,
            )
        )
    return out


def catalogs_json(catalogs: Sequence[Catalog]) -> str:
    """The catalogs as a JSON array of catalog objects, rules included (the only catalog form
    that carries a province's rules; :func:`read_catalogs_json` reads it back)."""
    return json.dumps([catalog_to_data(c) for c in catalogs], ensure_ascii=False, indent=1)


def read_catalogs_json(data: bytes | str, *, year: int) -> dict[str, LoadResult[Catalog]]:
    """Catalogs from JSON (one catalog object, or an array of them) as the shipped files are,
    with their rules: unit type → its LoadResult; problems of the whole file under ``""``.
    Each catalog must be of ``year``."""
    out = Problems()
    parsed = read_json(data, out)
    if parsed is UNREADABLE:
        return {"": translated_result(out.result(None))}
    items = parsed if isinstance(parsed, list) else [parsed]
    found: dict[str, LoadResult[Catalog]] = {}
    for i, item in enumerate(items):
        where = f"[{i}]" if isinstance(parsed, list) else ""
        result = translated_result(load_catalog_data(item))
        if where:
            result = result.located_in(where)
        catalog = result.value
        key = catalog.unit_type if catalog is not None else (where or "")
        if catalog is not None and catalog.year != year:
            result = LoadResult(
                None,
                (
                    Problem(
                        f"{where}.year" if where else "year",
                        vi_en(
                            "khung điểm năm %(found)s, không phải năm %(year)s đang nhập",
                            found=catalog.year,
                            year=year,
                        ),
                    ),
                ),
            )
        if key in found:
            result = LoadResult(
                None,
                (Problem(where, vi_en("khung điểm thứ hai cho %(key)r trong tệp", key=key)),),
            )
        found[key] = result
    if not found:
        found[""] = LoadResult(None, (Problem("", vi_en("tệp không có khung điểm nào")),))
    return found


def catalog_xlsx(
    catalogs: Sequence[Catalog], *, type_names: Mapping[str, str] | None = None
) -> bytes:
    """The catalogs as an appendix workbook: one sheet per unit type, named by its code.

    ``type_names`` (unit type → name for the title) defaults to survey_app/data/unit_types.csv.
    """
    book = _new_book()
    taken: set[str] = set()
    for catalog in catalogs:
        writer = _SheetWriter(book.create_sheet(sheet_title(catalog.unit_type, taken)), 7, _WIDTHS)
        _heading(writer, catalog, type_names)
        _table(writer, catalog)
    return _save(book)


def _relocate(problems: Iterable[Problem], sheet: _Appendix) -> tuple[Problem, ...]:
    """``row 9, column max_points`` → ``sheet 'x', row 9, column C (Điểm tối đa)``."""
    out = []
    for p in problems:
        match = _ROW_COLUMN.fullmatch(p.location)
        if match and match[2] in _COLUMN_OF:
            where = sheet.where(int(match[1]), _COLUMN_OF[match[2]])
        else:
            where = f"{sheet.where()}, {p.location}" if p.location else sheet.where()
        out.append(replace(p, location=where))
    return tuple(out)


def _catalog_sheet(sheet: _Appendix, unit_type: str, year: int) -> LoadResult[Catalog]:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for key in ("name", "max", "source"):
        if key not in sheet.columns:
            problems.append(
                Problem(
                    sheet.where(sheet.header_row),
                    vi_en("dòng tiêu đề không có cột %(column)r", column=APPENDIX_HEADER[key]),
                    None,
                    vi_en(
                        "hãy thêm cột; cột Nguồn ghi appraisal, ministry_survey, district_offices "
                        "hoặc sipas cho từng tiêu chí được chấm điểm"
                    )
                    if key == "source"
                    else vi_en(
                        "dòng tiêu đề gồm %(columns)s",
                        columns=", ".join(APPENDIX_HEADER.values()),
                    ),
                )
            )
    if problems:
        return LoadResult(None, tuple(problems))
    illustrative = False
    note = ""
    decision = ""
    version = 1
    for text in sheet.above:
        match = _YEAR_IN_TITLE.search(text)
        if match and int(match[1]) != year:
            warnings.append(
                Problem(
                    sheet.where(),
                    vi_en(
                        "tiêu đề ghi NĂM %(found)s nhưng khung điểm được nhập cho năm %(year)s",
                        found=match[1],
                        year=year,
                    ),
                    None,
                    vi_en("hãy kiểm tra năm"),
                )
            )
        if text.startswith(WARNING_MARK) or _label(text).startswith("⚠ minh họa"):
            illustrative = True
            note = text.removeprefix(WARNING_MARK).strip() or text
        decision_line = _DECISION_LINE.fullmatch(text)
        if decision_line:
            decision = decision_line["value"].strip()
    raw_version = sheet.meta(_VERSION_LABEL)
    if raw_version is not None:
        if raw_version.isdigit() and int(raw_version) >= 1:
            version = int(raw_version)
        else:
            problems.append(
                Problem(
                    sheet.where(),
                    vi_en(
                        "'Phiên bản danh mục: %(version)s' không phải số phiên bản",
                        version=raw_version,
                    ),
                    None,
                    vi_en("ghi một số nguyên ≥ 1, ví dụ 'Phiên bản danh mục: 2'"),
                )
            )
    rows: list[dict[str, object]] = []
    previous: str | None = None
    for number, values in sheet.rows:
        stt = sheet.cell(values, "stt")
        name = sheet.cell(values, "name")
        if stt is None and isinstance(name, str) and _label(name).startswith("tổng"):
            rows.append({})
            continue
        code, message = _stt_code(stt, previous)
        if message:
            problems.append(Problem(sheet.where(number, "stt"), message, None, stt_hint()))
            rows.append({})
            continue
        previous = code if code is not None and _CODE_TEXT.fullmatch(code) else previous
        source = sheet.cell(values, "source")
        if source is not None:
            source = _SOURCE_ALIASES.get(_label(source), source)
        row = {
            "code": code,
            "level": LEVELS[min(code.count("."), 2)] if code else None,
            "name": name,
            "max_points": sheet.cell(values, "max"),
            "source": source,
        }
        rows.append(row if any(v is not None for v in row.values()) else {})
    if problems:
        return LoadResult(None, tuple(problems), tuple(warnings))
    result = translated_result(
        catalog_from_rows(
            unit_type,
            rows,
            year=year,
            version=version,
            illustrative=illustrative,
            note=note,
            decision=decision,
            first_row=sheet.header_row + 1,
        )
    )
    result = LoadResult(
        result.value, _relocate(result.problems, sheet), _relocate(result.warnings, sheet)
    )
    if result.value is not None:
        catalog = result.value
        split = Split(
            catalog.leaf_total("appraisal"),
            catalog.leaf_total("ministry_survey", "district_offices", "sipas"),
        )
        result = LoadResult(replace(catalog, split=split), result.problems, result.warnings)
    return _merge(result, (), warnings)


def read_catalog_xlsx(data: bytes, *, year: int) -> dict[str, LoadResult[Catalog]]:
    """The catalogs of an appendix workbook: unit type (the sheet's name) → its LoadResult.

    Sheets without a header row (STT, Nội dung, Điểm tối đa, …) are ignored. Problems of the
    whole file are under the key ``""``; a catalog sheet whose name is not a unit type code is
    under its sheet name.
    """
    book, problem = _open_workbook(data)
    if problem is not None:
        return {"": LoadResult(None, (problem,))}
    out: dict[str, LoadResult[Catalog]] = {}
    try:
        for ws in book.worksheets:
            sheet, problem = _safe_read(ws)
            if problem is not None:
                out[str(ws.title)] = LoadResult(None, (problem,))
            if sheet is None:
                continue
            name = sheet.name.strip()
            if not UNIT_TYPE_RE.fullmatch(name):
                hint = did_you_mean(name.casefold(), _shipped_type_names())
                out[sheet.name] = LoadResult(
                    None,
                    (
                        Problem(
                            sheet.where(),
                            vi_en("tên trang %(name)r không phải mã loại đơn vị", name=sheet.name),
                            None,
                            hint or vi_en("đổi tên trang thành mã loại đơn vị, ví dụ department"),
                        ),
                    ),
                )
                continue
            out[name] = _catalog_sheet(sheet, name, year)
    finally:
        book.close()
    if not out:
        out[""] = LoadResult(
            None,
            (
                Problem(
                    "file",
                    vi_en("không trang nào có dòng tiêu đề gồm STT, Nội dung và Điểm tối đa"),
                    None,
                    vi_en(
                        "đặt dòng tiêu đề trong %(rows)s dòng đầu của mỗi trang", rows=_HEADER_SCAN
                    ),
                ),
            ),
        )
    return out
