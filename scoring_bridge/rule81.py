"""Criterion 8.1: the rule that turns a unit's SIPAS result into points, as data.

Decision 1877/QĐ-UBND, mục III.1.c (and III.2.c, III.3.c): criterion 8.1 "Kết quả chỉ số hài
lòng (SIPAS)" is scored by the appraisal council from the provincial SIPAS survey. Neither its
maximum nor the rule is public (sipas-methodology.md §1), so both are data per unit type and year
(``scoring_bridge/data/rules81/<year>/<unit_type>.json``), with three methods:

* ``proportional``: points = max × S / 100;
* ``bands``: the points of the highest band whose ``min_index`` ≤ S (0 below the lowest band);
* ``linear``: points = max × (S − floor) / (ceiling − floor), clamped to [0, max].

S is the unit's SIPAS estimate, or the lower bound of its confidence interval when the rule
``feeds`` on ``ci_low`` (a prudent council may want that), optionally rounded half-up to
``figure_decimals`` first (as published). Every method is non-decreasing in S.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Literal, cast

from scoring_bridge._shipped import shipped_file, shipped_files
from scoring_bridge.catalog import Catalog
from scoring_bridge.problems import (
    TOLERANCE,
    UNIT_TYPE_RE,
    LoadResult,
    Problem,
    Problems,
    ProblemsError,
    check_keys,
    did_you_mean,
    is_number,
    load_json_file,
    load_json_text,
    num,
    round_half_up,
    say,
    show,
)

Method = Literal["proportional", "bands", "linear"]
Feeds = Literal["estimate", "ci_low"]
METHODS: tuple[Method, ...] = ("proportional", "bands", "linear")
FEEDS: tuple[Feeds, ...] = ("estimate", "ci_low")


@dataclass(frozen=True, slots=True)
class Band:
    """A SIPAS figure ≥ ``min_index`` (percent) gives ``points`` (unless a higher band applies)."""

    min_index: float
    points: float


@dataclass(frozen=True, slots=True)
class SipasFigure:
    """A unit's SIPAS result in percent: the estimate and its confidence interval."""

    estimate: float
    ci_low: float
    ci_high: float

    def __post_init__(self) -> None:
        values = (self.estimate, self.ci_low, self.ci_high)
        if not all(is_number(v) and 0 <= v <= 100 for v in values):
            raise ValueError(f"SIPAS figures must be numbers from 0 to 100; got {values}")
        if not self.ci_low <= self.estimate <= self.ci_high:
            raise ValueError(
                f"SIPAS interval ({num(self.ci_low)}, {num(self.ci_high)}) does not contain "
                f"the estimate {num(self.estimate)}"
            )


@dataclass(frozen=True, slots=True)
class Points81:
    """Points of criterion 8.1, the rule and figure that gave them (one line, vi | en)."""

    points: float
    rule_text: str
    figure_used: float
    feeds: Feeds


@dataclass(frozen=True, slots=True)
class Rule81:
    """The 8.1 rule of one unit type and year; checked on construction (ProblemsError)."""

    criterion: str
    unit_type: str
    year: int
    method: Method
    max_points: float
    bands: tuple[Band, ...] = ()
    floor: float | None = None
    ceiling: float | None = None
    feeds: Feeds = "estimate"
    illustrative: bool = False
    note: str = ""
    version: int = 1
    figure_decimals: int | None = None

    def __post_init__(self) -> None:
        out = Problems()
        _check_rule(self, out)
        if out.problems:
            raise ProblemsError(out.problems)

    @property
    def text(self) -> str:
        """The rule in one line, Vietnamese then English."""
        return _rule_text(self)


def points_81(rule: Rule81, sipas: SipasFigure | Sequence[float]) -> Points81:
    """Points of criterion 8.1 for one unit's SIPAS result under ``rule``.

    proportional: max × S/100; bands: points of the highest band with min_index ≤ S, else 0;
    linear: 0 at S ≤ floor, max at S ≥ ceiling, max × (S − floor)/(ceiling − floor) between.
    """
    if not isinstance(sipas, SipasFigure):
        if not (isinstance(sipas, Sequence) and len(sipas) == 3):
            raise ValueError(f"sipas must be SipasFigure(estimate, ci_low, ci_high), got {sipas!r}")
        sipas = SipasFigure(*sipas)
    figure = float(getattr(sipas, rule.feeds))
    if rule.figure_decimals is not None:
        figure = round_half_up(figure, rule.figure_decimals)
    top = rule.max_points
    if rule.method == "proportional":
        points = top * (figure / 100)
    elif rule.method == "bands":
        points = 0.0
        for band in rule.bands:
            if figure >= band.min_index:
                points = band.points
    else:
        low, high = cast(float, rule.floor), cast(float, rule.ceiling)
        if figure <= low:
            points = 0.0
        elif figure >= high:
            points = top
        else:
            points = top * ((figure - low) / (high - low))
    points = float(min(top, max(0.0, points)))
    vi, en = _rule_text(rule).split(" | ")
    what_vi, what_en = _FEEDS_TEXT[rule.feeds]
    text = (
        f"{vi}; {what_vi} = {_vi(figure)} % → {_vi(points)} điểm | "
        f"{en}; {what_en} = {_en(figure)}% → {_en(points)} points"
    )
    return Points81(points, text, figure, rule.feeds)


