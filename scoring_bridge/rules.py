"""The rules a province adds to a catalog, as data: criteria not applicable to a unit, bonus and
penalty points with caps, classification bands.

Decision 1877/QĐ-UBND (mục III.x.d) only says: index = 100 × points achieved / maximum points
(100), and a component index is the same ratio over an area's or a criterion's own points. It
has no bonus, no penalty, no bands and no criterion that may not apply; provinces' scoring
rules commonly add them (docs/decisions/0025-par-province-rules.md). They live in the catalog's
optional ``rules`` section, so they are versioned with the catalog:

* **not applicable** (``not_applicable``): criteria or sub-criteria that may not apply to a unit
  (e.g. a unit without administrative procedures), optionally only to the listed units; a unit
  is marked per criterion in its points. Then, over the applicable leaves A of the unit,

      base index = 100 × Σ_{l ∈ A} points(l) / Σ_{l ∈ A} max(l)

  and each area's and criterion's component index likewise over its applicable leaves (a
  criterion none of whose leaves applies has no component index). With every leaf applicable
  this is the decision's plain index.
* **bonus and penalty** (``bonus``, ``penalty``): items with a maximum each (points above it are
  refused) and a cap on their total: B = min(Σ bonus, cap), P = min(Σ penalty, cap). They are
  added after the base index, as ``adjust`` says:

      adjust "index":  index = clamp(base index + B − P)
      adjust "points": index = clamp(100 × (Σ_A points + B − P) / Σ_A max)

  where clamp bounds the index to ``clamp.min`` … ``clamp.max`` (each may be null: unbounded).
* **classification bands** (``classes``): ordered thresholds on the index, highest first; a unit
  gets the label of the first band whose ``min_index`` ≤ its index rounded half-up to
  ``decimals`` (the published figure); below the lowest band, no class.

Every problem says where it is (``rules.bonus.items[1].max_points``) and what is wrong with
``say`` (English keeping its template: the web app says it Vietnamese first, decision 0027).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from scoring_bridge.problems import (
    TOLERANCE,
    Problems,
    check_keys,
    did_you_mean,
    is_number,
    num,
    round_half_up,
    say,
    show,
)

if TYPE_CHECKING:
    from scoring_bridge.catalog import Catalog

Adjust = Literal["index", "points"]
ADJUSTS: tuple[Adjust, ...] = ("index", "points")
ADJUSTMENT_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,19}")
"""A bonus or penalty item's code: a letter first (``T1``, ``TRU.2``), so never a criterion
code; at most 20 characters (the length of a stored points code)."""


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """A criterion (or sub-criterion) that may not apply to a unit, why, and to whom.

    ``units`` empty: any unit of the catalog's type may be marked; else only these units.
    """

    code: str
    when: str
    units: tuple[str, ...] = ()

    def allows(self, unit_code: str) -> bool:
        """True when ``unit_code`` may be marked not applicable for this criterion."""
        return not self.units or unit_code in self.units


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One bonus or penalty item: its code, name and maximum points (its own cap)."""

    code: str
    name: str
    max_points: float


@dataclass(frozen=True, slots=True)
class ClassBand:
    """An index ≥ ``min_index`` (percent) is classed ``label`` (unless a higher band applies)."""

    min_index: float
    label: str
    label_en: str = ""


@dataclass(frozen=True)
class Rules:
    """A catalog's province rules (all optional; ``Rules()`` changes no figure)."""

    not_applicable: tuple[NotApplicable, ...] = ()
    bonus: tuple[Adjustment, ...] = ()
    bonus_cap: float | None = None
    penalty: tuple[Adjustment, ...] = ()
    penalty_cap: float | None = None
    adjust: Adjust = "index"
    clamp_min: float | None = 0.0
    clamp_max: float | None = 100.0
    bands: tuple[ClassBand, ...] = ()
    band_decimals: int = 2
    illustrative: bool = False
    note: str = ""

    @property
    def adjustments(self) -> dict[str, tuple[str, Adjustment]]:
        """Every bonus and penalty item by code: (``"bonus"`` | ``"penalty"``, the item)."""
        out: dict[str, tuple[str, Adjustment]] = {a.code: ("bonus", a) for a in self.bonus}
        out |= {a.code: ("penalty", a) for a in self.penalty}
        return out

    def not_applicable_rule(self, code: str) -> NotApplicable | None:
        """The rule that lets ``code`` be marked not applicable (its own, or its criterion's
        when ``code`` is beneath a rule's code), or None."""
        return next(
            (r for r in self.not_applicable if code == r.code or code.startswith(r.code + ".")),
            None,
        )


