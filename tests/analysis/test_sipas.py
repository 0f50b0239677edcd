"""SIPAS indices: hand-worked values, R ``survey`` reference values, the variance path, flags."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import analysis.sipas as sipas_module
from analysis import (
    Design,
    PostStrata,
    ResultRow,
    SipasData,
    SipasResult,
    analyze_sipas,
    ratio,
    ratio_influence,
    total_variance,
)

NA = np.nan
DATA = Path(__file__).parent / "data"

# ---------------------------------------------------------------------------------------------
# Hand-made data: 2 units, 3 items, E1 = (q1, q2), E2 = (q3,). Unit A: N = 40, n = 4, so
# w = 10 and f = 0.1; unit B: N = 60, n = 3, so w = 20 and f = 0.05. NaN = "không áp dụng"/blank.
HAND_CODES = ["A", "A", "A", "A", "B", "B", "B"]
HAND_ANSWERS = [
    # q1 q2  q3       group
    [5, 4, 5],  # A   F
    [4, 3, 5],  # A   M
    [2, NA, 1],  # A  F
    [NA, NA, 1],  # A M
    [4, 5, 3],  # B   F
    [1, NA, 4],  # B  F
    [1, NA, NA],  # B M
]
HAND_GROUPS = ["F", "M", "F", "M", "F", "F", "M"]
HAND_ELEMENTS = (("E1", ("q1", "q2")), ("E2", ("q3",)))


def hand_data(**changes: object) -> SipasData:
    fields: dict[str, object] = {
        "unit_codes": np.array(HAND_CODES),
        "answers": np.array(HAND_ANSWERS, dtype=float),
        "item_ids": ("q1", "q2", "q3"),
        "elements": HAND_ELEMENTS,
        "unit_types": {"A": "sở"},
        "populations": {"A": 40, "B": 60},
        "groups": None,
    }
    fields.update(changes)
    return SipasData(**fields)  # type: ignore[arg-type]


def estimates(result: SipasResult, code: str, group: str | None = None) -> dict[str, float]:
    return {r.key: r.estimate for r in result.for_unit(code, group)}  # type: ignore[misc]


def test_mean_of_items_by_hand() -> None:
    result = analyze_sipas(hand_data(), min_n=1)
    # A: q1 valid 5,4,2 (NaN excluded) → 2 of 3; q2 valid 4,3 → 1/2; q3 5,5,1,1 → 2/4.
    #    E1 = (2/3 + 1/2)/2 = 7/12; E2 = 1/2; SIPAS = (7/12 + 1/2)/2 = 13/24.
    # B: q1 4,1,1 → 1/3; q2 5 → 1; q3 3,4 → 1/2; E1 = (1/3 + 1)/2 = 2/3; SIPAS = (2/3 + 1/2)/2.
    # ALL, weights 10 (A) and 20 (B): q1 = (10·2 + 20·1)/(10·3 + 20·3) = 4/9;
    #    q2 = (10·1 + 20·1)/(10·2 + 20·1) = 3/4; q3 = (10·2 + 20·1)/(10·4 + 20·2) = 1/2;
    #    E1 = (4/9 + 3/4)/2 = 43/72; SIPAS = (43/72 + 1/2)/2 = 79/144.
    expected = {
        "A": [2 / 3, 1 / 2, 1 / 2, 7 / 12, 1 / 2, 13 / 24],
        "B": [1 / 3, 1, 1 / 2, 2 / 3, 1 / 2, 7 / 12],
        "sở": [2 / 3, 1 / 2, 1 / 2, 7 / 12, 1 / 2, 13 / 24],  # the type of A alone is A
        "ALL": [4 / 9, 3 / 4, 1 / 2, 43 / 72, 1 / 2, 79 / 144],
    }
    for code, values in expected.items():
        got = estimates(result, code)
        assert list(got) == ["q1", "q2", "q3", "E1", "E2", "SIPAS"]
        assert list(got.values()) == pytest.approx([100 * v for v in values], rel=1e-12), code
    assert [r.unit_code for r in result.rows[::6]] == ["A", "B", "sở", "ALL"]
    # n: valid answers per item; respondents with a valid answer in the element / any element
    assert [r.n for r in result.for_unit("A")] == [3, 2, 4, 3, 4, 4]
    assert [r.n for r in result.for_unit("ALL")] == [6, 3, 6, 6, 6, 7]
    assert [r.level for r in result.for_unit("A")] == ["item"] * 3 + ["element"] * 2 + ["overall"]
    assert result.overall()["B"].estimate == pytest.approx(100 * 7 / 12)


def test_pooled_by_hand() -> None:
    result = analyze_sipas(hand_data(), aggregation="pooled", min_n=1)
    # A: E1 = (2 + 1)/(3 + 2) = 3/5; E2 = 2/4; SIPAS = (2 + 1 + 2)/(3 + 2 + 4) = 5/9.
    # B: E1 = (1 + 1)/(3 + 1) = 1/2; SIPAS = (1 + 1 + 1)/(3 + 1 + 2) = 1/2.
    # ALL: E1 = (10·3 + 20·2)/(10·5 + 20·4) = 7/13; SIPAS = (10·5 + 20·3)/(10·9 + 20·6) = 11/21.
    assert estimates(result, "A") == pytest.approx(
        {"q1": 200 / 3, "q2": 50, "q3": 50, "E1": 60, "E2": 50, "SIPAS": 500 / 9}
    )
    assert estimates(result, "B")["E1"] == pytest.approx(50)
    assert estimates(result, "B")["SIPAS"] == pytest.approx(50)
    assert estimates(result, "ALL")["E1"] == pytest.approx(700 / 13)
    assert estimates(result, "ALL")["SIPAS"] == pytest.approx(1100 / 21)
    assert {r.method for r in result.rows} == {"pooled; logit; fpc"}
    assert result.aggregation == "pooled"


def test_standard_errors_by_hand() -> None:
    result = analyze_sipas(hand_data(), min_n=1)
    # A, q1: r = 2/3, D = Σ w v = 10·3 = 30, z_i = (y_i − r v_i)/D = 1/90, 1/90, −2/90, 0;
    # w z = 1/9, 1/9, −2/9, 0 (mean 0); Σ (w z)² = 6/81;
    # V = (1 − f) n/(n − 1) Σ (w z − mean)² = 0.9 · 4/3 · 6/81 = 4/45.
    assert result.row("A", "q1").se == pytest.approx(100 * np.sqrt(4 / 45), rel=1e-12)
    # A, E1 = (r1 + r2)/2: q2 has r = 1/2, D = 20, w z = 1/4, −1/4, 0, 0, so
    # w z_E1 = (1/9 + 1/4)/2, (1/9 − 1/4)/2, −1/9, 0 = 13/72, −5/72, −8/72, 0;
    # Σ (w z)² = 258/5184; V = 1.2 · 258/5184 = 43/720.
    assert result.row("A", "E1").se == pytest.approx(100 * np.sqrt(43 / 720), rel=1e-12)
    # B, q2: one valid answer (5), all z = 0: no variance. At p̂ = 1 the logit interval falls
    # back to Korn–Graubard with n* = Kish's n_eff = 1: [(0.05/2)^(1/1), 1] = [2.5 %, 100 %].
    row = result.row("B", "q2")
    assert (row.estimate, row.se, row.n, row.deff, row.n_eff) == (100, 0, 1, None, 1)
    assert (row.ci_low, row.ci_high) == pytest.approx((2.5, 100))


def test_no_populations_means_weight_one_and_no_fpc_and_says_so() -> None:
    result = analyze_sipas(hand_data(populations=None), min_n=1)
    assert {r.method for r in result.rows} == {"mean-of-items; logit; no-fpc equal-weights"}
    assert any("populations not given" in note for note in result.notes)
    # ALL, weight 1: q1 = (2 + 1)/(3 + 3) = 1/2; q2 = (1 + 1)/(2 + 1) = 2/3
    assert estimates(result, "ALL")["q1"] == pytest.approx(50)
    assert estimates(result, "ALL")["q2"] == pytest.approx(200 / 3)
    # A, q1 without fpc: V = 4/3 · Σ (w z)² with w = 1, D = 3: z = 1/9, 1/9, −2/9, 0 → 6/81;
    # V = 4/3 · 6/81 = 8/81.
    assert result.row("A", "q1").se == pytest.approx(100 * np.sqrt(8 / 81), rel=1e-12)


def test_by_groups_are_domains_with_their_own_rows() -> None:
    data = hand_data(groups=np.array(HAND_GROUPS))
    result = analyze_sipas(data, min_n=1)
    assert {r.group for r in result.rows} == {None, "F", "M"}
    assert len(result.rows) == 3 * 4 * 6  # (everyone, F, M) × (A, B, sở, ALL) × 6 indices
    # A, F: q1 answers 5, 2 → 1/2; q3 answers 5, 1 → 1/2; B, M: q1 answer 1 → 0, q2 none
    assert estimates(result, "A", "F")["q1"] == pytest.approx(50)
    assert estimates(result, "A", "F")["q3"] == pytest.approx(50)
    assert estimates(result, "B", "M")["q1"] == 0
    assert result.row("B", "q2", "M").flag == "suppressed"
    assert result.row("B", "q2", "M").n == 0
    # ALL, F: q1 = (10·1 + 20·1)/(10·2 + 20·2) = 1/2
    assert estimates(result, "ALL", "F")["q1"] == pytest.approx(50)
    # the ungrouped rows do not change when a `by` column is added
    plain = analyze_sipas(hand_data(), min_n=1)
    everyone = [r for r in result.rows if r.group is None]
    assert [(r.unit_code, r.key, r.n, r.flag) for r in everyone] == [
        (r.unit_code, r.key, r.n, r.flag) for r in plain.rows
    ]
    assert [r.se for r in everyone] == pytest.approx([r.se for r in plain.rows], rel=1e-12)


def test_flags_unreliable_and_suppressed() -> None:
    # unit "big": 40 answers, 36 satisfied (cv small); unit "low": 40 answers, 3 satisfied
    # (p = 0.075, se ≈ 0.042, cv ≈ 0.56 > 0.2); unit "few": 10 answers; unit "tiny": 3 answers.
    codes = ["big"] * 40 + ["low"] * 40 + ["few"] * 10 + ["tiny"] * 3
    satisfied = [5] * 36 + [2] * 4 + [4] * 3 + [1] * 37 + [5] * 9 + [3] + [4, 4, 1]
    data = SipasData(
        np.array(codes), np.array(satisfied, float)[:, None], ("q1",), (("E1", ("q1",)),)
    )
    result = analyze_sipas(data)
    flags = {code: result.row(code, "q1").flag for code in ("big", "low", "few", "tiny")}
    assert flags == {"big": "", "low": "unreliable", "few": "unreliable", "tiny": "suppressed"}
    low = result.row("low", "q1")
    assert low.se / low.estimate > 0.2  # type: ignore[operator]
    tiny = result.row("tiny", "q1")
    assert (tiny.estimate, tiny.se, tiny.ci_low, tiny.ci_high, tiny.n) == (
        None,
        None,
        None,
        None,
        3,
    )
    assert (tiny.n_eff, tiny.deff) == (None, None)
    assert analyze_sipas(data, min_n=3).row("tiny", "q1").estimate == pytest.approx(200 / 3)
    loose = analyze_sipas(data, reliable_n=5, max_cv=1.0)
    assert loose.row("few", "q1").flag == ""
    assert loose.row("low", "q1").flag == ""


def test_an_item_without_valid_answers_is_left_out_of_its_element() -> None:
    answers = np.array(HAND_ANSWERS, dtype=float)
    answers[4:, 1] = NA  # B: nobody answers q2
    result = analyze_sipas(hand_data(answers=answers), min_n=1)
    assert result.row("B", "q2").estimate is None
    assert result.row("B", "q2").flag == "suppressed"
    # B: E1 = q1 alone = 1/3; SIPAS = (1/3 + 1/2)/2
    assert result.row("B", "E1").estimate == pytest.approx(100 / 3)
    assert result.row("B", "SIPAS").estimate == pytest.approx(100 * 5 / 12)
    assert any("mean of its items that have one" in note for note in result.notes)
    answers[4:, 2] = NA  # and nobody answers q3: E2 has no index, SIPAS = E1
    result = analyze_sipas(hand_data(answers=answers), min_n=1)
    assert result.row("B", "E2").estimate is None
    assert result.row("B", "SIPAS").estimate == pytest.approx(100 / 3)


def test_progress_is_reported_up_to_the_total() -> None:
    calls: list[tuple[int, int]] = []
    analyze_sipas(hand_data(), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (3, 3)  # two units, then the estimation
    assert [done for done, _ in calls] == [1, 2, 3]


def test_row_order_is_independent_of_the_order_of_respondents() -> None:
    data = hand_data(groups=np.array(HAND_GROUPS))
    order = np.random.default_rng(5).permutation(len(HAND_CODES))
    shuffled = SipasData(
        data.unit_codes[order],
        data.answers[order],
        data.item_ids,
        data.elements,
        data.unit_types,
        data.populations,
        data.groups[order],  # type: ignore[index]
    )
    a, b = analyze_sipas(data, min_n=1), analyze_sipas(shuffled, min_n=1)
    for x, y in zip(a.rows, b.rows, strict=True):
        assert (x.unit_code, x.key, x.group, x.n) == (y.unit_code, y.key, y.group, y.n)
        assert (x.estimate is None) == (y.estimate is None)
        if x.estimate is not None:
            assert x.estimate == pytest.approx(y.estimate, rel=1e-12)
            assert x.se == pytest.approx(y.se, rel=1e-10, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Independent checks of the standard errors on random SIPAS-like data.


def random_data(seed: int, *, units: int = 7, n: int = 400, populations: bool = True) -> SipasData:
    rng = np.random.default_rng(seed)
    codes = np.array([f"U{i}" for i in range(units)])[rng.integers(0, units, n)]
    k = 7
    answers = rng.choice([1.0, 2, 3, 4, 5, NA], size=(n, k), p=[0.05, 0.1, 0.15, 0.35, 0.25, 0.1])
    answers[rng.random(n) < 0.5, 5:] = NA  # element E3: often "không áp dụng"
    answers[codes == "U0", 6] = NA  # no valid answer to q7 in U0
    elements = (("E1", ("q1", "q2", "q3")), ("E2", ("q4", "q5")), ("E3", ("q6", "q7")))
    sizes = {c: int((codes == c).sum()) for c in np.unique(codes)}
    return SipasData(
        codes,
        answers,
        tuple(f"q{j + 1}" for j in range(k)),
        elements,
        {"U0": "xa", "U1": "xa", "U2": "so", "U3": "so", "U4": "so"},
        {c: size * int(rng.integers(2, 30)) for c, size in sizes.items()} if populations else None,
        rng.choice(["nam", "nu", "khac"], size=n, p=[0.45, 0.45, 0.1]),
    )


def design_of(data: SipasData) -> tuple[Design, np.ndarray]:
    codes, inverse, n_h = np.unique(data.unit_codes, return_inverse=True, return_counts=True)
    if data.populations is None:
        weights, fpc = np.ones(len(inverse)), None
    else:
        big_n = np.array([data.populations[c] for c in codes.tolist()], dtype=float)[inverse]
        weights, fpc = big_n / n_h[inverse], big_n
    return Design.stratified(data.unit_codes, weights, fpc), weights


def reference_rows(
    data: SipasData, units: list[str], group: str | None, aggregation: str
) -> dict[str, tuple[float, float]]:
    """key → (estimate, se) through `ratio_influence` and `total_variance`, one index at a time."""
    design, weights = design_of(data)
    inside = np.isin(data.unit_codes, units)
    if group is not None:
        inside &= data.groups == group
    valid = ~np.isnan(data.answers) & inside[:, None]
    satisfied = (data.answers >= 4) & valid
    out: dict[str, tuple[float, float]] = {}
    influence = np.zeros(data.answers.shape)
    item_ratio = {}
    for j, item in enumerate(data.item_ids):
        if valid[:, j].any():
            r, influence[:, j] = ratio_influence(satisfied[:, j], valid[:, j], weights)
            item_ratio[item] = r
            out[item] = (r, float(np.sqrt(total_variance(design, influence[:, j]))))
    column = {item: j for j, item in enumerate(data.item_ids)}
    element_a = []
    for element, items in data.elements:
        columns = [column[i] for i in items if i in item_ratio]
        if aggregation == "pooled" and columns:
            num = satisfied[:, columns].sum(axis=1)
            den = valid[:, columns].sum(axis=1)
            r, z = ratio_influence(num, den, weights)
            out[element] = (r, float(np.sqrt(total_variance(design, z))))
        elif columns:
            a = np.zeros(len(data.item_ids))
            a[columns] = 1 / len(columns)
            element_a.append(a)
            estimate = float(a @ [item_ratio.get(i, 0.0) for i in data.item_ids])
            out[element] = (estimate, float(np.sqrt(total_variance(design, influence @ a))))
    if aggregation == "pooled":
        all_items = [column[i] for _, items in data.elements for i in items]
        r, z = ratio_influence(
            satisfied[:, all_items].sum(axis=1), valid[:, all_items].sum(axis=1), weights
        )
        out["SIPAS"] = (r, float(np.sqrt(total_variance(design, z))))
    else:
        a = np.mean(element_a, axis=0)
        estimate = float(a @ [item_ratio.get(i, 0.0) for i in data.item_ids])
        out["SIPAS"] = (estimate, float(np.sqrt(total_variance(design, influence @ a))))
    return out


@pytest.mark.parametrize("aggregation", ["mean-of-items", "pooled"])
@pytest.mark.parametrize("populations", [True, False])
def test_vectorised_path_equals_total_variance_of_the_combined_influence(
    aggregation: str, populations: bool
) -> None:
    data = random_data(11, populations=populations)
    result = analyze_sipas(data, aggregation=aggregation, min_n=1)
    scopes = {f"U{i}": [f"U{i}"] for i in range(7)}
    scopes |= {"xa": ["U0", "U1"], "so": ["U2", "U3", "U4"], "ALL": [f"U{i}" for i in range(7)]}
    checked = 0
    for code, units in scopes.items():
        for group in (None, "nam", "nu", "khac"):
            for key, (estimate, se) in reference_rows(data, units, group, aggregation).items():
                row = result.row(code, key, group)
                assert row.estimate == pytest.approx(100 * estimate, rel=1e-10), (code, key, group)
                assert row.se == pytest.approx(100 * se, rel=1e-9, abs=1e-12), (code, key, group)
                checked += 1
    assert checked > 300
    assert result.row("U0", "q7").estimate is None  # no valid answer to q7 in U0


def test_item_se_is_the_textbook_ratio_estimator_se() -> None:
    # Cochran (1977) eq. 6.9 within one stratum, SRS without replacement of n from N:
    # V(r) = (1 − n/N) / (n · x̄²) · Σ (y_i − r x_i)² / (n − 1), with x = valid, y = satisfied.
    data = random_data(3)
    result = analyze_sipas(data, min_n=1)
    for code in np.unique(data.unit_codes).tolist():
        rows = data.unit_codes == code
        n, big_n = rows.sum(), data.populations[code]  # type: ignore[index]
        for j, item in enumerate(data.item_ids):
            x = (~np.isnan(data.answers[rows, j])).astype(float)
            y = (data.answers[rows, j] >= 4).astype(float)
            if x.sum() == 0:
                continue
            r = y.sum() / x.sum()
            variance = (1 - n / big_n) / (n * x.mean() ** 2) * ((y - r * x) ** 2).sum() / (n - 1)
            assert result.row(code, item).se == pytest.approx(100 * np.sqrt(variance), rel=1e-10)


def test_item_se_equals_the_ratio_estimator_of_analysis_estimators() -> None:
    data = random_data(4)
    result = analyze_sipas(data, min_n=1)
    design, _ = design_of(data)
    for code in ["U1", "U5"]:
        for j, item in enumerate(data.item_ids):
            inside = data.unit_codes == code
            valid = ~np.isnan(data.answers[:, j]) & inside
            theirs = ratio(design, (data.answers[:, j] >= 4) & valid, valid, domain=valid)
            row = result.row(code, item)
            assert row.estimate == pytest.approx(100 * theirs.estimate, rel=1e-12)
            assert row.se == pytest.approx(100 * theirs.se, rel=1e-10)
            assert (row.n, row.n - 1) == (theirs.n, theirs.df)
            assert row.deff == pytest.approx(theirs.deff, rel=1e-9)
            assert row.n_eff == pytest.approx(theirs.n_eff, rel=1e-9)


@pytest.mark.parametrize(
    ("code", "units", "group"),
    [("U2", ["U2"], None), ("so", ["U2", "U3", "U4"], None), ("ALL", None, "nu")],
)
def test_pooled_rows_equal_analysis_estimators_ratio(
    code: str, units: list[str] | None, group: str | None
) -> None:
    # pooled E2 = Σ_i w_i (y_i4 + y_i5) / Σ_i w_i (v_i4 + v_i5) over respondents with a valid
    # answer in E2 (the domain): estimate, SE, n, df, deff and n_eff all as `ratio` has them
    data = random_data(8)
    result = analyze_sipas(data, aggregation="pooled", min_n=1)
    design, _ = design_of(data)
    inside = (
        np.ones(len(data.unit_codes), bool) if units is None else np.isin(data.unit_codes, units)
    )
    if group is not None:
        inside &= data.groups == group
    for key, columns in [("E2", [3, 4]), ("SIPAS", list(range(7)))]:
        valid = ~np.isnan(data.answers[:, columns]) & inside[:, None]
        satisfied = (data.answers[:, columns] >= 4) & valid
        theirs = ratio(design, satisfied.sum(axis=1), valid.sum(axis=1), domain=valid.any(axis=1))
        row = result.row(code, key, group)
        assert row.estimate == pytest.approx(100 * theirs.estimate, rel=1e-12)
        assert row.se == pytest.approx(100 * theirs.se, rel=1e-10)
        assert row.n == theirs.n
        assert row.deff == pytest.approx(theirs.deff, rel=1e-9)
        assert row.n_eff == pytest.approx(theirs.n_eff, rel=1e-9)


# ---------------------------------------------------------------------------------------------
# R `survey` 4.1.1 (R 4.2.2): tests/analysis/r/sipas_reference.R on data/sipas_small.csv, with
#   des <- svydesign(id = ~1, strata = ~unit, weights = ~w, fpc = ~N, data = d)  # w = N/n_h
# items:   svyratio(~sat_q1, ~valid_q1, subset(des, unit == "A"))          (coef, SE)
# E1:      svycontrast(svyratio(~sat_q1+..+sat_q4, ~valid_q1+..+valid_q4, D, covmat = TRUE),
#                      c("sat_q1/valid_q1" = 0.5, "sat_q2/valid_q2" = 0.5))
# SIPAS:   the same contrast with 0.25 on each of the four diagonal ratios
# pooled:  svyratio(~sat_E1, ~valid_E1, D), sat_E1 = sat_q1 + sat_q2 (SIPAS: all four items)
# D is des ("ALL"), subset(des, unit == u), subset(des, unit %in% c("A", "B")) (type "AB"),
# subset(des, unit == "A" & sex == "F") and subset(des, sex == "M") (`by` groups).
R_SURVEY = [
    # (unit_code, group, key, aggregation, estimate, SE)
    ("ALL", None, "q1", "mean-of-items", 0.772444751381, 0.089655595007),
    ("ALL", None, "q2", "mean-of-items", 0.516083916084, 0.102323660501),
    ("ALL", None, "q3", "mean-of-items", 0.652865592494, 0.110124861466),
    ("ALL", None, "q4", "mean-of-items", 0.7936040808319, 0.0883877517204),
    ("ALL", None, "E1", "mean-of-items", 0.6442643337326, 0.0648939360024),
    ("ALL", None, "E2", "mean-of-items", 0.7232348366631, 0.0737837523224),
    ("ALL", None, "SIPAS", "mean-of-items", 0.6837495851978, 0.0553866430295),
    ("ALL", None, "E1", "pooled", 0.6450660180681, 0.0636655511001),
    ("ALL", None, "SIPAS", "pooled", 0.6820379323168, 0.0539625828439),
    ("A", None, "q1", "mean-of-items", 0.8461538461538, 0.0968906680107),
    ("A", None, "q2", "mean-of-items", 0.533333333333, 0.124721912892),
    ("A", None, "q3", "mean-of-items", 0.750000000000, 0.121030729569),
    ("A", None, "q4", "mean-of-items", 0.769230769231, 0.113143924118),
    ("A", None, "E1", "mean-of-items", 0.6897435897436, 0.0603910745005),
    ("A", None, "E2", "mean-of-items", 0.7596153846154, 0.0862574280822),
    ("A", None, "SIPAS", "mean-of-items", 0.7246794871795, 0.0474848205672),
    ("A", None, "E1", "pooled", 0.6785714285714, 0.0599710255816),
    ("A", None, "SIPAS", "pooled", 0.7169811320755, 0.0466319068202),
    ("B", None, "q1", "mean-of-items", 0.750000000000, 0.109713431434),
    ("B", None, "q2", "mean-of-items", 0.8461538461538, 0.0878306501105),
    ("B", None, "q3", "mean-of-items", 0.777777777778, 0.121632613675),
    ("B", None, "q4", "mean-of-items", 0.818181818182, 0.102069740403),
    ("B", None, "E1", "mean-of-items", 0.7980769230769, 0.0608543107161),
    ("B", None, "E2", "mean-of-items", 0.7979797979798, 0.0704766680392),
    ("B", None, "SIPAS", "mean-of-items", 0.7980283605284, 0.0454978707993),
    ("B", None, "E1", "pooled", 0.800000000000, 0.060402599895),
    ("B", None, "SIPAS", "pooled", 0.8000000000000, 0.0434388290604),
    ("C", None, "q1", "mean-of-items", 0.750000000000, 0.127920429813),
    ("C", None, "q2", "mean-of-items", 0.454545454545, 0.153639008775),
    ("C", None, "q3", "mean-of-items", 0.600000000000, 0.158538782178),
    ("C", None, "q4", "mean-of-items", 0.800000000000, 0.129446373593),
    ("C", None, "E1", "mean-of-items", 0.6022727272727, 0.0981402783817),
    ("C", None, "E2", "mean-of-items", 0.70000000000, 0.10733126292),
    ("C", None, "SIPAS", "mean-of-items", 0.6511363636364, 0.0834014233584),
    ("C", None, "E1", "pooled", 0.608695652174, 0.095283921621),
    ("C", None, "SIPAS", "pooled", 0.6511627906977, 0.0807836668846),
    ("AB", None, "q1", "mean-of-items", 0.8187103594080, 0.0760255354773),
    ("AB", None, "q2", "mean-of-items", 0.6186480186480, 0.0938164007691),
    ("AB", None, "q3", "mean-of-items", 0.7568058076225, 0.0961196545252),
    ("AB", None, "q4", "mean-of-items", 0.7823497563617, 0.0872324901751),
    ("AB", None, "E1", "mean-of-items", 0.718679189028, 0.046625169613),
    ("AB", None, "E2", "mean-of-items", 0.7695777819921, 0.0667499411485),
    ("AB", None, "SIPAS", "mean-of-items", 0.7441284855101, 0.0369704636943),
    ("AB", None, "E1", "pooled", 0.7124102055982, 0.0466935030284),
    ("AB", None, "SIPAS", "pooled", 0.7392861881385, 0.0362354358992),
    ("A", "F", "q1", "mean-of-items", 0.833333333333, 0.147313912747),
    ("A", "F", "q2", "mean-of-items", 0.714285714286, 0.165325017817),
    ("A", "F", "q3", "mean-of-items", 0.666666666667, 0.186338998125),
    ("A", "F", "q4", "mean-of-items", 0.714285714286, 0.165325017817),
    ("A", "F", "E1", "mean-of-items", 0.7738095238095, 0.0924023782486),
    ("A", "F", "E2", "mean-of-items", 0.690476190476, 0.138686279169),
    ("A", "F", "SIPAS", "mean-of-items", 0.7321428571429, 0.0695841292345),
    ("A", "F", "E1", "pooled", 0.769230769231, 0.093089542737),
    ("A", "F", "SIPAS", "pooled", 0.730769230769, 0.070314916205),
    ("ALL", "M", "q1", "mean-of-items", 0.756280681490, 0.121385019309),
    ("ALL", "M", "q2", "mean-of-items", 0.489767311466, 0.137831733697),
    ("ALL", "M", "q3", "mean-of-items", 0.456081081081, 0.153363365963),
    ("ALL", "M", "q4", "mean-of-items", 0.836197021764, 0.121149613800),
    ("ALL", "M", "E1", "mean-of-items", 0.6230239964781, 0.0898120043395),
    ("ALL", "M", "E2", "mean-of-items", 0.646139051423, 0.109596463536),
    ("ALL", "M", "SIPAS", "mean-of-items", 0.6345815239503, 0.0795988625743),
    ("ALL", "M", "E1", "pooled", 0.6210526315789, 0.0898562201554),
    ("ALL", "M", "SIPAS", "pooled", 0.631121578819, 0.078469262394),
]
# svyciprop(~I(q1 >= 4), subset(des, unit == u & !is.na(q1)), method = m): confint, degf.
# R's "beta" is the Korn–Graubard interval.
R_SVYCIPROP = [
    # (unit_code, key, method, ci_low, ci_high, df)
    ("A", "q1", "logit", 0.5207544029649, 0.9653244966321, 12),
    ("A", "q1", "korn-graubard", 0.5573451788334, 0.9787744187704, 12),
    ("B", "q1", "logit", 0.452823640302, 0.915791511824, 11),
    ("B", "q1", "korn-graubard", 0.472034173262, 0.929013019382, 11),
    ("C", "q1", "logit", 0.400593483001, 0.930875573037, 11),
    ("C", "q1", "korn-graubard", 0.419790942496, 0.947927157470, 11),
    ("ALL", "q4", "logit", 0.5612480130497, 0.9203673190455, 31),
    ("ALL", "q4", "korn-graubard", 0.5621493614406, 0.9369700182777, 31),
]
# deff(svymean(~sat_q1, subset(des, unit == u & valid_q1 == 1), deff = TRUE)): against SRS
# without replacement; "ALL": subset(des, valid_q1 == 1).
R_DEFF = [("A", 0.989010989011), ("B", 0.993055555556), ("C", 1.0), ("ALL", 1.79537537072)]


def small_fixture() -> SipasData:
    with (DATA / "sipas_small.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    items = ("q1", "q2", "q3", "q4")
    return SipasData(
        unit_codes=np.array([r["unit"] for r in rows]),
        answers=np.array(
            [[NA if r[q] in ("", "na") else float(r[q]) for q in items] for r in rows]
        ),
        item_ids=items,
        elements=(("E1", ("q1", "q2")), ("E2", ("q3", "q4"))),
        unit_types={"A": "AB", "B": "AB", "C": "CC"},
        populations={r["unit"]: int(r["N"]) for r in rows},
        groups=np.array([r["sex"] for r in rows]),
    )


@pytest.fixture(scope="module")
def small_results() -> dict[tuple[str, str], SipasResult]:
    data = small_fixture()
    return {
        (aggregation, method): analyze_sipas(
            data, aggregation=aggregation, ci_method=method, min_n=1
        )
        for aggregation in ("mean-of-items", "pooled")
        for method in ("logit", "korn-graubard")
    }


@pytest.mark.parametrize(("code", "group", "key", "aggregation", "estimate", "se"), R_SURVEY)
def test_indices_and_standard_errors_match_r_survey(
    small_results: dict[tuple[str, str], SipasResult],
    code: str,
    group: str | None,
    key: str,
    aggregation: str,
    estimate: float,
    se: float,
) -> None:
    row = small_results[aggregation, "logit"].row(code, key, group)
    assert row.estimate == pytest.approx(100 * estimate, rel=1e-6)
    assert row.se == pytest.approx(100 * se, rel=1e-6)


@pytest.mark.parametrize(("code", "key", "method", "low", "high", "df"), R_SVYCIPROP)
def test_item_intervals_match_r_svyciprop(
    small_results: dict[tuple[str, str], SipasResult],
    code: str,
    key: str,
    method: str,
    low: float,
    high: float,
    df: int,
) -> None:
    row = small_results["mean-of-items", method].row(code, key)
    assert row.n - (1 if code != "ALL" else 3) == df  # R's degf: respondents minus strata
    assert (row.ci_low, row.ci_high) == pytest.approx((100 * low, 100 * high), rel=1e-6)


@pytest.mark.parametrize(("code", "deff"), R_DEFF)
def test_design_effects_match_r_svymean_deff(
    small_results: dict[tuple[str, str], SipasResult], code: str, deff: float
) -> None:
    row = small_results["mean-of-items", "logit"].row(code, "q1")
    assert row.deff == pytest.approx(deff, rel=1e-6)
    assert row.n_eff == pytest.approx(row.n / deff, rel=1e-6)


# ---------------------------------------------------------------------------------------------
# Input checks


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"answers": np.array([[5, 7, 5], *HAND_ANSWERS[1:]], float)}, "item 'q2' (row 1)"),
        ({"answers": np.array([[5, 0.5, 5], *HAND_ANSWERS[1:]], float)}, "value 0.5"),
        ({"answers": np.ones((7, 2))}, "answers has shape (7, 2), expected (7, 3)"),
        ({"answers": [["5", "na", "4"]] * 7}, "answers must be numbers"),
        ({"elements": (("E1", ("q1", "q9")),)}, "names items ['q9'] not in item_ids"),
        ({"elements": (("E1", ("q1",)), ("E2", ("q1",)))}, "'q1' is in elements 'E1' and 'E2'"),
        ({"elements": ()}, "at least one element"),
        ({"elements": (("q1", ("q2",)),)}, "must differ"),
        ({"item_ids": ("q1", "q1", "q3")}, "distinct"),
        ({"populations": {"A": 3, "B": 60}}, "unit 'A': population 3 is below its 4 answers"),
        ({"populations": {"A": 40}}, "unit 'B' has answers but no population"),
        ({"unit_codes": np.array(["ALL"] * 7)}, "not unit codes"),
        ({"unit_types": {"A": "B"}}, "unit type names ['B'] are also unit codes"),
        ({"groups": np.array(["F"])}, "groups has shape (1,), expected (7,)"),
        ({"unit_codes": np.array([])}, "non-empty"),
    ],
)
def test_bad_input_is_a_value_error_that_names_it(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=None) as error:
        hand_data(**changes)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ci_method": "wald"}, "ci_method ('wald') must be one of logit, wilson, korn-graubard"),
        ({"aggregation": "median"}, "aggregation ('median') must be one of"),
        ({"confidence": 1.5}, "confidence (1.5) must be in (0, 1)"),
        ({"max_cv": 0}, "max_cv (0) > 0"),
    ],
)
def test_bad_options_are_value_errors(options: dict, message: str) -> None:
    with pytest.raises(ValueError) as error:
        analyze_sipas(hand_data(), **options)
    assert message in str(error.value)


def test_result_rows_are_plain_values() -> None:
    row = analyze_sipas(hand_data(), min_n=1).row("A", "q1")
    assert isinstance(row, ResultRow)
    assert type(row.estimate) is float and type(row.n) is int and type(row.n_eff) is float
    assert row.deff == pytest.approx(row.n / row.n_eff)
    assert row.ci_low < row.estimate < row.ci_high  # type: ignore[operator]


def test_float32_answers_are_kept_and_give_the_same_results() -> None:
    """A reader may hand over float32 answers (half the memory): kept as given, not copied,
    and every figure is the same as with float64 (the estimates only compare with 4 and NaN)."""
    wide = random_data(11)
    narrow = replace(wide, answers=wide.answers.astype(np.float32))
    assert narrow.answers.dtype == np.float32
    data = SipasData(wide.unit_codes, narrow.answers, wide.item_ids, wide.elements, wide.unit_types)
    assert data.answers is narrow.answers
    for options in ({}, {"aggregation": "pooled", "ci_method": "wilson"}):
        a, b = analyze_sipas(wide, **options), analyze_sipas(narrow, **options)
        assert repr(a) == repr(b)  # every figure to the last bit (repr of a float is exact)


def test_the_first_bad_answer_is_found_in_any_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """The answers are checked a block of rows at a time: the first bad one in row order is
    named, in a late block too, float32 or float64."""
    monkeypatch.setattr(sipas_module, "_BLOCK_CELLS", 6)  # two rows of three a block
    for dtype in (np.float64, np.float32):
        answers = np.array(HAND_ANSWERS, dtype)
        answers[5, 2], answers[6, 0] = 4.5, 9
        with pytest.raises(ValueError, match=r"item 'q3' \(row 6\) has the value 4.5"):
            hand_data(answers=answers)


SPECIAL = [1, 2, 3, 4, 5, np.nan, -np.nan, 0, -0.0, 6, 0.5, 4.5, 1 - 2**-24, 5 + 2**-20, np.inf]
SPECIAL += [-np.inf, 3 + 1e-7, np.finfo(np.float32).tiny, -1, 2.0000001, 1e30]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_answer_check_finds_what_its_definition_says(dtype: type) -> None:
    """Good is 1, 2, 3, 4, 5 or NaN and nothing else, whatever the float: the check's arithmetic
    (range, rint, x ≠ x) against the definition written out, value by value and in a matrix."""
    for value in SPECIAL:
        cell = np.array([value], dtype)[0]
        good = bool(np.isnan(cell)) or float(cell) in (1.0, 2.0, 3.0, 4.0, 5.0)
        answers = np.full((3, 4), 4.0, dtype)
        answers[2, 1] = cell
        assert (sipas_module._first_bad_answer(answers) is None) is good, value
        if not good:
            assert sipas_module._first_bad_answer(answers) == (2, 1)


@pytest.mark.parametrize("threads", [1, 3])
def test_the_sums_in_pieces_and_threads_give_every_figure_exactly(
    monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    """A cell's rows summed a few at a time on several threads: every figure of every option
    (groups, post-strata) the same to the last bit as summing each cell at once on one thread."""
    data = random_data(5, n=900)
    cells = np.array(["a", "b"])[np.arange(900) % 2]
    assert data.populations is not None
    counts = {(u, c): n / 2 for u, n in data.populations.items() for c in ("a", "b")}
    options: list[dict[str, object]] = [
        {},
        {"aggregation": "pooled", "ci_method": "wilson"},
        {"post_strata": PostStrata(cells, counts, "cell")},
    ]

    def run() -> tuple[list[str], list[tuple[int, int]]]:
        steps: list[tuple[int, int]] = []
        figures = [
            repr(analyze_sipas(data, progress=lambda d, t: steps.append((d, t)), **o))  # type: ignore[arg-type]
            for o in options
        ]
        return figures, steps

    monkeypatch.setattr(sipas_module, "_THREADS", 1)
    monkeypatch.setattr(sipas_module, "_TASK_ROWS", 1 << 20)
    whole = run()
    monkeypatch.setattr(sipas_module, "_THREADS", threads)
    monkeypatch.setattr(sipas_module, "_TASK_ROWS", 7)  # every cell in many pieces
    assert run() == whole  # the figures, and the progress steps in the same order