def check_rule81(rule: Rule81, catalog: Catalog) -> tuple[Problem, ...]:
    """Problems between a rule and the catalog it scores (unit type, year, criterion, maximum)."""
    out = Problems()
    what = say("the %(year)s %(unit_type)s catalog", year=catalog.year, unit_type=catalog.unit_type)
    if rule.unit_type != catalog.unit_type:
        out.add(
            "unit_type",
            say(
                "the rule is for %(rule)r, the catalog for %(catalog)r",
                rule=rule.unit_type,
                catalog=catalog.unit_type,
            ),
        )
    if rule.year != catalog.year:
        out.add(
            "year",
            say(
                "the rule is for %(rule)s, the catalog for %(catalog)s",
                rule=rule.year,
                catalog=catalog.year,
            ),
        )
    code = rule.criterion
    if code not in catalog:
        out.add(
            "criterion",
            say("criterion %(code)r is not in %(what)s", code=code, what=what),
            code,
            say("the SIPAS criterion of this catalog is %(sipas)r", sipas=catalog.sipas_criterion),
        )
        return tuple(out.problems)
    node = catalog.get(code)
    if not catalog.is_leaf(code):
        out.add(
            "criterion",
            say(
                "criterion %(code)r has sub-criteria in %(what)s; the rule scores one leaf",
                code=code,
                what=what,
            ),
            code,
        )
    elif node.source != "sipas":
        out.add(
            "criterion",
            say(
                "criterion %(code)r has source %(source)r in %(what)s, not 'sipas'",
                code=code,
                source=node.source,
                what=what,
            ),
            code,
        )
    if abs(rule.max_points - node.max_points) > TOLERANCE:
        out.add(
            "max_points",
            say(
                "the rule gives up to %(points)s points but criterion %(code)r of %(what)s has a "
                "maximum of %(maximum)s",
                points=num(rule.max_points),
                code=code,
                what=what,
                maximum=num(node.max_points),
            ),
            code,
        )
    return tuple(out.problems)


# --- loading --------------------------------------------------------------------------------

_REQUIRED = ("criterion", "unit_type", "year", "method", "max_points")
_OPTIONAL = (
    "version",
    "bands",
    "floor",
    "ceiling",
    "feeds",
    "figure_decimals",
    "illustrative",
    "note",
)


def load_rule81(unit_type: str, year: int) -> LoadResult[Rule81]:
    """Load the shipped rule ``scoring_bridge/data/rules81/<year>/<unit_type>.json``."""
    item = shipped_file("rules81", year, unit_type)
    if not item.is_file():
        shipped = ", ".join(f"{y} {t}" for y, t in shipped_rules81()) or "none"
        problem = Problem(
            "",
            say(
                "no shipped 8.1 rule for unit type %(unit_type)r and year %(year)s",
                unit_type=unit_type,
                year=year,
            ),
            None,
            say("shipped: %(names)s", names=shipped),
        )
        return LoadResult(None, (problem,))
    result = load_rule81_text(item.read_bytes())
    rule = result.value
    if rule is not None and (rule.unit_type, rule.year) != (unit_type, year):
        found = f"{rule.unit_type!r}, {rule.year}"
        problem = Problem(
            "", say("the file holds the rule of %(found)s, not of its file name", found=found)
        )
        result = LoadResult(None, (problem,), result.warnings)
    return result.located_in(f"rules81/{year}/{unit_type}.json")


def shipped_rules81() -> tuple[tuple[int, str], ...]:
    """``(year, unit_type)`` of every shipped 8.1 rule, sorted."""
    return shipped_files("rules81")


def load_rule81_file(path: str | os.PathLike[str]) -> LoadResult[Rule81]:
    """Read and load the rule at ``path``; read errors are problems too."""
    return load_json_file(path, load_rule81_text)


def load_rule81_text(text: str | bytes) -> LoadResult[Rule81]:
    """Load a rule from JSON text (bytes must be UTF-8)."""
    return load_json_text(text, load_rule81_data)


