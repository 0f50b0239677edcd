"""Post-stratified SIPAS indices: R ``postStratify`` reference values, the variance path, errors."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from analysis import (
    Design,
    PostStrata,
    SipasData,
    SipasResult,
    analyze_sipas,
    poststratify,
    proportion_ci_arrays,
    ratio,
    ratio_influence,
    total_variance,
)

NA = np.nan
DATA = Path(__file__).parent / "data"
ITEMS = ("q1", "q2", "q3", "q4")
ELEMENTS = (("E1", ("q1", "q2")), ("E2", ("q3", "q4")))


def close(a: float | None, b: float | None, rel: float) -> bool:
    """Both None, or equal within ``rel`` (and 1e-12 absolute)."""
    if a is None or b is None:
        return a is b
    return a == pytest.approx(b, rel=rel, abs=1e-12)


def fixture_data() -> tuple[SipasData, PostStrata]:
    """data/sipas_poststrat.csv (sipas_small.csv with a cell per respondent) and its counts."""
    with (DATA / "sipas_poststrat.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (DATA / "sipas_poststrat_counts.csv").open(encoding="utf-8") as handle:
        counts = {(r["unit"], r["cell"]): float(r["Freq"]) for r in csv.DictReader(handle)}
    data = SipasData(
        unit_codes=np.array([r["unit"] for r in rows]),
        answers=np.array(
            [[NA if r[q] in ("", "na") else float(r[q]) for q in ITEMS] for r in rows]
        ),
        item_ids=ITEMS,
        elements=ELEMENTS,
        unit_types={"A": "AB", "B": "AB", "C": "CC"},
        populations={r["unit"]: int(r["N"]) for r in rows},
        groups=np.array([r["sex"] for r in rows]),
    )
    return data, PostStrata(np.array([r["cell"] for r in rows]), counts, name="cell")


# ---------------------------------------------------------------------------------------------
# R `survey` 4.1.1 (R 4.2.2): tests/analysis/r/sipas_poststrat.R (output: sipas_poststrat.Rout)
#   des <- svydesign(id = ~1, strata = ~unit, weights = ~w, fpc = ~N, data = d)  # w = N/n_h
#   ps  <- postStratify(des, ~unit + cell, pop_table)  # pop_table: unit, cell, Freq (counts.csv)
# items:   svyratio(~sat_q1, ~valid_q1, D)                                      (coef, SE)
# E1:      svycontrast(svyratio(~sat_q1+..+sat_q4, ~valid_q1+..+valid_q4, D, covmat = TRUE),
#                      c("sat_q1/valid_q1" = 0.5, "sat_q2/valid_q2" = 0.5))  (E2: q3, q4)
# SIPAS:   the same contrast with 0.25 on each of the four diagonal ratios
# pooled:  svyratio(~sat_E1, ~valid_E1, D), sat_E1 = sat_q1 + sat_q2 (SIPAS: all four items)
# D is ps ("ALL"), subset(ps, unit == u), subset(ps, unit %in% c("A", "B")) (type "AB"),
# subset(ps, unit == "A" & sex == "F") and subset(ps, sex == "M") (`by` groups).
R_POSTSTRAT = [
    # (unit_code, group, key, aggregation, estimate, SE)
    ("ALL", None, "q1", "mean-of-items", 0.7129337539432, 0.0870219990215),
    ("ALL", None, "q2", "mean-of-items", 0.4352941176471, 0.0755864937684),
    ("ALL", None, "q3", "mean-of-items", 0.595149253731, 0.112866770133),
    ("ALL", None, "q4", "mean-of-items", 0.7163120567376, 0.0878766347119),
    ("ALL", None, "E1", "mean-of-items", 0.5741139357951, 0.0403587178316),
    ("ALL", None, "E2", "mean-of-items", 0.655730655234, 0.056722864723),
    ("ALL", None, "SIPAS", "mean-of-items", 0.614922295515, 0.021406375686),
    ("ALL", None, "E1", "pooled", 0.5785191212368, 0.0408382016452),
    ("ALL", None, "SIPAS", "pooled", 0.6157148990983, 0.0215312660521),
    ("A", None, "q1", "mean-of-items", 0.8636363636364, 0.0876609090594),
    ("A", None, "q2", "mean-of-items", 0.416666666667, 0.100454695427),
    ("A", None, "q3", "mean-of-items", 0.736842105263, 0.115487053543),
    ("A", None, "q4", "mean-of-items", 0.7142857142857, 0.0841278245308),
    ("A", None, "E1", "mean-of-items", 0.6401515151515, 0.0400373089968),
    ("A", None, "E2", "mean-of-items", 0.7255639097744, 0.0512874167289),
    ("A", None, "SIPAS", "mean-of-items", 0.6828577124630, 0.0158501362738),
    ("A", None, "E1", "pooled", 0.630434782609, 0.040864331311),
    ("A", None, "SIPAS", "pooled", 0.6744186046512, 0.0148993078969),
    ("B", None, "q1", "mean-of-items", 0.650000000000, 0.126216549168),
    ("B", None, "q2", "mean-of-items", 0.777777777778, 0.112609918528),
    ("B", None, "q3", "mean-of-items", 0.641025641026, 0.143433816036),
    ("B", None, "q4", "mean-of-items", 0.8867924528302, 0.0594730519751),
    ("B", None, "E1", "mean-of-items", 0.7138888888889, 0.0464732339018),
    ("B", None, "E2", "mean-of-items", 0.7639090469279, 0.0796833002407),
    ("B", None, "SIPAS", "mean-of-items", 0.7388989679084, 0.0342006291172),
    ("B", None, "E1", "pooled", 0.7154471544715, 0.0459460992171),
    ("B", None, "SIPAS", "pooled", 0.7441860465116, 0.0325016754549),
    ("C", None, "q1", "mean-of-items", 0.666666666667, 0.126107217490),
    ("C", None, "q2", "mean-of-items", 0.384615384615, 0.109771092202),
    ("C", None, "q3", "mean-of-items", 0.538461538462, 0.160006747775),
    ("C", None, "q4", "mean-of-items", 0.692307692308, 0.132039305108),
    ("C", None, "E1", "mean-of-items", 0.5256410256410, 0.0599759141538),
    ("C", None, "E2", "mean-of-items", 0.6153846153846, 0.0829511284225),
    ("C", None, "SIPAS", "mean-of-items", 0.5705128205128, 0.0315929654141),
    ("C", None, "E1", "pooled", 0.535714285714, 0.061194797995),
    ("C", None, "SIPAS", "pooled", 0.5740740740741, 0.0319718281404),
    ("AB", None, "q1", "mean-of-items", 0.8037383177570, 0.0721627778582),
    ("AB", None, "q2", "mean-of-items", 0.5151515151515, 0.0792507411698),
    ("AB", None, "q3", "mean-of-items", 0.7151162790698, 0.0959869860004),
    ("AB", None, "q4", "mean-of-items", 0.7600000000000, 0.0631650268037),
    ("AB", None, "E1", "mean-of-items", 0.6594449164543, 0.0316765243973),
    ("AB", None, "E2", "mean-of-items", 0.7375581395349, 0.0443122250181),
    ("AB", None, "SIPAS", "mean-of-items", 0.698501527995, 0.015343040700),
    ("AB", None, "E1", "pooled", 0.6539325842697, 0.0321748333227),
    ("AB", None, "SIPAS", "pooled", 0.6927784577723, 0.0138227965912),
    ("A", "F", "q1", "mean-of-items", 0.8888888888889, 0.0979907892987),
    ("A", "F", "q2", "mean-of-items", 0.600000000000, 0.178675683852),
    ("A", "F", "q3", "mean-of-items", 0.625000000000, 0.203725075163),
    ("A", "F", "q4", "mean-of-items", 0.600000000000, 0.142478068488),
    ("A", "F", "E1", "mean-of-items", 0.744444444444, 0.092608007976),
    ("A", "F", "E2", "mean-of-items", 0.612500000000, 0.132662783261),
    ("A", "F", "SIPAS", "mean-of-items", 0.6784722222222, 0.0505059552092),
    ("A", "F", "E1", "pooled", 0.7368421052632, 0.0946577361651),
    ("A", "F", "SIPAS", "pooled", 0.6756756756757, 0.0483664494402),
    ("ALL", "M", "q1", "mean-of-items", 0.711340206186, 0.130227690252),
    ("ALL", "M", "q2", "mean-of-items", 0.3974683544304, 0.0969395394596),
    ("ALL", "M", "q3", "mean-of-items", 0.392282958199, 0.119256168077),
    ("ALL", "M", "q4", "mean-of-items", 0.772727272727, 0.145880613730),
    ("ALL", "M", "E1", "mean-of-items", 0.5544042803080, 0.0734674474435),
    ("ALL", "M", "E2", "mean-of-items", 0.5825051154633, 0.0993912859914),
    ("ALL", "M", "SIPAS", "mean-of-items", 0.5684546978856, 0.0566881961118),
    ("ALL", "M", "E1", "pooled", 0.5530012771392, 0.0731627071775),
    ("ALL", "M", "SIPAS", "pooled", 0.5656205420827, 0.0548848913245),
]
# svycontrast(svyratio(.., D, covmat = TRUE), 0.25 each) without postStratify (D = des or
# subset(des, unit == u)): the base-weight SIPAS SEs, as in test_sipas.py
R_BASE_SIPAS_SE = [
    ("A", 0.0474848205672),
    ("B", 0.0454978707993),
    ("C", 0.0834014233584),
    ("ALL", 0.0553866430295),
]
# svyciprop(~sat_q1, subset(ps, unit == u & !is.na(q1)), method = m): confint, degf. R's "beta"
# (Korn–Graubard) adjusts n* by (t(nrow(D) − 1)/t(degf))², and a subset of a calibrated design
# keeps every row (weight 0 outside), so nrow is all 40 respondents there; analyze_sipas uses the
# respondents of the domain, as R does for a design that is not calibrated (0008).
R_SVYCIPROP = [
    # (unit_code, method, ci_low, ci_high, df)
    ("A", "logit", 0.5557744301296, 0.9697523825543, 12),
    ("A", "korn-graubard", 0.5688284936125, 0.9857699401760, 12),
    ("B", "logit", 0.353871854575, 0.862965431301, 11),
    ("B", "korn-graubard", 0.334706323582, 0.890410096211, 11),
    ("C", "logit", 0.364502827284, 0.874590094274, 11),
    ("C", "korn-graubard", 0.346134370874, 0.902181356983, 11),
]
# deff(svymean(~sat_q1, subset(ps, unit == u & valid_q1 == 1), deff = TRUE)); "ALL":
# subset(ps, valid_q1 == 1)
R_DEFF = [("A", 0.8879420904652), ("B", 1.069821673525), ("C", 0.82), ("ALL", 1.4505956186847)]


@pytest.fixture(scope="module")
def r_results() -> dict[tuple[str, str], SipasResult]:
    data, post = fixture_data()
    return {
        (aggregation, method): analyze_sipas(
            data, aggregation=aggregation, ci_method=method, min_n=1, post_strata=post
        )
        for aggregation in ("mean-of-items", "pooled")
        for method in ("logit", "korn-graubard")
    }


@pytest.mark.parametrize(("code", "group", "key", "aggregation", "estimate", "se"), R_POSTSTRAT)
def test_indices_and_standard_errors_match_r_post_stratify(
    r_results: dict[tuple[str, str], SipasResult],
    code: str,
    group: str | None,
    key: str,
    aggregation: str,
    estimate: float,
    se: float,
) -> None:
    row = r_results[aggregation, "logit"].row(code, key, group)
    assert row.estimate == pytest.approx(100 * estimate, rel=1e-6)
    assert row.se == pytest.approx(100 * se, rel=1e-6)
    assert row.method == f"{aggregation}; logit; fpc; poststratified(cell)"


@pytest.mark.parametrize(("code", "method", "low", "high", "df"), R_SVYCIPROP)
def test_item_intervals_match_r_svyciprop(
    r_results: dict[tuple[str, str], SipasResult],
    code: str,
    method: str,
    low: float,
    high: float,
    df: int,
) -> None:
    row = r_results["mean-of-items", method].row(code, "q1")
    assert row.n - 1 == df
    if method == "logit":
        assert (row.ci_low, row.ci_high) == pytest.approx((100 * low, 100 * high), rel=1e-6)
        return
    p, se = row.estimate / 100, row.se / 100  # type: ignore[operator]

    def interval(n: int) -> tuple[float, float]:
        ends = proportion_ci_arrays([p], [se], [p * (1 - p) / se**2], [df], method, n=[n])
        return float(ends[0][0]), float(ends[1][0])

    assert interval(40) == pytest.approx((low, high), rel=1e-6)  # R's nrow
    assert interval(row.n) == pytest.approx((row.ci_low / 100, row.ci_high / 100), rel=1e-12)  # type: ignore[operator]


@pytest.mark.parametrize(("code", "deff"), R_DEFF)
def test_design_effects_match_r_svymean_deff(
    r_results: dict[tuple[str, str], SipasResult], code: str, deff: float
) -> None:
    row = r_results["mean-of-items", "logit"].row(code, "q1")
    assert row.deff == pytest.approx(deff, rel=1e-6)
    assert row.n_eff == pytest.approx(row.n / deff, rel=1e-6)


@pytest.mark.parametrize(("code", "base_se"), R_BASE_SIPAS_SE)
def test_informative_cells_make_the_fixture_sipas_se_smaller(
    r_results: dict[tuple[str, str], SipasResult], code: str, base_se: float
) -> None:
    # the fixture's cells group the more and the less satisfied respondents of each unit
    data, _ = fixture_data()
    base = analyze_sipas(data, min_n=1).row(code, "SIPAS")
    assert base.se == pytest.approx(100 * base_se, rel=1e-6)
    assert r_results["mean-of-items", "logit"].row(code, "SIPAS").se < 0.8 * base.se


# ---------------------------------------------------------------------------------------------
# By hand. SNV: N = 120, cells dat_dai (N = 30, 2 respondents) and ho_tich (N = 90, 4); BDT: one
# cell (N = 10, 3 respondents). One item q1 (all valid), E1 = (q1,).
HAND_CODES = ["SNV"] * 6 + ["BDT"] * 3
HAND_CELLS = ["dat_dai", "dat_dai", "ho_tich", "ho_tich", "ho_tich", "ho_tich", "x", "x", "x"]
HAND_Q1 = [5, 4, 5, 2, 1, 3, 4, 4, 2]
HAND_COUNTS = {("SNV", "dat_dai"): 30, ("SNV", "ho_tich"): 90, ("BDT", "x"): 10}


def hand(
    counts: dict | None = None,
    cells: list[str] | None = None,
    populations: dict | str | None = "given",
    name: str = "service_field",
) -> tuple[SipasData, PostStrata]:
    data = SipasData(
        np.array(HAND_CODES),
        np.array(HAND_Q1, float)[:, None],
        ("q1",),
        (("E1", ("q1",)),),
        populations={"SNV": 120, "BDT": 10} if populations == "given" else populations,  # type: ignore[arg-type]
    )
    post = PostStrata(
        np.array(HAND_CELLS if cells is None else cells),
        HAND_COUNTS if counts is None else counts,
        name,
    )
    return data, post


def test_post_stratified_estimates_and_se_by_hand() -> None:
    data, post = hand()
    result = analyze_sipas(data, min_n=1, post_strata=post)
    plain = analyze_sipas(data, min_n=1)
    # SNV, weights 30/2 = 15 (dat_dai: 2 of 2 satisfied) and 90/4 = 22.5 (ho_tich: 1 of 4), which
    # add up to N = 120: q1 = (15·2 + 22.5·1)/120 = 0.4375, unweighted 3/6 = 0.5.
    snv = result.row("SNV", "q1")
    assert snv.estimate == pytest.approx(43.75, rel=1e-12)
    assert plain.row("SNV", "q1").estimate == pytest.approx(50)
    # z_i = (y_i − r)/120 minus its cell mean: dat_dai 0, 0; ho_tich (1 − 1/4)/120, −(1/4)/120 × 3.
    # w e = 22.5 e: Σ (w e)² = (22.5/120)² (9/16 + 3/16) = 0.0263671875, Σ w e = 0;
    # V = (1 − 6/120) · 6/5 · 0.0263671875.
    assert snv.se == pytest.approx(100 * np.sqrt(0.95 * 1.2 * 0.0263671875), rel=1e-12)
    # ALL: (15·2 + 22.5·1 + (10/3)·2)/(120 + 10) = 59.1667/130
    assert result.row("ALL", "q1").estimate == pytest.approx(100 * (52.5 + 20 / 3) / 130)
    assert result.row("BDT", "q1").estimate == pytest.approx(200 / 3)
    assert {r.method for r in result.rows} == {
        "mean-of-items; logit; fpc; poststratified(service_field)"
    }
    assert any("post-stratified to the counts per service_field" in n for n in result.notes)


def test_without_populations_a_unit_is_the_sum_of_its_cells() -> None:
    data, post = hand()
    given = analyze_sipas(data, min_n=1, post_strata=post)
    data_without, _ = hand()
    data_without = SipasData(
        data.unit_codes, data.answers, data.item_ids, data.elements, populations=None
    )
    derived = analyze_sipas(data_without, min_n=1, post_strata=post)
    assert [r.estimate for r in derived.rows] == pytest.approx([r.estimate for r in given.rows])
    assert [r.se for r in derived.rows] == pytest.approx([r.se for r in given.rows], rel=1e-12)
    assert {r.method for r in derived.rows} == {r.method for r in given.rows}
    assert any("sum of its service_field counts" in n for n in derived.notes)


def test_cells_within_half_a_dossier_of_the_population_are_accepted() -> None:
    data, post = hand(counts={**HAND_COUNTS, ("SNV", "ho_tich"): 90.4})
    assert analyze_sipas(data, min_n=1, post_strata=post).row("SNV", "q1").estimate is not None


def test_a_known_count_for_the_missing_cell_makes_it_a_cell() -> None:
    cells = ["dat_dai", "dat_dai", "", "ho_tich", "ho_tich", "ho_tich", "x", "x", "x"]
    counts = {("SNV", "dat_dai"): 30, ("SNV", "ho_tich"): 60, ("SNV", ""): 30, ("BDT", "x"): 10}
    data, post = hand(counts=counts, cells=cells)
    # SNV: 30·1 + 30·1 + 60·0 over 120
    assert analyze_sipas(data, min_n=1, post_strata=post).row("SNV", "q1").estimate == 50


def test_one_cell_per_unit_changes_nothing_but_the_method() -> None:
    data, _ = fixture_data()
    whole = PostStrata(
        np.full(len(data.unit_codes), "all"),
        {(u, "all"): n for u, n in data.populations.items()},  # type: ignore[union-attr]
    )
    for aggregation in ("mean-of-items", "pooled"):
        plain = analyze_sipas(data, min_n=1, aggregation=aggregation)
        post = analyze_sipas(data, min_n=1, aggregation=aggregation, post_strata=whole)
        for a, b in zip(plain.rows, post.rows, strict=True):
            assert (a.unit_code, a.key, a.group, a.n, a.flag) == (
                b.unit_code,
                b.key,
                b.group,
                b.n,
                b.flag,
            )
            assert close(b.estimate, a.estimate, rel=1e-12)
            assert close(b.se, a.se, rel=1e-9)
            assert close(b.deff, a.deff, rel=1e-9)
            assert b.method == a.method + "; poststratified(cell)"


def test_informative_cells_make_the_se_smaller_on_simulated_answers() -> None:
    # three cells per unit with 95 %, 60 % and 20 % satisfied; the sample is spread over the cells
    # in proportion to their counts, so the weights (and estimates) are those of the base design
    rng = np.random.default_rng(7)
    shares, levels = np.array([0.5, 0.3, 0.2]), np.array([0.95, 0.6, 0.2])
    codes, cells, answers, counts, populations = [], [], [], {}, {}
    for h in range(4):
        unit, big_n, n = f"U{h}", 1000 * (h + 1), 200
        populations[unit] = big_n
        for c, (share, level) in enumerate(zip(shares, levels, strict=True)):
            counts[(unit, f"c{c}")] = share * big_n
            size = int(share * n)
            satisfied = rng.random((size, 1)) < level  # one person: all items alike
            values = np.where(satisfied, 5.0, 2.0) * np.ones((1, 4))
            values[rng.random((size, 4)) < 0.1] = NA
            codes += [unit] * size
            cells += [f"c{c}"] * size
            answers.append(values)
    data = SipasData(np.array(codes), np.vstack(answers), ITEMS, ELEMENTS, populations=populations)
    base = analyze_sipas(data)
    post = analyze_sipas(data, post_strata=PostStrata(np.array(cells), counts, "field"))
    for code in [*populations, "ALL"]:
        b, p = base.row(code, "SIPAS"), post.row(code, "SIPAS")
        assert p.estimate == pytest.approx(b.estimate, abs=1.0)  # item domains differ slightly
        assert p.se < 0.8 * b.se, code  # type: ignore[operator]


# ---------------------------------------------------------------------------------------------
# The vectorised path against analysis.calibration.poststratify + total_variance, one index at a
# time, on random data with unit types and `by` groups.


def random_case(seed: int) -> tuple[SipasData, PostStrata]:
    rng = np.random.default_rng(seed)
    units, n, k = 5, 300, 6
    codes = np.array([f"U{i}" for i in range(units)])[rng.integers(0, units, n)]
    cells = np.array(["a", "b", "c"])[rng.integers(0, 3, n)]
    cells[codes == "U4"] = np.where(rng.random((codes == "U4").sum()) < 0.5, "a", "b")
    level = {"a": 0.9, "b": 0.6, "c": 0.3}
    p = np.array([level[c] for c in cells])[:, None]
    answers = np.where(rng.random((n, k)) < p, rng.choice([4.0, 5.0], (n, k)), 2.0)
    answers[rng.random((n, k)) < 0.15] = NA
    answers[codes == "U0", 5] = NA  # no valid answer to q6 in U0
    counts: dict[tuple[str, str], float] = {}
    for unit, cell in sorted(set(zip(codes.tolist(), cells.tolist(), strict=True))):
        size = int(((codes == unit) & (cells == cell)).sum())
        counts[(unit, cell)] = size * int(rng.integers(2, 40))
    populations = {u: int(sum(v for (w, _), v in counts.items() if w == u)) for u in codes}
    data = SipasData(
        codes,
        answers,
        tuple(f"q{j + 1}" for j in range(k)),
        (("E1", ("q1", "q2", "q3")), ("E2", ("q4",)), ("E3", ("q5", "q6"))),
        {"U0": "xa", "U1": "xa", "U2": "so"},
        populations,
        rng.choice(["nam", "nu"], size=n),
    )
    return data, PostStrata(cells, counts, "field")


def calibrated_design(data: SipasData, post: PostStrata) -> Design:
    codes, inverse, n_h = np.unique(data.unit_codes, return_inverse=True, return_counts=True)
    big_n = np.array([data.populations[c] for c in codes.tolist()], float)[inverse]  # type: ignore[index]
    design = Design.stratified(data.unit_codes, big_n / n_h[inverse], big_n)
    keys = np.char.add(np.char.add(data.unit_codes, "|"), post.labels)
    totals = {f"{u}|{c}": v for (u, c), v in post.counts.items()}
    return poststratify(design, keys, totals)


def reference(
    data: SipasData, design: Design, units: list[str], group: str | None, aggregation: str
) -> dict[str, tuple[float, float]]:
    """key → (estimate, se) through ratio_influence and the calibrated total_variance."""
    inside = np.isin(data.unit_codes, units)
    if group is not None:
        inside &= data.groups == group
    valid = ~np.isnan(data.answers) & inside[:, None]
    satisfied = (data.answers >= 4) & valid
    r, z = ratio_influence(satisfied.astype(float), valid.astype(float), design.weights)

    def se(influence: np.ndarray) -> float:
        return float(np.sqrt(total_variance(design, influence)))

    out = {item: (r[j], se(z[:, j])) for j, item in enumerate(data.item_ids) if valid[:, j].any()}
    column = {item: j for j, item in enumerate(data.item_ids)}
    means = []
    for element, items in [*data.elements, ("SIPAS", data.item_ids)]:
        columns = [column[i] for i in items if i in out]
        if aggregation == "pooled":
            rr, zz = ratio_influence(
                satisfied[:, columns].sum(axis=1), valid[:, columns].sum(axis=1), design.weights
            )
            out[element] = (float(rr), se(zz))
            continue
        a = np.zeros(len(data.item_ids))
        if element == "SIPAS":
            a = np.mean(means, axis=0)
        else:
            a[columns] = 1 / len(columns)
            means.append(a)
        out[element] = (float(np.nan_to_num(r) @ a), se(z @ a))
    return out


@pytest.mark.parametrize("aggregation", ["mean-of-items", "pooled"])
def test_vectorised_path_equals_the_calibrated_design_variance(aggregation: str) -> None:
    data, post = random_case(3)
    design = calibrated_design(data, post)
    result = analyze_sipas(data, aggregation=aggregation, min_n=1, post_strata=post)
    scopes = {f"U{i}": [f"U{i}"] for i in range(5)}
    scopes |= {"xa": ["U0", "U1"], "so": ["U2"], "ALL": [f"U{i}" for i in range(5)]}
    checked = 0
    for code, units in scopes.items():
        for group in (None, "nam", "nu"):
            for key, (estimate, se) in reference(data, design, units, group, aggregation).items():
                row = result.row(code, key, group)
                assert row.estimate == pytest.approx(100 * estimate, rel=1e-10), (code, key, group)
                assert row.se == pytest.approx(100 * se, rel=1e-9, abs=1e-12), (code, key, group)
                checked += 1
    assert checked > 150


@pytest.mark.parametrize(("code", "group"), [("U1", None), ("xa", "nu"), ("ALL", "nam")])
def test_item_rows_equal_analysis_estimators_ratio_on_the_calibrated_design(
    code: str, group: str | None
) -> None:
    data, post = random_case(5)
    design = calibrated_design(data, post)
    result = analyze_sipas(data, min_n=1, post_strata=post)
    units = {"U1": ["U1"], "xa": ["U0", "U1"], "ALL": list(data.populations)}[code]  # type: ignore[arg-type]
    inside = np.isin(data.unit_codes, units)
    if group is not None:
        inside &= data.groups == group
    for j, item in enumerate(data.item_ids[:5]):
        valid = ~np.isnan(data.answers[:, j]) & inside
        theirs = ratio(design, (data.answers[:, j] >= 4) & valid, valid, domain=valid)
        row = result.row(code, item, group)
        assert row.estimate == pytest.approx(100 * theirs.estimate, rel=1e-12)
        assert row.se == pytest.approx(100 * theirs.se, rel=1e-10)
        assert (row.n, row.n - len(units)) == (theirs.n, theirs.df)
        assert row.deff == pytest.approx(theirs.deff, rel=1e-9)
        assert row.n_eff == pytest.approx(theirs.n_eff, rel=1e-9)


def test_row_order_does_not_matter() -> None:
    data, post = random_case(9)
    order = np.random.default_rng(1).permutation(len(data.unit_codes))
    shuffled = SipasData(
        data.unit_codes[order],
        data.answers[order],
        data.item_ids,
        data.elements,
        data.unit_types,
        data.populations,
        data.groups[order],  # type: ignore[index]
    )
    a = analyze_sipas(data, min_n=1, post_strata=post)
    b = analyze_sipas(shuffled, min_n=1, post_strata=PostStrata(post.labels[order], post.counts))
    for x, y in zip(a.rows, b.rows, strict=True):
        assert (x.unit_code, x.key, x.group, x.n) == (y.unit_code, y.key, y.group, y.n)
        assert close(x.estimate, y.estimate, rel=1e-12)
        assert close(x.se, y.se, rel=1e-10)


# ---------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"counts": {**HAND_COUNTS, ("SNV", "dat_dai"): 20}},
            "unit SNV: its service_field counts add up to 110, not to its population 120",
        ),
        (
            {
                "counts": {("SNV", "dat_dai"): 120, ("SNV", "ho_tich"): 120, ("BDT", "x"): 10},
                "cells": ["ho_tich"] * 6 + ["x"] * 3,
                "populations": {"SNV": 240, "BDT": 10},
            },
            "unit SNV, cell 'dat_dai': 120 dossiers but no respondent: merge it with another cell",
        ),
        (
            {"cells": ["dat_dai", "xay_dung", *HAND_CELLS[2:]]},
            "unit SNV, cell 'xay_dung': 1 respondent(s) (rows 2) but no known count",
        ),
        (
            {"cells": ["dat_dai", "", "", *HAND_CELLS[3:]]},
            "unit SNV: 2 respondent(s) without a service_field (rows 2, 3): give their "
            "service_field, or a count for cell ''",
        ),
        (
            {"counts": {**HAND_COUNTS, ("SNV", "dat_dai"): 0, ("SNV", "ho_tich"): 120}},
            "unit SNV, cell 'dat_dai': 2 respondent(s) but a count of 0",
        ),
        (
            {"counts": {**HAND_COUNTS, ("BDT", "x"): 2}, "populations": None},
            "unit BDT: its service_field counts add up to 2, below its 3 answers",
        ),
        ({"cells": ["dat_dai"] * 4}, "post-strata labels have shape (4,), expected (9,)"),
    ],
)
def test_counts_that_do_not_fit_are_value_errors_naming_unit_and_cell(
    changes: dict, message: str
) -> None:
    data, post = hand(**changes)
    with pytest.raises(ValueError) as error:
        analyze_sipas(data, min_n=1, post_strata=post)
    assert message in str(error.value)
    if "shape" not in message:
        assert str(error.value).startswith("post-stratification by service_field: ")


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({("SNV", "x"): -3}, "unit SNV, cell 'x': count -3 must be a number ≥ 0"),
        ({("SNV", "x"): float("nan")}, "must be a number ≥ 0"),
        ({"SNV": 3}, "keyed by (unit code, cell)"),
    ],
)
def test_bad_counts_are_refused_when_made(counts: dict, message: str) -> None:
    with pytest.raises(ValueError) as error:
        PostStrata(np.array(["x"]), counts)
    assert message in str(error.value)


def test_none_and_nan_labels_are_missing_cells() -> None:
    post = PostStrata(np.array(["a", None, float("nan")], dtype=object), {})
    assert post.labels.tolist() == ["a", "", ""]