class Adjusted(NamedTuple):
    """The index after bonus and penalty: what was claimed, what counted, and the result."""

    bonus_claimed: float
    bonus: float
    penalty_claimed: float
    penalty: float
    index: float


def capped_total(values: Sequence[float], cap: float | None) -> tuple[float, float]:
    """(claimed, counted): ``math.fsum`` of the items' points and that sum limited to ``cap``."""
    claimed = math.fsum(values)
    return claimed, claimed if cap is None else min(claimed, cap)


def clamp(value: float, low: float | None, high: float | None) -> float:
    """``value`` bounded to ``low`` … ``high`` (a None bound does not bound)."""
    if low is not None and value < low:
        return float(low)
    if high is not None and value > high:
        return float(high)
    return value


def adjust_index(
    rules: Rules,
    points: float,
    maximum: float,
    bonus: Sequence[float] = (),
    penalty: Sequence[float] = (),
) -> Adjusted:
    """The index from applicable ``points`` over the applicable ``maximum`` (> 0), with bonus
    and penalty item points (each already within its item's maximum), capped and clamped::

        B = min(Σ bonus, bonus_cap); P = min(Σ penalty, penalty_cap)
        "index":  clamp(100 × points / maximum + B − P)
        "points": clamp(100 × (points + B − P) / maximum)
    """
    bonus_claimed, b = capped_total(bonus, rules.bonus_cap)
    penalty_claimed, p = capped_total(penalty, rules.penalty_cap)
    base = 100 * (points / maximum)
    if rules.adjust == "points":
        raw = 100 * ((points + b - p) / maximum) if (b or p) else base
    else:
        raw = base + b - p
    return Adjusted(
        bonus_claimed, b, penalty_claimed, p, clamp(raw, rules.clamp_min, rules.clamp_max)
    )


def classify(rules: Rules, index: float) -> ClassBand | None:
    """The band of ``index`` (rounded half-up to ``band_decimals``), or None below every band.

    Bands are highest first, so the first whose ``min_index`` ≤ the figure is the class; a
    higher index never gets a lower band.
    """
    figure = round_half_up(index, rules.band_decimals)
    return next((b for b in rules.bands if figure >= b.min_index), None)


# --- loading ------------------------------------------------------------------------------

_TOP = (
    "not_applicable",
    "bonus",
    "penalty",
    "adjust",
    "clamp",
    "classes",
    "illustrative",
    "note",
)
_WORDS = {"bonus": ("điểm thưởng", "bonus"), "penalty": ("điểm trừ", "penalty")}
_SAID = {"bonus": say("bonus"), "penalty": say("penalty")}


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return unicodedata.normalize("NFC", value.strip())
    return None


def load_rules_data(data: object, catalog: Catalog, out: Problems, where: str = "rules") -> Rules:
    """Check a parsed ``rules`` section against ``catalog`` (its codes, its areas); every
    problem goes to ``out`` with its location under ``where``. The Rules built from the good
    parts (meaningless when ``out`` has problems)."""
    if not isinstance(data, dict):
        out.add(where, say("the rules must be a JSON object, got %(value)s", value=show(data)))
        return Rules()
    check_keys(data, where, say("rules"), (), _TOP, out)
    not_applicable = _not_applicable(data.get("not_applicable", []), catalog, out, where)
    adjustments: dict[str, str] = {}
    bonus, bonus_cap = _adjustments(data.get("bonus"), "bonus", adjustments, out, where)
    penalty, penalty_cap = _adjustments(data.get("penalty"), "penalty", adjustments, out, where)
    adjust = data.get("adjust", "index")
    if adjust not in ADJUSTS:
        out.add(
            f"{where}.adjust",
            say(
                "adjust %(value)s must be 'index' (added to the index) or 'points' (added to "
                "the points)",
                value=show(adjust),
            ),
            hint=did_you_mean(adjust, ADJUSTS) if isinstance(adjust, str) else None,
        )
        adjust = "index"
    low, high = _clamp(data.get("clamp", {"min": 0, "max": 100}), out, f"{where}.clamp")
    bands, decimals = _classes(data.get("classes"), out, f"{where}.classes")
    illustrative = data.get("illustrative", False)
    if not isinstance(illustrative, bool):
        out.add(
            f"{where}.illustrative",
            say("illustrative %(value)s must be true or false", value=show(illustrative)),
        )
        illustrative = False
    note = data.get("note", "")
    if not isinstance(note, str):
        out.add(f"{where}.note", say("note %(value)s must be a string", value=show(note)))
        note = ""
    elif illustrative and not note.strip():
        out.add(f"{where}.note", say("illustrative rules need a note saying what is illustrative"))
    return Rules(
        not_applicable=not_applicable,
        bonus=bonus,
        bonus_cap=bonus_cap,
        penalty=penalty,
        penalty_cap=penalty_cap,
        adjust=adjust,
        clamp_min=low,
        clamp_max=high,
        bands=bands,
        band_decimals=decimals,
        illustrative=illustrative,
        note=unicodedata.normalize("NFC", note.strip()),
    )


