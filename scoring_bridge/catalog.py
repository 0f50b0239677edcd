"""The PAR-index criteria catalog of one unit type and year, and its loader.

Decision 1877/QĐ-UBND (Vĩnh Long, 11/08/2023), mục III.1–3: each unit type is scored on 8 areas
(lĩnh vực), split into criteria (tiêu chí) and sub-criteria (tiêu chí thành phần), on a scale of
100 points, of which a fixed part is appraised (66, 66, 79) and the rest comes from sociological
surveys (34, 34, 21). Codes give the level: ``8`` is an area, ``8.1`` a criterion, ``8.1.1`` a
sub-criterion.

**Scored leaves**: every sub-criterion, and every criterion that has no sub-criteria (the decision
counts 3 criteria and 2 sub-criteria in the communes' area 4, so some criteria are scored
directly). Areas are never scored directly. Each leaf has a ``source``: ``appraisal`` (self-
assessed, then appraised by the council), ``ministry_survey`` (set by the council from the
Ministry of Home Affairs' sociological survey), ``district_offices`` (a commune's criteria the
decision has assessed "from the comments of the district's offices": entered by those appraisers,
never taken from last year's Ministry points) or ``sipas`` (criterion 8.1 only).

Loading runs in stages, read JSON → structure → meaning → build, and collects every problem
(:class:`~scoring_bridge.problems.LoadResult`); a catalog is built only when there are none.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, cast

from scoring_bridge._shipped import shipped_file, shipped_files
from scoring_bridge.problems import (
    TOLERANCE,
    UNIT_TYPE_RE,
    LoadResult,
    Problem,
    Problems,
    check_keys,
    did_you_mean,
    is_number,
    load_json_file,
    load_json_text,
    num,
    say,
    show,
)
from scoring_bridge.rules import Rules, load_rules_data, rules_to_data

Level = Literal["area", "criterion", "sub"]
Source = Literal["appraisal", "ministry_survey", "district_offices", "sipas"]

LEVELS: tuple[Level, ...] = ("area", "criterion", "sub")
SOURCES: tuple[Source, ...] = ("appraisal", "ministry_survey", "district_offices", "sipas")
SURVEY_SOURCES: frozenset[str] = frozenset({"ministry_survey", "district_offices", "sipas"})
SIPAS_CRITERION = "8.1"
TOTAL_POINTS = 100.0
ROW_COLUMNS: tuple[str, ...] = (
    "unit_type",
    "code",
    "parent",
    "level",
    "name",
    "max_points",
    "source",
)
"""The columns of the row (CSV/XLSX) form of a catalog, in order."""

_CODE = re.compile(r"[1-9][0-9]*(?:\.[1-9][0-9]*){0,2}")
_CODE_HINT = say("write it like '8' (area), '8.1' (criterion) or '8.1.1' (sub-criterion)")


def code_key(code: str) -> tuple[int, ...]:
    """Sort key of a code: ``"1.10"`` → ``(1, 10)``, after ``"1.9"``."""
    return tuple(int(part) for part in code.split("."))


def parent_code(code: str) -> str | None:
    """The code's parent by numbering: ``"8.1.2"`` → ``"8.1"``, ``"8"`` → None."""
    head, _, _ = code.rpartition(".")
    return head or None


@dataclass(frozen=True, slots=True)
class Criterion:
    """One node of the catalog: an area, a criterion or a sub-criterion.

    ``source`` is always set on scored leaves; on an area or a criterion with sub-criteria it is
    the source shared by all its leaves, or None when they are mixed.
    """

    code: str
    parent: str | None
    level: Level
    name: str
    max_points: float
    source: Source | None = None


class Split(NamedTuple):
    """Points from appraisal and from surveys (mục III.x.b: 66/34, 66/34, 79/21)."""

    appraisal: float
    survey: float