def load_rule81_data(data: object, *, out: Problems | None = None) -> LoadResult[Rule81]:
    """Check and build an already parsed rule: structure (types), then meaning, then build."""
    out = out if out is not None else Problems()
    if not isinstance(data, dict):
        out.add(
            "", say("an 8.1 rule must be a JSON object, got %(type)s", type=type(data).__name__)
        )
        return out.result(None)
    check_keys(data, "", say("8.1 rule"), _REQUIRED, _OPTIONAL, out)
    values = _structure(data, out)
    if out.problems or values is None:
        return out.result(None)
    _check_rule(SimpleNamespace(**values), out)
    return out.result(None if out.problems else Rule81(**values))


def _whole(low: int, high: int) -> Any:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


# key → (the check of its value, what the value must be); a value is checked only when given.
_FIELDS: dict[str, tuple[Any, str]] = {
    "criterion": (
        lambda v: isinstance(v, str) and v.count(".") == 1,
        say("a criterion code like '8.1'"),
    ),
    "unit_type": (
        lambda v: isinstance(v, str) and UNIT_TYPE_RE.fullmatch(v),
        say("a code like 'department'"),
    ),
    "year": (_whole(1990, 2100), say("a whole number from 1990 to 2100")),
    "version": (_whole(1, 10**6), say("a whole number ≥ 1")),
    "method": (lambda v: v in METHODS, say("one of %(choices)s", choices=", ".join(METHODS))),
    "feeds": (lambda v: v in FEEDS, say("one of %(choices)s", choices=", ".join(FEEDS))),
    "max_points": (is_number, say("a number")),
    "floor": (lambda v: v is None or is_number(v), say("a number")),
    "ceiling": (lambda v: v is None or is_number(v), say("a number")),
    "illustrative": (lambda v: isinstance(v, bool), say("true or false")),
    "note": (lambda v: isinstance(v, str), say("a string")),
    "figure_decimals": (
        lambda v: v is None or _whole(0, 6)(v),
        say("null or a whole number 0 to 6"),
    ),
}
_DEFAULTS: dict[str, Any] = {
    "floor": None,
    "ceiling": None,
    "feeds": "estimate",
    "version": 1,
    "figure_decimals": None,
    "illustrative": False,
    "note": "",
}


def _structure(data: Mapping[str, Any], out: Problems) -> dict[str, Any] | None:
    """Stage 2: the type of each given value; the typed values, with defaults filled in."""
    values: dict[str, Any] = dict(_DEFAULTS)
    for key, (ok, what) in _FIELDS.items():
        if key not in data:
            continue
        value = data[key]
        if not ok(value):
            choices = {"method": METHODS, "feeds": FEEDS}.get(key, ())
            hint = did_you_mean(value, choices) if isinstance(value, str) and choices else None
            out.add(
                key,
                say("%(key)s %(value)s must be %(what)s", key=key, value=show(value), what=what),
                None,
                hint,
            )
        elif is_number(value) and key in ("max_points", "floor", "ceiling"):
            value = float(value)
        elif key == "note":
            value = unicodedata.normalize("NFC", value)
        values[key] = value
    bands = data.get("bands", [])
    if not isinstance(bands, list):
        out.add(
            "bands",
            say("bands %(value)s must be an array of {min_index, points}", value=show(bands)),
        )
        return None
    parsed = []
    for i, band in enumerate(bands):
        where = f"bands[{i}]"
        if not isinstance(band, dict):
            out.add(
                where,
                say(
                    "a band must be an object {min_index, points}, got %(value)s", value=show(band)
                ),
            )
            continue
        check_keys(band, where, say("band"), ("min_index", "points"), (), out)
        for k in ("min_index", "points"):
            if k in band and not is_number(band[k]):
                out.add(
                    f"{where}.{k}",
                    say("%(key)s %(value)s must be a number", key=k, value=show(band[k])),
                )
        if all(is_number(band.get(k)) for k in ("min_index", "points")):
            parsed.append(Band(float(band["min_index"]), float(band["points"])))
    values["bands"] = tuple(parsed)
    return None if out.problems else values