def _not_applicable(
    value: object, catalog: Catalog, out: Problems, where: str
) -> tuple[NotApplicable, ...]:
    where = f"{where}.not_applicable"
    if not isinstance(value, list):
        out.add(
            where,
            say("not_applicable must be a list of criteria, got %(value)s", value=show(value)),
        )
        return ()
    found: list[NotApplicable] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            out.add(at, say("each entry must be an object, got %(value)s", value=show(item)))
            continue
        check_keys(item, at, say("not-applicable rule"), ("code", "when"), ("units",), out)
        code = item.get("code")
        good = True
        if not isinstance(code, str) or code not in catalog:
            out.add(
                f"{at}.code",
                say("no criterion %(code)s in the catalog", code=show(code)),
                code if isinstance(code, str) else None,
                did_you_mean(code, catalog.by_code) if isinstance(code, str) else None,
            )
            continue
        node = catalog.get(code)
        sipas = catalog.sipas_criterion
        if node.level == "area":
            out.add(
                f"{at}.code",
                say(
                    "%(code)r is an area; only a criterion or sub-criterion may be not applicable",
                    code=code,
                ),
                code,
            )
            good = False
        elif code == sipas or code.startswith(sipas + ".") or sipas.startswith(code + "."):
            out.add(
                f"{at}.code",
                say("criterion %(sipas)s (SIPAS) applies to every unit", sipas=sipas),
                code,
            )
            good = False
        for other, at_other in seen.items():
            if other == code or code.startswith(other + ".") or other.startswith(code + "."):
                out.add(
                    f"{at}.code",
                    say(
                        "%(code)r repeats or overlaps %(other)r at %(at)s",
                        code=code,
                        other=other,
                        at=at_other,
                    ),
                    code,
                )
                good = False
                break
        when = _text(item.get("when"))
        if "when" in item and when is None:
            out.add(
                f"{at}.when",
                say("say when the criterion does not apply (a non-empty text)"),
                code,
            )
            good = False
        units = item.get("units", [])
        if not (isinstance(units, list) and all(_text(u) for u in units)):
            out.add(
                f"{at}.units",
                say("units must be a list of unit codes (left out: any unit of the type)"),
                code,
            )
            units, good = [], False
        seen[code] = at
        if good and when is not None:
            found.append(NotApplicable(code, when, tuple(str(u).strip() for u in units)))
    marked = {leaf.code for r in found for leaf in catalog.leaves_under(r.code)}
    for area in catalog.areas:
        leaves = catalog.leaf_codes_under(area.code)
        if leaves and set(leaves) <= marked:
            out.add(
                where,
                say(
                    "every criterion of area %(area)s may be not applicable, which would leave "
                    "the area without a maximum; keep one that always applies",
                    area=area.code,
                ),
                area.code,
            )
    return tuple(found)


