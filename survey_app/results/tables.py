"""What the results pages show, built from a round's analysis: one unit type's ranking with
rank intervals (words and bars) and ties by name, a unit's rows in reading order, and the
names of every scope (unit, unit type, province). No Flask: the pages render these."""

from __future__ import annotations

from analysis import ResultRow, rank_units
from survey_app.results.charts import IntervalRow, interval_chart
from survey_app.results.round_results import RoundAnalysis


def ranking_section(analysis: RoundAnalysis, codes: list[str]) -> dict[str, object]:
    """One unit type's ranking: rows with names, rank intervals and who they tie with."""
    overall = analysis.result.overall()
    names = {c: analysis.units[c].name for c in codes}
    estimates = {
        c: (overall[c].estimate, overall[c].se)
        for c in codes
        if c in overall and overall[c].estimate is not None
    }
    not_ranked = {c for c in estimates if not analysis.units[c].ranked}
    ranking = rank_units(estimates, not_ranked=not_ranked) if estimates else []
    ranked = sum(1 for r in ranking if r.ranked)
    rows = [
        {
            "rank": r,
            "row": overall[r.unit_code],
            "name": names[r.unit_code],
            "ties": sorted(names[c] for c in r.indistinguishable),
            "bar": rank_bar(r.rank, r.rank_low, r.rank_high, ranked) if r.ranked else None,
        }
        for r in ranking
    ]
    chart = interval_chart(
        [
            IntervalRow(
                item["name"],
                item["row"],
                f"<br>hạng {r.rank}, khoảng hạng {r.rank_low}–{r.rank_high}"
                if r.ranked
                else "<br>chấm điểm, không xếp hạng",
            )
            for item in rows
            for r in [item["rank"]]
        ],
        "SIPAS (%) và khoảng tin cậy 95 %",
    )
    return {
        "rows": rows,
        "ranked": ranked,
        "chart": chart,
        "missing": sorted(names[c] for c in codes if c not in estimates),
    }


def rank_bar(rank: int, low: int, high: int, count: int) -> dict[str, float]:
    """Where a rank and its interval sit on a bar of ranks 1…count, in percent of its width."""
    if count <= 1:
        return {"x": 0.0, "width": 100.0, "at": 50.0}
    step = 100 / (count - 1)
    return {"x": (low - 1) * step, "width": (high - low) * step, "at": (rank - 1) * step}


def unit_rows(analysis: RoundAnalysis, code: str) -> list[ResultRow]:
    """The unit's rows: its SIPAS first, then the elements, then the items (questionnaire order)."""
    rows = [r for r in analysis.result.for_unit(code) if r.group is None]
    order = {"overall": 0, "element": 1, "item": 2}
    position = {e.id: n for n, e in enumerate(analysis.questionnaire.elements)}
    position.update({i: n for n, i in enumerate(analysis.questionnaire.item_ids)})
    return sorted(rows, key=lambda r: (order.get(r.level, 3), position.get(r.key, 0)))


def scope_names(analysis: RoundAnalysis) -> dict[str, str]:
    """Unit code, unit type code or ``ALL`` → the name people read."""
    names = {c: u.name for c, u in analysis.units.items()}
    for unit in analysis.units.values():
        names[unit.unit_type.code] = f"{unit.unit_type.name_vi} (chung)"
    names["ALL"] = "Toàn tỉnh"
    return names