def _check_rule(rule: Rule81 | SimpleNamespace, out: Problems) -> None:
    """Stage 3 (also run by the constructor): the values make sense together."""
    top = rule.max_points
    if not (is_number(top) and top > 0):
        out.add("max_points", say("max_points %(value)s must be a number > 0", value=show(top)))
        return
    if rule.method not in METHODS:
        out.add(
            "method",
            say(
                "method %(value)s must be one of %(choices)s",
                value=show(rule.method),
                choices=", ".join(METHODS),
            ),
        )
    if rule.feeds not in FEEDS:
        out.add(
            "feeds",
            say(
                "feeds %(value)s must be one of %(choices)s",
                value=show(rule.feeds),
                choices=", ".join(FEEDS),
            ),
        )
    if rule.method == "bands":
        if not rule.bands:
            out.add("bands", say("method 'bands' needs at least one band {min_index, points}"))
        for i, band in enumerate(rule.bands):
            if not 0 <= band.min_index <= 100:
                out.add(
                    f"bands[{i}].min_index",
                    say("min_index %(value)s must be from 0 to 100", value=num(band.min_index)),
                )
            if not 0 <= band.points <= top:
                out.add(
                    f"bands[{i}].points",
                    say(
                        "points %(value)s must be from 0 to max_points %(top)s",
                        value=num(band.points),
                        top=num(top),
                    ),
                )
            if i and band.min_index <= rule.bands[i - 1].min_index:
                out.add(
                    f"bands[{i}].min_index",
                    say(
                        "bands must be in increasing order of min_index: %(value)s comes after "
                        "%(before)s",
                        value=num(band.min_index),
                        before=num(rule.bands[i - 1].min_index),
                    ),
                )
            if i and band.points < rule.bands[i - 1].points:
                out.add(
                    f"bands[{i}].points",
                    say(
                        "a higher band must not give fewer points: %(value)s after %(before)s",
                        value=num(band.points),
                        before=num(rule.bands[i - 1].points),
                    ),
                )
        if rule.bands and rule.bands[-1].points < top:
            out.warn("bands", say("no band gives the full %(top)s points", top=num(top)))
    elif rule.bands:
        out.add(
            "bands",
            say("bands are used only by method 'bands', not %(method)r", method=rule.method),
        )
    if rule.method == "linear":
        low, high = rule.floor, rule.ceiling
        if low is None or high is None:
            out.add(
                "floor" if low is None else "ceiling",
                say("method 'linear' needs a floor and a ceiling (percent)"),
            )
        elif not 0 <= low < high <= 100:
            out.add(
                "floor",
                say(
                    "floor %(floor)s and ceiling %(ceiling)s must satisfy 0 ≤ floor < ceiling "
                    "≤ 100",
                    floor=num(low),
                    ceiling=num(high),
                ),
            )
    else:
        for key in ("floor", "ceiling"):
            if getattr(rule, key) is not None:
                out.add(
                    key,
                    say(
                        "%(key)s is used only by method 'linear', not %(method)r",
                        key=key,
                        method=rule.method,
                    ),
                )
    if rule.illustrative and not rule.note.strip():
        out.add("note", say("an illustrative rule needs a note saying so"))


# --- text ----------------------------------------------------------------------------------

_FEEDS_TEXT: dict[str, tuple[str, str]] = {
    "estimate": ("chỉ số SIPAS", "SIPAS index"),
    "ci_low": ("cận dưới khoảng tin cậy của chỉ số SIPAS", "lower confidence bound of SIPAS"),
}


def _vi(x: float) -> str:
    """A number as Vietnamese writes it: 87.35 → ``87,35``, 10.0 → ``10``."""
    return _en(x).replace(".", ",")


def _en(x: float) -> str:
    r = round_half_up(x, 2)
    return str(int(r)) if r == int(r) else f"{r:.2f}".rstrip("0")


def _rule_text(rule: Rule81) -> str:
    c, top = rule.criterion, rule.max_points
    s_vi, s_en = _FEEDS_TEXT[rule.feeds]
    if rule.method == "proportional":
        vi = f"Tiêu chí {c}: điểm = {_vi(top)} × {s_vi} / 100"
        en = f"Criterion {c}: points = {_en(top)} × {s_en} / 100"
    elif rule.method == "bands":
        bands = sorted(rule.bands, key=lambda b: -b.min_index)
        vi = "; ".join(f"≥ {_vi(b.min_index)} %: {_vi(b.points)} điểm" for b in bands)
        en = "; ".join(f"≥ {_en(b.min_index)}%: {_en(b.points)} points" for b in bands)
        lowest = bands[-1].min_index if bands else 0
        if lowest > 0:
            vi += f"; dưới {_vi(lowest)} %: 0 điểm"
            en += f"; below {_en(lowest)}%: 0 points"
        vi = f"Tiêu chí {c} theo mức của {s_vi}: {vi}"
        en = f"Criterion {c} by bands of the {s_en}: {en}"
    else:
        low, high = cast(float, rule.floor), cast(float, rule.ceiling)
        vi = (
            f"Tiêu chí {c}: 0 điểm khi {s_vi} ≤ {_vi(low)} %, {_vi(top)} điểm khi ≥ "
            f"{_vi(high)} %, tuyến tính ở giữa"
        )
        en = (
            f"Criterion {c}: 0 points at {s_en} ≤ {_en(low)}%, {_en(top)} at ≥ {_en(high)}%, "
            "linear in between"
        )
    if rule.figure_decimals is not None:
        vi += f" (làm tròn {rule.figure_decimals} chữ số thập phân)"
        en += f" (rounded to {rule.figure_decimals} decimals)"
    return f"{vi} | {en}"