def _adjustments(
    value: object, kind: str, taken: dict[str, str], out: Problems, where: str
) -> tuple[tuple[Adjustment, ...], float | None]:
    if value is None:
        return (), None
    what = _SAID[kind]
    where = f"{where}.{kind}"
    if not isinstance(value, dict):
        out.add(
            where,
            say(
                "%(what)s must be an object {'cap': …, 'items': [...]}, got %(value)s",
                what=what,
                value=show(value),
            ),
        )
        return (), None
    check_keys(value, where, what, ("items",), ("cap",), out)
    items = value.get("items")
    found: list[Adjustment] = []
    if not isinstance(items, list) or not items:
        out.add(
            f"{where}.items",
            say("%(what)s: items must be a non-empty list (code, name, max_points)", what=what),
        )
        items = []
    for i, item in enumerate(items):
        at = f"{where}.items[{i}]"
        if not isinstance(item, dict):
            out.add(at, say("each entry must be an object, got %(value)s", value=show(item)))
            continue
        check_keys(
            item, at, say("%(what)s item", what=what), ("code", "name", "max_points"), (), out
        )
        code, name, top = item.get("code"), _text(item.get("name")), item.get("max_points")
        good = True
        if not (isinstance(code, str) and ADJUSTMENT_CODE.fullmatch(code)):
            out.add(
                f"{at}.code",
                say(
                    "code %(value)s must start with a letter, at most 20 characters (e.g. T1)",
                    value=show(code),
                ),
            )
            good = False
        elif code in taken:
            out.add(
                f"{at}.code",
                say("code %(code)r is already used at %(at)s", code=code, at=taken[code]),
                code,
            )
            good = False
        else:
            taken[code] = at
        if name is None:
            out.add(
                f"{at}.name",
                say("name %(value)s must be a non-empty text", value=show(item.get("name"))),
                code if isinstance(code, str) else None,
            )
            good = False
        if not (is_number(top) and top > 0):
            out.add(
                f"{at}.max_points",
                say("max_points %(value)s must be a number > 0", value=show(top)),
                code if isinstance(code, str) else None,
            )
            good = False
        if good:
            found.append(Adjustment(str(code), str(name), float(top)))
    cap = value.get("cap")
    if cap is not None and not (is_number(cap) and cap > 0):
        out.add(
            f"{where}.cap",
            say(
                "the cap %(value)s on the %(what)s must be a number > 0, or null for no cap",
                value=show(cap),
                what=what,
            ),
        )
        cap = None
    elif cap is not None and found:
        total = math.fsum(a.max_points for a in found)
        if cap >= total - TOLERANCE:
            out.warn(
                f"{where}.cap",
                say(
                    "the cap %(cap)s is not below the items' total (%(total)s): it has no effect",
                    cap=num(cap),
                    total=num(total),
                ),
            )
    return tuple(found), None if cap is None else float(cap)


def _clamp(value: object, out: Problems, where: str) -> tuple[float | None, float | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict):
        out.add(
            where,
            say("clamp must be {'min': …, 'max': …} or null, got %(value)s", value=show(value)),
        )
        return 0.0, 100.0
    check_keys(value, where, "clamp", (), ("min", "max"), out)
    bounds: list[float | None] = []
    for key in ("min", "max"):
        bound = value.get(key)
        if bound is not None and not is_number(bound):
            out.add(
                f"{where}.{key}",
                say("%(key)s %(value)s must be a number or null", key=key, value=show(bound)),
            )
            bound = None
        bounds.append(None if bound is None else float(bound))
    low, high = bounds
    if low is not None and high is not None and low >= high:
        out.add(
            where, say("min (%(low)s) must be below max (%(high)s)", low=num(low), high=num(high))
        )
    return low, high


def _classes(value: object, out: Problems, where: str) -> tuple[tuple[ClassBand, ...], int]:
    if value is None:
        return (), 2
    if not isinstance(value, dict):
        out.add(
            where,
            say(
                "classes must be an object {'bands': [...], 'decimals': 2}, got %(value)s",
                value=show(value),
            ),
        )
        return (), 2
    check_keys(value, where, "classes", ("bands",), ("decimals",), out)
    decimals = value.get("decimals", 2)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        out.add(
            f"{where}.decimals",
            say("decimals %(value)s must be a whole number from 0 to 6", value=show(decimals)),
        )
        decimals = 2
    items = value.get("bands")
    if not isinstance(items, list) or not items:
        out.add(f"{where}.bands", say("bands must be a non-empty list of {min_index, label}"))
        return (), decimals
    bands: list[ClassBand] = []
    for i, item in enumerate(items):
        at = f"{where}.bands[{i}]"
        if not isinstance(item, dict):
            out.add(at, say("each entry must be an object, got %(value)s", value=show(item)))
            continue
        check_keys(item, at, say("band"), ("min_index", "label"), ("label_en",), out)
        low, label = item.get("min_index"), _text(item.get("label"))
        label_en = item.get("label_en", "")
        good = True
        if not (is_number(low) and 0 <= low <= 100):
            out.add(
                f"{at}.min_index",
                say("min_index %(value)s must be a number from 0 to 100", value=show(low)),
            )
            good = False
        elif bands and not low < bands[-1].min_index:
            out.add(
                f"{at}.min_index",
                say(
                    "bands go from the highest threshold down: %(value)s is not below %(before)s",
                    value=num(low),
                    before=num(bands[-1].min_index),
                ),
            )
            good = False
        if label is None:
            out.add(f"{at}.label", say("label must be a non-empty text"))
            good = False
        if not isinstance(label_en, str):
            out.add(
                f"{at}.label_en", say("label_en %(value)s must be a string", value=show(label_en))
            )
            good = False
        if good:
            bands.append(ClassBand(float(low), str(label), str(label_en).strip()))
    return tuple(bands), decimals