@dataclass(frozen=True)
class Catalog:
    """The criteria of one unit type and year (one of Phụ lục I, II, III of 1877/QĐ-UBND).

    ``illustrative`` is True when the points are a stand-in (the appendices are not public);
    every report built on such a catalog must say so. ``rules`` are the province's additions
    (not applicable criteria, bonus and penalty, classes: :mod:`scoring_bridge.rules`), None
    when the catalog has none (then the index is the decision's plain ratio). Build one with
    :func:`load_catalog` or the other loaders, which check everything; the constructor checks
    only what its indexes need.
    """

    unit_type: str
    year: int
    version: int
    illustrative: bool
    note: str
    split: Split | None
    criteria: tuple[Criterion, ...]
    sipas_criterion: str = SIPAS_CRITERION
    decision: str = ""
    rules: Rules | None = None
    _by_code: Mapping[str, Criterion] = field(init=False, repr=False, compare=False)
    _children: Mapping[str | None, tuple[Criterion, ...]] = field(
        init=False, repr=False, compare=False
    )
    _leaves: Mapping[str, tuple[Criterion, ...]] = field(init=False, repr=False, compare=False)
    _leaf_list: tuple[Criterion, ...] = field(init=False, repr=False, compare=False)
    _leaf_codes: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _leaf_max: Mapping[str, float] = field(init=False, repr=False, compare=False)
    _plan: tuple[tuple[tuple[str, tuple[str, ...], float], ...], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_code: dict[str, Criterion] = {}
        for c in self.criteria:
            if c.code in by_code:
                raise ValueError(f"criterion code {c.code!r} is given more than once")
            by_code[c.code] = c
        children: dict[str | None, list[Criterion]] = {}
        for c in self.criteria:
            if c.parent is not None and c.parent not in by_code:
                raise ValueError(f"the parent {c.parent!r} of {c.code!r} is not in the catalog")
            children.setdefault(c.parent, []).append(c)
        object.__setattr__(self, "_by_code", MappingProxyType(by_code))
        frozen = {k: tuple(v) for k, v in children.items()}
        object.__setattr__(self, "_children", MappingProxyType(frozen))
        leaves: dict[str, tuple[Criterion, ...]] = {}

        def collect(node: Criterion) -> tuple[Criterion, ...]:
            kids = frozen.get(node.code, ())
            if node.level != "area" and not kids:
                found: tuple[Criterion, ...] = (node,)
            else:
                found = tuple(leaf for kid in kids for leaf in collect(kid))
            leaves[node.code] = found
            return found

        for area in frozen.get(None, ()):
            collect(area)
        object.__setattr__(self, "_leaves", MappingProxyType(leaves))
        object.__setattr__(
            self,
            "_leaf_list",
            tuple(c for c in self.criteria if c.level != "area" and not frozen.get(c.code)),
        )
        codes = {code: tuple(c.code for c in found) for code, found in leaves.items()}
        object.__setattr__(self, "_leaf_codes", MappingProxyType(codes))
        tops = {code: math.fsum(c.max_points for c in found) for code, found in leaves.items()}
        tops[""] = math.fsum(c.max_points for c in self._leaf_list)
        object.__setattr__(self, "_leaf_max", MappingProxyType(tops))
        areas = tuple(
            (a.code, codes.get(a.code, ()), tops.get(a.code, 0.0)) for a in frozen.get(None, ())
        )
        criteria = tuple(
            (c.code, codes.get(c.code, ()), tops.get(c.code, 0.0))
            for c in self.criteria
            if c.level == "criterion"
        )
        object.__setattr__(self, "_plan", (areas, criteria))

    @property
    def by_code(self) -> Mapping[str, Criterion]:
        """Every node by its code."""
        return self._by_code

    def get(self, code: str) -> Criterion:
        """The node with this code; KeyError (with a did-you-mean) when there is none."""
        try:
            return self._by_code[code]
        except KeyError:
            hint = did_you_mean(code, self._by_code) or ""
            raise KeyError(f"no criterion {code!r} in the catalog {hint}".rstrip()) from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def areas(self) -> tuple[Criterion, ...]:
        """The areas (lĩnh vực), in catalog order."""
        return self._children.get(None, ())

    def children(self, code: str) -> tuple[Criterion, ...]:
        """The direct children of ``code`` (criteria of an area, sub-criteria of a criterion)."""
        self.get(code)
        return self._children.get(code, ())

    def is_leaf(self, code: str) -> bool:
        """True for a scored leaf: a sub-criterion or a criterion without sub-criteria."""
        return self.get(code).level != "area" and not self._children.get(code)

    @property
    def leaves(self) -> tuple[Criterion, ...]:
        """The scored leaves, in catalog order (the codes a unit's points are given for)."""
        return self._leaf_list

    subs = leaves
    """Alias of :attr:`leaves`: sub-criteria, plus criteria that have none."""

    @property
    def component_plan(
        self,
    ) -> tuple[tuple[tuple[str, tuple[str, ...], float], ...], ...]:
        """(areas, criteria): each as (code, its leaves' codes, ``max_under(code)``), in
        catalog order; what scoring needs of the catalog for every unit, computed once."""
        return self._plan

    def leaf_codes_under(self, code: str) -> tuple[str, ...]:
        """The codes of :meth:`leaves_under` (precomputed: scoring asks for them per unit)."""
        self.get(code)
        return self._leaf_codes.get(code, ())

    def max_under(self, code: str = "") -> float:
        """``math.fsum`` of the maxima of the leaves beneath ``code``; "" for every leaf."""
        if code:
            self.get(code)
        return self._leaf_max.get(code, 0.0)

    def leaves_under(self, code: str) -> tuple[Criterion, ...]:
        """The scored leaves beneath ``code`` (itself when it is a leaf)."""
        self.get(code)
        return self._leaves.get(code, ())

    def area_of(self, code: str) -> Criterion:
        """The area a node belongs to."""
        return self.get(code.split(".")[0])

    @property
    def total(self) -> float:
        """Σ of the areas' maxima (100 for a valid catalog)."""
        return math.fsum(a.max_points for a in self.areas)

    def leaf_total(self, *sources: str) -> float:
        """Σ of the maxima of the leaves with one of ``sources`` (all leaves when none given)."""
        wanted = set(sources) or set(SOURCES)
        return math.fsum(c.max_points for c in self.leaves if c.source in wanted)

    def counts(self) -> dict[str, tuple[int, int]]:
        """Area code → (number of criteria, number of sub-criteria), as the decision counts."""
        out: dict[str, tuple[int, int]] = {}
        for area in self.areas:
            criteria = self._children.get(area.code, ())
            subs = sum(len(self._children.get(c.code, ())) for c in criteria)
            out[area.code] = (len(criteria), subs)
        return out


# --- loading ------------------------------------------------------------------------------------


@dataclass
class _Entry:
    """One node as read from JSON or a row, before it is checked; None marks a bad value."""

    base: str  # "criteria[3]" or "row 5"
    is_row: bool
    code: str | None = None
    parent: str | None = None
    parent_bad: bool = False
    level: str | None = None
    name: str | None = None
    max_points: float | None = None
    source: str | None = None
    source_bad: bool = False

    def loc(self, key: str | None = None) -> str:
        if key is None:
            return self.base
        return f"{self.base}, column {key}" if self.is_row else f"{self.base}.{key}"


_TOP_REQUIRED = ("unit_type", "year", "version", "illustrative", "note", "split", "criteria")
_TOP_OPTIONAL = ("sipas_criterion", "decision", "rules")
_ENTRY_REQUIRED = ("code", "level", "name", "max_points")
_ENTRY_OPTIONAL = ("parent", "source")


def load_catalog(unit_type: str, year: int) -> LoadResult[Catalog]:
    """Load the shipped catalog ``scoring_bridge/data/catalogs/<year>/<unit_type>.json``."""
    item = shipped_file("catalogs", year, unit_type)
    if not item.is_file():
        shipped = shipped_catalogs()
        names = ", ".join(f"{y} {t}" for y, t in shipped) or "none"
        types = {t for _, t in shipped}
        hint = None if unit_type in types else did_you_mean(unit_type, types)
        return LoadResult(
            None,
            (
                Problem(
                    "",
                    say(
                        "no shipped catalog for unit type %(unit_type)r and year %(year)s",
                        unit_type=unit_type,
                        year=year,
                    ),
                    None,
                    hint or say("shipped: %(names)s", names=names),
                ),
            ),
        )
    name = f"catalogs/{year}/{unit_type}.json"
    result = load_catalog_text(item.read_bytes())
    if result.value is not None and (result.value.unit_type, result.value.year) != (
        unit_type,
        year,
    ):
        found = f"{result.value.unit_type!r}, {result.value.year}"
        problem = Problem(
            "", say("the file holds the catalog of %(found)s, not of its file name", found=found)
        )
        result = LoadResult(None, (problem,), result.warnings)
    return result.located_in(name)


def shipped_catalogs() -> tuple[tuple[int, str], ...]:
    """``(year, unit_type)`` of every shipped catalog, sorted."""
    return shipped_files("catalogs")


def load_catalog_file(path: str | os.PathLike[str]) -> LoadResult[Catalog]:
    """Read and load the catalog at ``path``; read errors are problems too."""
    return load_json_file(path, load_catalog_text)


def load_catalog_text(text: str | bytes) -> LoadResult[Catalog]:
    """Load a catalog from JSON text (bytes must be UTF-8)."""
    return load_json_text(text, load_catalog_data)


def load_catalog_data(data: object, *, out: Problems | None = None) -> LoadResult[Catalog]:
    """Check and build an already parsed catalog (a dict as from ``json.loads``)."""
    out = out if out is not None else Problems()
    if not isinstance(data, dict):
        out.add("", say("a catalog must be a JSON object, got %(type)s", type=type(data).__name__))
        return out.result(None)
    check_keys(data, "", say("catalog"), _TOP_REQUIRED, _TOP_OPTIONAL, out)
    header = _check_header(data, out)
    entries = _json_entries(data.get("criteria"), out)
    result = _finish(header, entries, out)
    if result.value is None or "rules" not in data:
        return result
    rules = load_rules_data(data["rules"], result.value, out)
    return out.result(replace(result.value, rules=rules))


def catalog_from_rows(
    unit_type: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    year: int,
    version: int = 1,
    split: tuple[float, float] | None = None,
    illustrative: bool = False,
    note: str = "",
    sipas_criterion: str = SIPAS_CRITERION,
    decision: str = "",
    first_row: int = 2,
) -> LoadResult[Catalog]:
    """Load the catalog of ``unit_type`` from rows with the columns :data:`ROW_COLUMNS`.

    Rows as a CSV or XLSX reader gives them (values are text or numbers); ``first_row`` is the
    spreadsheet row number of ``rows[0]`` (2 below a header row), used in every location. Rows of
    other unit types are skipped, so one sheet may hold every unit type; blank rows are skipped.
    ``max_points`` may use a decimal comma (``1,25``). A blank ``parent`` is taken from the code.
    """
    out = Problems()
    header_data: dict[str, Any] = {
        "unit_type": unit_type,
        "year": year,
        "version": version,
        "illustrative": illustrative,
        "note": note,
        "split": None if split is None else _split_as_data(split),
        "sipas_criterion": sipas_criterion,
        "decision": decision,
    }
    header = _check_header(header_data, out)
    entries = _row_entries(unit_type, rows, first_row, out)
    return _finish(header, entries, out)


def catalog_to_rows(catalog: Catalog) -> list[dict[str, Any]]:
    """The catalog as rows with the columns :data:`ROW_COLUMNS` (inverse of catalog_from_rows).

    ``parent`` is ``""`` for areas; ``source`` is given on scored leaves only.
    """
    return [
        {
            "unit_type": catalog.unit_type,
            "code": c.code,
            "parent": c.parent or "",
            "level": c.level,
            "name": c.name,
            "max_points": c.max_points,
            "source": (c.source or "") if catalog.is_leaf(c.code) else "",
        }
        for c in catalog.criteria
    ]


def catalog_to_data(catalog: Catalog) -> dict[str, Any]:
    """The catalog as the JSON object :func:`load_catalog_data` reads."""
    criteria: list[dict[str, Any]] = []
    for c in catalog.criteria:
        entry: dict[str, Any] = {"code": c.code}
        if c.parent is not None:
            entry["parent"] = c.parent
        entry |= {"level": c.level, "name": c.name, "max_points": c.max_points}
        if catalog.is_leaf(c.code):
            entry["source"] = c.source
        criteria.append(entry)
    split = catalog.split
    return {
        "unit_type": catalog.unit_type,
        "year": catalog.year,
        "version": catalog.version,
        "decision": catalog.decision,
        "illustrative": catalog.illustrative,
        "note": catalog.note,
        "split": None if split is None else {"appraisal": split[0], "survey": split[1]},
        "sipas_criterion": catalog.sipas_criterion,
        "criteria": criteria,
    } | ({} if catalog.rules is None else {"rules": rules_to_data(catalog.rules)})


def _split_as_data(split: object) -> object:
    if isinstance(split, Sequence) and not isinstance(split, str) and len(split) == 2:
        return {"appraisal": split[0], "survey": split[1]}
    return split


# --- stage 2: structure -----------------------------------------------------------------------


def _check_header(data: Mapping[str, Any], out: Problems) -> dict[str, Any] | None:
    """Check the catalog's own fields; the cleaned values, or None if any is bad."""
    bad = False
    unit_type = data.get("unit_type")
    if "unit_type" in data and not (
        isinstance(unit_type, str) and UNIT_TYPE_RE.fullmatch(unit_type)
    ):
        out.add(
            "unit_type",
            say("unit_type %(value)s must be a code like 'department'", value=show(unit_type)),
        )
        bad = True
    year = data.get("year")
    if "year" in data and not (
        isinstance(year, int) and not isinstance(year, bool) and 1990 <= year <= 2100
    ):
        out.add(
            "year", say("year %(value)s must be a whole number from 1990 to 2100", value=show(year))
        )
        bad = True
    version = data.get("version")
    if "version" in data and not (
        isinstance(version, int) and not isinstance(version, bool) and version >= 1
    ):
        out.add("version", say("version %(value)s must be a whole number ≥ 1", value=show(version)))
        bad = True
    illustrative = data.get("illustrative")
    if "illustrative" in data and not isinstance(illustrative, bool):
        out.add(
            "illustrative",
            say("illustrative %(value)s must be true or false", value=show(illustrative)),
        )
        bad = True
    note = data.get("note")
    if "note" in data and not isinstance(note, str):
        out.add("note", say("note %(value)s must be a string", value=show(note)))
        bad = True
    elif "note" in data and illustrative is True and not cast(str, note).strip():
        out.add("note", say("an illustrative catalog needs a note saying what is illustrative"))
        bad = True
    decision = data.get("decision", "")
    if not isinstance(decision, str):
        out.add("decision", say("decision %(value)s must be a string", value=show(decision)))
        bad = True
    sipas = data.get("sipas_criterion", SIPAS_CRITERION)
    if not (isinstance(sipas, str) and _CODE.fullmatch(sipas) and sipas.count(".") == 1):
        out.add(
            "sipas_criterion",
            say("sipas_criterion %(value)s must be a criterion code like '8.1'", value=show(sipas)),
        )
        bad = True
    split = _check_split(data.get("split"), out) if "split" in data else None
    if split is _BAD:
        bad = True
    if bad or any(k not in data for k in ("unit_type", "year", "version", "illustrative", "note")):
        return None
    return {
        "unit_type": unit_type,
        "year": year,
        "version": version,
        "illustrative": illustrative,
        "note": unicodedata.normalize("NFC", cast(str, note)),
        "split": split,
        "sipas_criterion": sipas,
        "decision": unicodedata.normalize("NFC", decision),
    }


_BAD: Any = object()


def _check_split(value: object, out: Problems) -> Split | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        out.add(
            "split",
            say("split %(value)s must be null or {'appraisal': …, 'survey': …}", value=show(value)),
        )
        return _BAD
    check_keys(value, "split", say("split"), ("appraisal", "survey"), (), out)
    parts: list[float] = []
    for key in ("appraisal", "survey"):
        part = value.get(key)
        if key in value and not (is_number(part) and part >= 0):
            out.add(
                f"split.{key}",
                say("%(key)s %(value)s must be a number ≥ 0", key=key, value=show(part)),
            )
        elif key in value:
            parts.append(float(part))
    if len(parts) != 2 or len(value) != 2:
        return _BAD
    if abs(math.fsum(parts) - TOTAL_POINTS) > TOLERANCE:
        out.add(
            "split",
            say(
                "the split %(appraisal)s + %(survey)s = %(total)s, not 100",
                appraisal=num(parts[0]),
                survey=num(parts[1]),
                total=num(math.fsum(parts)),
            ),
        )
        return _BAD
    return Split(parts[0], parts[1])


def _json_entries(value: object, out: Problems) -> list[_Entry]:
    if value is None:
        return []
    if not isinstance(value, list) or not value:
        out.add(
            "criteria", say("criteria must be a non-empty array of areas, criteria, sub-criteria")
        )
        return []
    entries = []
    for i, item in enumerate(value):
        entry = _Entry(f"criteria[{i}]", is_row=False)
        entries.append(entry)
        if not isinstance(item, dict):
            out.add(
                entry.loc(), say("each entry must be an object, got %(value)s", value=show(item))
            )
            continue
        code = item.get("code") if isinstance(item.get("code"), str) else None
        check_keys(item, entry.loc(), say("criterion"), _ENTRY_REQUIRED, _ENTRY_OPTIONAL, out, code)
        _fill_entry(entry, item, out)
    return entries


def _fill_entry(entry: _Entry, item: Mapping[str, Any], out: Problems) -> None:
    """Check one node's values (from JSON or a parsed row) and store the good ones."""
    code = item.get("code")
    if "code" in item:
        if isinstance(code, str) and _CODE.fullmatch(code):
            entry.code = code
        else:
            out.add(
                entry.loc("code"),
                say("code %(value)s is not a criterion code", value=show(code)),
                None,
                _CODE_HINT,
            )
    c = entry.code
    level = item.get("level")
    if "level" in item:
        if level in LEVELS:
            entry.level = level
        else:
            hint = did_you_mean(level, LEVELS) if isinstance(level, str) else None
            out.add(
                entry.loc("level"),
                say("level %(value)s must be one of 'area', 'criterion', 'sub'", value=show(level)),
                c,
                hint,
            )
    name = item.get("name")
    if "name" in item:
        if isinstance(name, str) and name.strip():
            entry.name = unicodedata.normalize("NFC", name.strip())
        else:
            out.add(
                entry.loc("name"),
                say("name %(value)s must be a non-empty text", value=show(name)),
                c,
            )
    points = item.get("max_points")
    if "max_points" in item:
        if is_number(points) and points > 0:
            entry.max_points = float(points)
        else:
            out.add(
                entry.loc("max_points"),
                say("max_points %(value)s must be a number > 0", value=show(points)),
                c,
            )
    parent = item.get("parent")
    if parent is not None:
        if isinstance(parent, str) and _CODE.fullmatch(parent):
            entry.parent = parent
        else:
            entry.parent_bad = True
            out.add(
                entry.loc("parent"),
                say("parent %(value)s is not a criterion code", value=show(parent)),
                c,
                _CODE_HINT,
            )
    source = item.get("source")
    if source is not None:
        if source in SOURCES:
            entry.source = source
        else:
            entry.source_bad = True
            hint = did_you_mean(source, SOURCES) if isinstance(source, str) else None
            out.add(
                entry.loc("source"),
                say(
                    "source %(value)s must be one of 'appraisal', 'ministry_survey', "
                    "'district_offices', 'sipas'",
                    value=show(source),
                ),
                c,
                hint,
            )


def _row_entries(
    unit_type: str, rows: Sequence[Mapping[str, Any]], first_row: int, out: Problems
) -> list[_Entry]:
    """Parse rows into entries: text cells stripped, blank cells as absent, numbers parsed."""
    columns: list[str] = []
    for row in rows:
        if isinstance(row, Mapping):
            columns += [str(k) for k in row if str(k) not in columns]
    missing = [c for c in ("code", "level", "name", "max_points") if c not in columns]
    for column in missing:
        out.add(
            "columns",
            say("missing column %(column)r", column=column),
            None,
            did_you_mean(column, columns)
            or say("the columns are: %(columns)s", columns=", ".join(ROW_COLUMNS)),
        )
    for column in columns:
        if column not in ROW_COLUMNS:
            hint = did_you_mean(column, ROW_COLUMNS)
            out.warn(
                "columns", say("unknown column %(column)r is ignored", column=column), None, hint
            )
    if missing:
        return []
    entries: list[_Entry] = []
    other_types: set[str] = set()
    for i, row in enumerate(rows):
        base = f"row {first_row + i}"
        if not isinstance(row, Mapping):
            out.add(
                base, say("a row must map column names to values, got %(value)s", value=show(row))
            )
            continue
        cells = {str(k): _cell(v) for k, v in row.items()}
        if all(v is None for v in cells.values()):
            continue
        entry = _Entry(base, is_row=True)
        if "unit_type" in columns:
            row_type = cells.get("unit_type")
            if row_type is None:
                out.add(
                    entry.loc("unit_type"),
                    say("unit_type is empty; write %(unit_type)r", unit_type=unit_type),
                )
                continue
            if row_type != unit_type:
                other_types.add(str(row_type))
                continue
        entries.append(entry)
        item: dict[str, Any] = {}
        for key in ("code", "parent"):
            value = cells.get(key)
            if isinstance(value, float):
                out.add(
                    entry.loc(key),
                    say(
                        "%(key)s %(value)s is a number; store codes as text (1.10 and 1.1 are "
                        "different codes)",
                        key=key,
                        value=show(value),
                    ),
                )
                if key == "parent":
                    entry.parent_bad = True
            elif isinstance(value, int):
                item[key] = str(value)
            elif value is not None:
                item[key] = value
        for key in ("level", "name", "source"):
            if cells.get(key) is not None:
                item[key] = cells[key]
        points = cells.get("max_points")
        if points is not None:
            item["max_points"] = _parse_number(points)
        for key in ("code", "level", "name", "max_points"):
            if cells.get(key) is None:
                out.add(entry.loc(key), say("%(key)s is empty", key=key), item.get("code"))
        _fill_entry(entry, item, out)
    if not entries and not out.problems:
        found = sorted(other_types)
        hint = did_you_mean(unit_type, found) or (
            say("the rows name: %(types)s", types=", ".join(found)) if found else None
        )
        out.add("rows", say("no rows for unit type %(unit_type)r", unit_type=unit_type), None, hint)
    return entries


def _cell(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _parse_number(value: object) -> object:
    """``"1,25"`` or ``"1.25"`` → 1.25; numbers as they are; anything else unchanged (bad)."""
    if isinstance(value, str):
        text = value.replace(" ", "")
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        try:
            return float(text)
        except ValueError:
            return value
    return value


# --- stage 3: meaning ---------------------------------------------------------------------


_LEVEL_MISMATCH = {
    "area": lambda **v: say(
        "level %(level)r does not match the code %(code)r: a code with 1 part is an 'area'", **v
    ),
    "criterion": lambda **v: say(
        "level %(level)r does not match the code %(code)r: a code with 2 parts is a 'criterion'",
        **v,
    ),
    "sub": lambda **v: say(
        "level %(level)r does not match the code %(code)r: a code with 3 parts is a 'sub'", **v
    ),
}
"""What a level that does not match its code's depth says, by the level the code gives."""


def _check_meaning(
    header: Mapping[str, Any] | None, entries: list[_Entry], out: Problems
) -> dict[str, _Entry]:
    """Check codes, levels, parents, sources and sums; the nodes by code."""
    nodes: dict[str, _Entry] = {}
    uncertain: set[str | None] = set()  # parents whose children's sum cannot be checked
    for e in entries:
        if e.code is None:
            continue
        if e.code in nodes:
            first = nodes[e.code].loc()
            out.add(
                e.loc("code"),
                say("duplicate code %(code)r: already used at %(first)s", code=e.code, first=first),
                e.code,
            )
            uncertain.add(parent_code(e.code))
            continue
        nodes[e.code] = e

    children: dict[str | None, list[_Entry]] = {}
    orphans: set[str] = set()
    for code, e in nodes.items():
        depth = code.count(".") + 1
        expected_level = LEVELS[depth - 1]
        if e.level is not None and e.level != expected_level:
            out.add(
                e.loc("level"),
                _LEVEL_MISMATCH[expected_level](level=e.level, code=code),
                code,
            )
        expected_parent = parent_code(code)
        if e.parent is not None and e.parent != expected_parent:
            if expected_parent is None:
                out.add(
                    e.loc("parent"),
                    say("an area has no parent; got %(parent)r", parent=e.parent),
                    code,
                )
            else:
                out.add(
                    e.loc("parent"),
                    say(
                        "parent %(parent)r does not match the code %(code)r: its parent is "
                        "%(expected)r",
                        parent=e.parent,
                        code=code,
                        expected=expected_parent,
                    ),
                    code,
                )
        if expected_parent is not None and expected_parent not in nodes:
            out.add(
                e.loc("parent"),
                say(
                    "the parent %(parent)r of %(code)r is not in the catalog",
                    parent=expected_parent,
                    code=code,
                ),
                code,
                say("add the area %(parent)r, or correct the code", parent=expected_parent)
                if depth == 2
                else say(
                    "add the criterion %(parent)r, or correct the code", parent=expected_parent
                ),
            )
            orphans.add(code)
            continue
        children.setdefault(expected_parent, []).append(e)

    def is_leaf(code: str) -> bool:
        return "." in code and not children.get(code)

    def leaves_under(code: str) -> list[_Entry]:
        if is_leaf(code):
            return [nodes[code]]
        return [leaf for c in children.get(code, []) for leaf in leaves_under(c.code or "")]

    reachable = [e for code, e in nodes.items() if code not in orphans]
    sipas = header["sipas_criterion"] if header else SIPAS_CRITERION
    for e in reachable:
        code = cast(str, e.code)
        kids = children.get(code, [])
        if "." not in code and not kids:
            out.add(e.loc(), say("area %(code)r has no criteria", code=code), code)
        if code.count(".") == 1 and len(kids) == 1:
            out.warn(
                e.loc(),
                say(
                    "criterion %(code)r has a single sub-criterion %(sub)r",
                    code=code,
                    sub=kids[0].code,
                ),
                code,
                say("score the criterion directly, or add its other sub-criteria"),
            )
        if is_leaf(code):
            if e.source is None and not e.source_bad:
                out.add(
                    e.loc("source"),
                    say(
                        "%(code)r is a scored leaf, so it needs a source: 'appraisal', "
                        "'ministry_survey', 'district_offices' or 'sipas'",
                        code=code,
                    ),
                    code,
                )
            in_sipas = code == sipas or code.startswith(sipas + ".")
            if e.source == "sipas" and not in_sipas:
                out.add(
                    e.loc("source"),
                    say(
                        "%(code)r has source 'sipas', which only criterion %(sipas)r and its "
                        "sub-criteria may have",
                        code=code,
                        sipas=sipas,
                    ),
                    code,
                )
            elif in_sipas and e.source is not None and e.source != "sipas":
                out.add(
                    e.loc("source"),
                    say(
                        "criterion %(sipas)r is scored from SIPAS, so its source must be 'sipas', "
                        "not %(source)r",
                        sipas=sipas,
                        source=e.source,
                    )
                    if code == sipas
                    else say(
                        "criterion %(sipas)r is scored from SIPAS, so the source of %(code)r must "
                        "be 'sipas', not %(source)r",
                        sipas=sipas,
                        code=code,
                        source=e.source,
                    ),
                    code,
                )
        elif e.source is not None:
            other = next(
                (x for x in leaves_under(code) if x.source is not None and x.source != e.source),
                None,
            )
            if other is not None:
                out.add(
                    e.loc("source"),
                    say(
                        "source %(source)r of %(code)r disagrees with its leaf %(leaf)r "
                        "(%(leaf_source)r)",
                        source=e.source,
                        code=code,
                        leaf=other.code,
                        leaf_source=other.source,
                    ),
                    code,
                    say("leave the source empty above the leaves, or make them agree"),
                )
        if kids and code not in uncertain and e.max_points is not None:
            maxima = [k.max_points for k in kids]
            if all(m is not None for m in maxima):
                total = math.fsum(cast(list[float], maxima))
                if abs(total - e.max_points) > TOLERANCE:
                    out.add(
                        e.loc("max_points"),
                        say(
                            "the maxima of the children of %(code)r add up to %(total)s, not its "
                            "maximum %(maximum)s",
                            code=code,
                            total=num(total),
                            maximum=num(e.max_points),
                        ),
                        code,
                    )
    if sipas not in nodes and nodes:
        out.warn(
            "sipas_criterion",
            say("there is no criterion %(code)r: SIPAS results will not be scored", code=sipas),
        )

    areas = children.get(None, [])
    area_maxima = [a.max_points for a in areas]
    if areas and None not in uncertain and all(m is not None for m in area_maxima):
        total = math.fsum(cast(list[float], area_maxima))
        if abs(total - TOTAL_POINTS) > TOLERANCE:
            out.add(
                "criteria", say("the areas' maxima add up to %(total)s, not 100", total=num(total))
            )

    split = header["split"] if header else None
    leaves = [e for e in reachable if is_leaf(cast(str, e.code))]
    if (
        split is not None
        and leaves
        and not uncertain
        and not any(e.max_points is None or e.source is None for e in leaves)
    ):
        appraisal = math.fsum(cast(float, e.max_points) for e in leaves if e.source == "appraisal")
        survey = math.fsum(cast(float, e.max_points) for e in leaves if e.source in SURVEY_SOURCES)
        for key, got, want in (
            ("appraisal", appraisal, split.appraisal),
            ("survey", survey, split.survey),
        ):
            if abs(got - want) > TOLERANCE:
                values = {"got": num(got), "want": num(want)}
                out.add(
                    f"split.{key}",
                    say(
                        "the appraisal leaves add up to %(got)s points, not the split's %(want)s",
                        **values,
                    )
                    if key == "appraisal"
                    else say(
                        "the survey leaves (ministry_survey + sipas + …) add up to %(got)s "
                        "points, not the split's %(want)s",
                        **values,
                    ),
                    None,
                    say("check the source of each leaf"),
                )
    return nodes


# --- stage 4: build ---------------------------------------------------------------------------


def _finish(
    header: dict[str, Any] | None, entries: list[_Entry], out: Problems
) -> LoadResult[Catalog]:
    nodes = _check_meaning(header, entries, out)
    if out.problems or header is None or not entries:
        if not out.problems:
            out.add("criteria", say("the catalog has no criteria"))
        return out.result(None)
    return out.result(_build(header, nodes))


def _build(header: Mapping[str, Any], nodes: Mapping[str, _Entry]) -> Catalog:
    ordered = sorted(nodes, key=code_key)
    kids: dict[str, list[str]] = {}
    for code in ordered:
        parent = parent_code(code)
        if parent is not None:
            kids.setdefault(parent, []).append(code)

    def leaf_sources(code: str) -> set[str]:
        if code not in kids:
            return {cast(str, nodes[code].source)}
        return set().union(*(leaf_sources(k) for k in kids[code]))

    criteria = []
    for code in ordered:
        e = nodes[code]
        sources = leaf_sources(code)
        criteria.append(
            Criterion(
                code=code,
                parent=parent_code(code),
                level=LEVELS[code.count(".")],
                name=cast(str, e.name),
                max_points=cast(float, e.max_points),
                source=cast(Source, sources.pop()) if len(sources) == 1 else None,
            )
        )
    return Catalog(
        unit_type=header["unit_type"],
        year=header["year"],
        version=header["version"],
        illustrative=header["illustrative"],
        note=header["note"],
        split=header["split"],
        criteria=tuple(criteria),
        sipas_criterion=header["sipas_criterion"],
        decision=header["decision"],
    )