def rules_to_data(rules: Rules) -> dict[str, Any]:
    """The rules as the JSON section :func:`load_rules_data` reads."""
    data: dict[str, Any] = {}
    if rules.illustrative or rules.note:
        data |= {"illustrative": rules.illustrative, "note": rules.note}
    if rules.not_applicable:
        data["not_applicable"] = [
            {"code": r.code, "when": r.when} | ({"units": list(r.units)} if r.units else {})
            for r in rules.not_applicable
        ]
    for kind, items, cap in (
        ("bonus", rules.bonus, rules.bonus_cap),
        ("penalty", rules.penalty, rules.penalty_cap),
    ):
        if items:
            data[kind] = {
                "cap": cap,
                "items": [
                    {"code": a.code, "name": a.name, "max_points": a.max_points} for a in items
                ],
            }
    data["adjust"] = rules.adjust
    data["clamp"] = {"min": rules.clamp_min, "max": rules.clamp_max}
    if rules.bands:
        data["classes"] = {
            "decimals": rules.band_decimals,
            "bands": [
                {"min_index": b.min_index, "label": b.label}
                | ({"label_en": b.label_en} if b.label_en else {})
                for b in rules.bands
            ],
        }
    return data


def not_applicable_leaves(catalog: Catalog, marked: Collection[str]) -> frozenset[str]:
    """The leaf codes beneath the marked codes (a marked leaf is itself)."""
    return frozenset(leaf for code in marked for leaf in catalog.leaf_codes_under(code))


def rules_text(rules: Rules) -> tuple[str, ...]:
    """The rules in lines a person reads (Vietnamese | English), for pages and files."""
    lines: list[str] = []
    for r in rules.not_applicable:
        who = f" (chỉ: {', '.join(r.units)})" if r.units else ""
        lines.append(
            f"Tiêu chí {r.code} có thể không áp dụng: {r.when}{who}; chỉ số tính trên tổng điểm "
            f"tối đa của các tiêu chí áp dụng, quy về thang 100 | criterion {r.code} may not "
            "apply; the index is then over the applicable maximum, rescaled to 100"
        )
    where = "chỉ số" if rules.adjust == "index" else "tổng điểm"
    for kind, items, cap in (
        ("bonus", rules.bonus, rules.bonus_cap),
        ("penalty", rules.penalty, rules.penalty_cap),
    ):
        if items:
            vi, en = _WORDS[kind]
            parts = "; ".join(f"{a.code} {a.name} (tối đa {num(a.max_points)})" for a in items)
            cap_text = f", tổng tối đa {num(cap)} điểm" if cap is not None else ""
            sign = "cộng vào" if kind == "bonus" else "trừ vào"
            lines.append(
                f"{vi.capitalize()}{cap_text}, {sign} {where}: {parts} | {en} points"
                + (f", capped at {num(cap)} in total" if cap is not None else "")
            )
    if rules.bonus or rules.penalty:
        low = "không giới hạn" if rules.clamp_min is None else num(rules.clamp_min)
        high = "không giới hạn" if rules.clamp_max is None else num(rules.clamp_max)
        lines.append(f"Chỉ số sau điểm thưởng, điểm trừ giữ trong khoảng {low} – {high} | clamped")
    if rules.bands:
        parts = ", ".join(f"≥ {num(b.min_index)}: {b.label}" for b in rules.bands)
        lines.append(f"Xếp loại theo chỉ số: {parts} | classification bands")
    return tuple(lines)


__all__ = [
    "ADJUSTMENT_CODE",
    "ADJUSTS",
    "Adjust",
    "Adjusted",
    "Adjustment",
    "ClassBand",
    "NotApplicable",
    "Rules",
    "adjust_index",
    "capped_total",
    "clamp",
    "classify",
    "load_rules_data",
    "not_applicable_leaves",
    "rules_text",
    "rules_to_data",
]
