"""Our estimators, calibrations and intervals against R's ``survey`` package on its api data.

Reference values were printed by the scripts in ``tests/analysis/r/`` (run from the repository
root: ``Rscript tests/analysis/r/design_reference.R`` etc.; their output is kept beside them as
``*.Rout``) with R 4.2.2 and survey 4.1.1, ``options(digits = 15, survey.lonely.psu =
"certainty")``. Each value below has the R call that produced it beside it. The data are R
survey's ``api`` data sets as CSV files in ``tests/analysis/data/api/`` (see its README).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from analysis import (
    Design,
    Estimate,
    mean,
    poststratify,
    proportion,
    proportion_ci,
    proportion_ci_arrays,
    rake,
    ratio,
    ratio_matrix,
    total,
    total_variance,
)
from analysis.intervals import mean_ci

API = Path(__file__).resolve().parent / "data" / "api"
REL = 1e-6


class Api:
    """Columns of one api CSV file: numbers as floats (NA → NaN), text as str arrays."""

    def __init__(self, name: str) -> None:
        with (API / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            self.rows = list(csv.DictReader(handle))

    def __call__(self, column: str) -> np.ndarray:
        values = [row[column] for row in self.rows]
        try:
            return np.array([np.nan if v in ("NA", "") else float(v) for v in values])
        except ValueError:
            return np.array(values)


@cache
def data(name: str) -> Api:
    return Api(name)


def strat() -> Api:
    return data("apistrat")


def clus1() -> Api:
    return data("apiclus1")


@cache
def dstrata() -> Design:
    """svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)"""
    s = strat()
    return Design.stratified(s("stype"), s("pw"), fpc=s("fpc"))


@cache
def dclus1() -> Design:
    """svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)"""
    c = clus1()
    return Design.stratified(np.zeros(c("pw").size), c("pw"), fpc=c("fpc"), clusters=c("dnum"))


POP_TYPES = {"E": 4421, "H": 755, "M": 1018}  # as.data.frame(table(stype = apipop$stype))
POP_SCHWIDE = {"No": 1072, "Yes": 5122}  # as.data.frame(table(sch.wide = apipop$sch.wide))
POP_COMPIMP = {"No": 6194 - 4482, "Yes": 4482}  # table(apipop$comp.imp)


@cache
def dps() -> Design:
    """postStratify(dclus1, ~stype, data.frame(stype = c("E","H","M"), Freq = c(4421,755,1018)))"""
    return poststratify(dclus1(), clus1()("stype"), POP_TYPES)


@cache
def draked() -> Design:
    """rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide)), fully converged"""
    c = clus1()
    margins = [(c("stype"), POP_TYPES), (c("sch.wide"), POP_SCHWIDE)]
    return rake(dclus1(), margins, tol=1e-12)


@cache
def draked_strata() -> Design:
    """rake(dstrata, list(~sch.wide, ~comp.imp), <apipop tables>), fully converged"""
    s = strat()
    margins = [(s("sch.wide"), POP_SCHWIDE), (s("comp.imp"), POP_COMPIMP)]
    return rake(dstrata(), margins, tol=1e-12)


# (R call, our estimate, R's estimate, SE and deff (None: not printed))
Case = tuple[str, Callable[[], Estimate], float, float, float | None]
CASES: list[Case] = [
    # --- stratified: svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)
    (
        "svymean(~api00, dstrata, deff = TRUE)",
        lambda: mean(dstrata(), strat()("api00")),
        662.28736315932076,
        9.40894080278458,
        1.20445726853772,
    ),
    (
        "svymean(~enroll, dstrata, deff = TRUE)",
        lambda: mean(dstrata(), strat()("enroll")),
        595.282137135503717,
        18.508510958577375,
        0.362018122363404,
    ),
    (
        "svytotal(~api00, dstrata, deff = TRUE)",
        lambda: total(dstrata(), strat()("api00")),
        4.10220789961815e06,
        5.82789789376329e04,
        1.20445726853772,
    ),
    (
        "svytotal(~enroll, dstrata, deff = TRUE)",
        lambda: total(dstrata(), strat()("enroll")),
        3.68717753243828e06,
        1.14641716100780e05,
        3.62018122363404e-01,
    ),
    # --- one-stage cluster: svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)
    (
        "svymean(~api00, dclus1, deff = TRUE)",
        lambda: mean(dclus1(), clus1()("api00")),
        644.16939890710387,
        23.54224069378104,
        9.34586945059095,
    ),
    (
        "svytotal(~api00, dclus1, deff = TRUE)",
        lambda: total(dclus1(), clus1()("api00")),
        3989985.465702050831,
        898363.644440271193,
        354.720271474775,
    ),
    (
        "svymean(~enroll, dclus1, deff = TRUE)",
        lambda: mean(dclus1(), clus1()("enroll")),
        549.71584699453547,
        45.19137234356045,
        2.82289576348963,
    ),
    (
        "svytotal(~enroll, dclus1, deff = TRUE)",
        lambda: total(dclus1(), clus1()("enroll")),
        3.40494013452911e06,
        9.32235027041214e05,
        3.13106560943494e01,
    ),
    # --- domains
    (
        "svyby(~api00, ~stype, dstrata, svymean, deff = TRUE)['E', ]",
        lambda: mean(dstrata(), strat()("api00"), strat()("stype") == "E"),
        674.43,
        12.3824797939073,
        1.000000000479255,
    ),
    (
        "svyby(~api00, ~stype, dstrata, svymean, deff = TRUE)['H', ]",
        lambda: mean(dstrata(), strat()("api00"), strat()("stype") == "H"),
        625.82,
        14.9371291853931,
        0.999999998208305,
    ),
    (
        "svyby(~api00, ~stype, dstrata, svymean, deff = TRUE)['M', ]",
        lambda: mean(dstrata(), strat()("api00"), strat()("stype") == "M"),
        636.60,
        16.2147073081845,
        0.999999998451551,
    ),
    (
        "svymean(~api00, subset(dclus1, stype == 'E'), deff = TRUE)",
        lambda: mean(dclus1(), clus1()("api00"), clus1()("stype") == "E"),
        648.8680555555555,
        22.3624088938319,
        6.5836735250278,
    ),
    (
        "svyby(~api00, ~stype, dclus1, svymean, deff = TRUE)['H', ]",
        lambda: mean(dclus1(), clus1()("api00"), clus1()("stype") == "H"),
        618.571428571429,
        38.0202493594075,
        2.22825931686862,
    ),
    (
        "svyby(~api00, ~stype, dclus1, svymean, deff = TRUE)['M', ]",
        lambda: mean(dclus1(), clus1()("api00"), clus1()("stype") == "M"),
        631.440000000000,
        31.6094652272455,
        2.16389972008046,
    ),
    (
        "svyby(~enroll, ~stype, dclus1, svytotal, deff = TRUE)['E', ]",
        lambda: total(dclus1(), clus1()("enroll"), clus1()("stype") == "E"),
        2109717.126834866,
        631349.386275109,
        125.03907530965466,
    ),
    (
        "svyby(~enroll, ~stype, dclus1, svytotal, deff = TRUE)['H', ]",
        lambda: total(dclus1(), clus1()("enroll"), clus1()("stype") == "H"),
        535594.869567870,
        226716.594706410,
        4.64581574185746,
    ),
    # --- ratios
    (
        "svyratio(~api.stu, ~enroll, dstrata, deff = TRUE)",
        lambda: ratio(dstrata(), strat()("api.stu"), strat()("enroll")),
        0.83695688694052173,
        0.00775710316663788,
        0.59312504401240040,
    ),
    (
        "svyratio(~api.stu, ~enroll, dclus1, deff = TRUE)",
        lambda: ratio(dclus1(), clus1()("api.stu"), clus1()("enroll")),
        0.84970874172448763,
        0.00838629716939109,
        4.33931144088745846,
    ),
    (
        "svyratio(~api.stu, ~enroll, subset(dstrata, stype == 'M'))",
        lambda: ratio(dstrata(), strat()("api.stu"), strat()("enroll"), strat()("stype") == "M"),
        0.8356957524505093,
        0.0181874383896262,
        None,
    ),
    # --- proportions
    (
        "svymean(~I(as.numeric(ell == 0)), dclus1, deff = TRUE)",
        lambda: proportion(dclus1(), clus1()("ell") == 0),
        0.0218579234972678,
        0.0226224508611339,
        4.4891521445274849,
    ),
    (
        "svymean(~I(as.numeric(sch.wide == 'Yes')), dstrata, deff = TRUE)",
        lambda: proportion(dstrata(), strat()("sch.wide") == "Yes"),
        0.8279480114158236,
        0.0243447801130748,
        0.8555718509750664,
    ),
    # --- simple random samples (apisrs): deff against SRS without replacement
    (
        "svymean(~api00, svydesign(id=~1, weights=~pw, fpc=~fpc, data=apisrs), deff = TRUE)",
        lambda: mean(
            Design.stratified(np.zeros(200), data("apisrs")("pw"), fpc=data("apisrs")("fpc")),
            data("apisrs")("api00"),
        ),
        656.58500000000004,
        9.24972203928281,
        1.0,
    ),
    (
        "svymean(~api00, svydesign(id=~1, weights=~pw, data=apisrs), deff = TRUE)",
        lambda: mean(
            Design.stratified(np.zeros(200), data("apisrs")("pw")), data("apisrs")("api00")
        ),
        656.58500000000004,
        9.40277217088064,
        1.03336670003337,  # = 1/(1 − 200/6194): the design ignores the fpc that V_srs counts
    ),
    (
        "svymean(~api00, svydesign(id=~1, weights=~one, data=apisrs), deff = 'replace')",
        # weights of 1: N̂ = n, our deff is R's deff = "replace" (R's deff = TRUE gives Inf)
        lambda: mean(Design.stratified(np.zeros(200), np.ones(200)), data("apisrs")("api00")),
        656.58500000000004,
        9.40277217088065,
        1.0,
    ),
    # --- a stratum with one PSU, options(survey.lonely.psu = "certainty")
    (
        "svymean(~api00, <apistrat: 10 E, first H, 5 M>) with lonely.psu = 'certainty'",
        lambda: mean(*_lonely("api00")),
        646.2720742739718,
        34.5783554739853,
        None,
    ),
    (
        "svytotal(~api00, <apistrat: 10 E, first H, 5 M>) with lonely.psu = 'certainty'",
        lambda: total(*_lonely("api00")),
        361266.0858211521,
        19329.3005120989,
        None,
    ),
    # --- post-stratified: dps <- postStratify(dclus1, ~stype, <E 4421, H 755, M 1018>)
    (
        "svymean(~api00, dps, deff = TRUE)",
        lambda: mean(dps(), clus1()("api00")),
        642.3107882115821,
        23.9204864450904,
        9.71685337868185,
    ),
    (
        "svytotal(~enroll, dps)",
        lambda: total(dps(), clus1()("enroll")),
        3680892.945119048,
        406292.636294802,
        None,
    ),
    (
        "svymean(~I(as.numeric(ell == 0)), dps)",
        lambda: proportion(dps(), clus1()("ell") == 0),
        0.0251939536981513,
        0.0239904399372665,
        None,
    ),
    (
        "svyratio(~api.stu, ~enroll, dps)",
        lambda: ratio(dps(), clus1()("api.stu"), clus1()("enroll")),
        0.84798978951801340,
        0.00718825862540332,
        None,
    ),
    (
        "svyby(~api00, ~stype, dps, svymean)['H', ] (a post-stratum: as in dclus1)",
        lambda: mean(dps(), clus1()("api00"), clus1()("stype") == "H"),
        618.571428571429,
        38.0202493594075,
        None,
    ),
    (
        "svymean(~api00, subset(dps, sch.wide == 'No'))",
        lambda: mean(dps(), clus1()("api00"), clus1()("sch.wide") == "No"),
        612.0626149383883,
        27.3731955191233,
        None,
    ),
    (
        "svyby(~api00, ~sch.wide, dps, svymean)['Yes', ]",
        lambda: mean(dps(), clus1()("api00"), clus1()("sch.wide") == "Yes"),
        647.161128404389,
        24.3970669015280,
        None,
    ),
    (
        "svymean(~api00, postStratify(dstrata, ~sch.wide, pop.schwide))",
        lambda: mean(poststratify(dstrata(), strat()("sch.wide"), POP_SCHWIDE), strat()("api00")),
        662.20302945044443,
        9.27254389990781,
        None,
    ),
    # --- raked: rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
    #     control = list(maxit = 100, epsilon = 1e-13)); R's calibrate(calfun = "raking")
    #     agrees to 13 digits on this self-weighting design
    (
        "svymean(~api00, <rake of dclus1>)",
        lambda: mean(draked(), clus1()("api00")),
        641.2303209268200,
        23.7036168879225,
        None,
    ),
    (
        "svytotal(~enroll, <rake of dclus1>)",
        lambda: total(draked(), clus1()("enroll")),
        3647280.14806521,
        400603.25686197,
        None,
    ),
    (
        "svymean(~I(as.numeric(ell == 0)), <rake of dclus1>)",
        lambda: proportion(draked(), clus1()("ell") == 0),
        0.0237103288610718,
        0.0226236027861998,
        None,
    ),
    (
        "svyby(~api00, ~stype, <rake of dclus1>, svymean)['E', ]",
        lambda: mean(draked(), clus1()("api00"), clus1()("stype") == "E"),
        647.446579228416,
        22.8084121940973,
        None,
    ),
    (
        "svyby(~api00, ~stype, <rake of dclus1>, svymean)['H', ]",
        lambda: mean(draked(), clus1()("api00"), clus1()("stype") == "H"),
        621.291861054897,
        36.7431448777652,
        None,
    ),
    (
        "svyratio(~api.stu, ~enroll, <rake of dclus1>)",
        lambda: ratio(draked(), clus1()("api.stu"), clus1()("enroll")),
        0.84823157173598118,
        0.00723252550995402,
        None,
    ),
    # --- raked stratified design (unequal design weights): R's calibrate(dstrata,
    #     ~sch.wide + comp.imp, <apipop totals>, calfun = "raking", epsilon = 1e-13, maxit = 100)
    (
        "svymean(~api00, calibrate(dstrata, ~sch.wide + comp.imp, ..., calfun = 'raking'))",
        lambda: mean(draked_strata(), strat()("api00")),
        662.75219156561820,
        9.34100683452462,
        None,
    ),
]


def _lonely(column: str) -> tuple[Design, np.ndarray]:
    """apistrat[c(which(stype == "E")[1:10], which(stype == "H")[1], which(stype == "M")[1:5]), ]"""
    s = strat()
    stype = s("stype")
    first = {"E": 10, "H": 1, "M": 5}
    rows = np.concatenate([np.flatnonzero(stype == k)[:count] for k, count in first.items()])
    design = Design.stratified(stype[rows], s("pw")[rows], fpc=s("fpc")[rows])
    return design, s(column)[rows]


@pytest.mark.parametrize(
    ("call", "ours", "estimate", "se", "deff"), CASES, ids=[c[0] for c in CASES]
)
def test_estimate_agrees_with_r(
    call: str, ours: Callable[[], Estimate], estimate: float, se: float, deff: float | None
) -> None:
    result = ours()
    assert result.estimate == pytest.approx(estimate, rel=REL)
    assert result.se == pytest.approx(se, rel=REL)
    if deff is not None:
        assert result.deff == pytest.approx(deff, rel=REL)
        assert result.n_eff == pytest.approx(result.n / deff, rel=REL)


def test_design_degrees_of_freedom_are_rs_degf() -> None:
    assert dstrata().degrees_of_freedom == 197  # degf(dstrata)
    assert dclus1().degrees_of_freedom == 14  # degf(dclus1)
    assert dps().degrees_of_freedom == 14  # degf(dps)
    c = clus1()
    assert (
        mean(dclus1(), c("api00"), c("stype") == "E").df == 14
    )  # degf(subset(dclus1, stype=="E"))
    assert mean(dclus1(), c("api00"), c("stype") == "H").df == 7  # degf(subset(dclus1, stype=="H"))
    assert mean(dclus1(), c("api00")).df == 14


def test_covariance_of_two_means_is_rs_vcov() -> None:
    s = strat()
    y = np.column_stack([s("api00"), s("enroll")])
    n_hat = dstrata().weights.sum()
    means = dstrata().weights @ y / n_hat
    covariance = total_variance(dstrata(), (y - means) / n_hat)
    # vcov(svymean(~api00 + enroll, dstrata))
    expected = [[88.5281670303046, -42.0744728654371], [-42.0744728654371, 342.5649779037788]]
    np.testing.assert_allclose(covariance, expected, rtol=REL)


def test_ratio_matrix_gives_rs_ratios_and_their_covariance() -> None:
    c = clus1()
    num = np.column_stack([c("api.stu"), c("api00"), c("api.stu"), c("api00")])
    den = np.column_stack([c("enroll"), c("enroll"), c("api99"), c("api99")])
    r, z = ratio_matrix(dclus1(), num, den)
    # svyratio(~api.stu + api00, ~enroll + api99, dclus1, covmat = TRUE)
    np.testing.assert_allclose(
        r, [0.849708741724488, 1.171822501441381, 0.769547251006059, 1.061272810752901], rtol=REL
    )
    expected = [
        [7.03299802133369e-05, -3.97875366130284e-04, 3.22844618151561e-04, -2.94995436372312e-06],
        [-3.97875366130284e-04, 0.015945283730732555, -0.011198629866917244, -5.05941474552012e-04],
        [3.22844618151561e-04, -0.011198629866917244, 0.007906037667784431, 3.57736453638633e-04],
        [-2.94995436372312e-06, -5.05941474552012e-04, 3.57736453638633e-04, 3.88232576498743e-05],
    ]
    np.testing.assert_allclose(total_variance(dclus1(), z), expected, rtol=REL)
    # the SE of the mean of the four ratios from the combined influence values
    a = np.full(4, 0.25)
    assert total_variance(dclus1(), z @ a) == pytest.approx(a @ np.array(expected) @ a, rel=REL)


def test_default_r_rake_stops_early_but_within_its_tolerance() -> None:
    # rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide)) with R's default
    # control (maxit = 10, epsilon = 1: stop when no weighted count moves by 1 school) gives
    # 641.2302468622088 (SE 23.7036412402377); the converged weights give 641.2303209268200.
    result = mean(draked(), clus1()("api00"))
    assert result.estimate == pytest.approx(641.2302468622088, rel=1e-6)
    assert result.se == pytest.approx(23.7036412402377, rel=2e-6)


def test_rs_rake_on_unequal_weights_linearises_differently() -> None:
    # rake(dstrata, list(~sch.wide, ~comp.imp), <apipop tables>, control = list(maxit = 100,
    # epsilon = 1e-13)): svymean(~api00, .) = 662.7521915656208, SE 9.3506595102658. Same
    # weights as calibrate(calfun = "raking"), but the SE comes from 10 sweeps of unweighted
    # backfitting; ours (and calibrate's, 9.34100683452462) is the d-weighted projection.
    result = mean(draked_strata(), strat()("api00"))
    assert result.estimate == pytest.approx(662.7521915656208, rel=REL)
    assert result.se == pytest.approx(9.3506595102658, rel=2e-3)
    assert result.se != pytest.approx(9.3506595102658, rel=REL)


CI_CASES = [
    # (R call, design, indicator, domain, method, confidence, low, high)
    (
        "svyciprop(~I(ell == 0), dclus1, method = 'logit')",
        dclus1,
        lambda: clus1()("ell") == 0,
        None,
        "logit",
        0.95,
        0.00230469129853851,
        0.17774776651355736,
    ),
    (
        "svyciprop(~I(ell == 0), dclus1, method = 'beta')",
        dclus1,
        lambda: clus1()("ell") == 0,
        None,
        "korn-graubard",
        0.95,
        0.000216146832743157,
        0.137507763914980763,
    ),
    (
        "svyciprop(~I(ell == 0), dclus1, method = 'logit', level = 0.9)",
        dclus1,
        lambda: clus1()("ell") == 0,
        None,
        "logit",
        0.90,
        0.0034540675714778,
        0.1259293474121825,
    ),
    (
        "svyciprop(~I(ell == 0), dclus1, method = 'beta', level = 0.9)",
        dclus1,
        lambda: clus1()("ell") == 0,
        None,
        "korn-graubard",
        0.90,
        0.0006072996453345,
        0.1144296610987342,
    ),
    (
        "svyciprop(~I(sch.wide == 'Yes'), dstrata, method = 'logit')",
        dstrata,
        lambda: strat()("sch.wide") == "Yes",
        None,
        "logit",
        0.95,
        0.7745396543515678,
        0.8708148545445085,
    ),
    (
        "svyciprop(~I(sch.wide == 'Yes'), dstrata, method = 'beta')",
        dstrata,
        lambda: strat()("sch.wide") == "Yes",
        None,
        "korn-graubard",
        0.95,
        0.7741713285973127,
        0.8734315926207354,
    ),
    (
        "svyciprop(~I(sch.wide == 'Yes'), subset(dclus1, stype == 'H'), method = 'logit')",
        dclus1,
        lambda: clus1()("sch.wide") == "Yes",
        lambda: clus1()("stype") == "H",
        "logit",
        0.95,
        0.5036879678656367,
        0.9298125723646261,
    ),
    (
        "svyciprop(~I(sch.wide == 'Yes'), subset(dclus1, stype == 'H'), method = 'beta')",
        dclus1,
        lambda: clus1()("sch.wide") == "Yes",
        lambda: clus1()("stype") == "H",
        "korn-graubard",
        0.95,
        0.5217609712072494,
        0.9439076936708068,
    ),
]


@pytest.mark.parametrize(
    ("call", "design", "indicator", "domain", "method", "confidence", "low", "high"),
    CI_CASES,
    ids=[c[0] for c in CI_CASES],
)
def test_proportion_interval_agrees_with_svyciprop(
    call: str,
    design: Callable[[], Design],
    indicator: Callable[[], np.ndarray],
    domain: Callable[[], np.ndarray] | None,
    method: str,
    confidence: float,
    low: float,
    high: float,
) -> None:
    estimate = proportion(design(), indicator(), None if domain is None else domain())
    interval = proportion_ci(estimate, method, confidence)
    # R's logit interval comes from an IRLS fit (its estimate is off by ~1e-9): rel 1e-6 holds
    assert interval.low == pytest.approx(low, rel=REL)
    assert interval.high == pytest.approx(high, rel=REL)
    assert interval.method == method


def test_mean_intervals_agree_with_confint() -> None:
    estimate = mean(dclus1(), clus1()("api00"))
    t = mean_ci(estimate)  # confint(svymean(~api00, dclus1), df = degf(dclus1))
    assert (t.low, t.high) == pytest.approx((593.676314463326, 694.662483350882), rel=REL)
    assert t.method == "t(df=14)"
    normal = mean_ci(estimate, dist="normal")  # confint(svymean(~api00, dclus1))
    assert (normal.low, normal.high) == pytest.approx((598.02745503192, 690.311342782288), rel=REL)
    assert normal.method == "normal"
    ninety = mean_ci(estimate, 0.9)  # confint(svymean(~api00, dclus1), level = 0.9, df = 14)
    assert (ninety.low, ninety.high) == pytest.approx((602.704211754295, 685.634586059913), rel=REL)


def test_p_zero_gives_an_interval_where_r_gives_nan() -> None:
    # svyciprop(~I(api00 > 2000), dclus1, method = "beta"): estimate 0, se 0, interval NaN NaN
    estimate = proportion(dclus1(), clus1()("api00") > 2000)
    assert (estimate.estimate, estimate.se) == (0.0, 0.0)
    for method in ("logit", "korn-graubard", "wilson"):
        interval = proportion_ci(estimate, method)
        assert interval.low == 0.0
        assert 0 < interval.high < 0.1


def test_post_stratifying_twice_linearises_the_last_calibration_first() -> None:
    # d2 <- postStratify(dps, ~sch.wide, pop.schwide)
    c = clus1()
    twice = poststratify(dps(), c("sch.wide"), POP_SCHWIDE)
    # svymean(~api00, d2): 641.0866036327468 (SE 23.8131747353273): the same weights
    assert mean(twice, c("api00")).estimate == pytest.approx(641.0866036327468, rel=REL)
    # svytotal(~I(as.numeric(sch.wide == "Yes")), d2): 5122, SE 58.1248575211586 in R, which
    # residualises in the order the calibrations were made; the total is 5122 in every sample
    fixed = total(twice, (c("sch.wide") == "Yes").astype(float))
    assert fixed.estimate == pytest.approx(5122, rel=REL)
    assert fixed.se == pytest.approx(0, abs=1e-6)


def test_a_calibrated_domain_uses_the_domains_size_in_the_beta_adjustment() -> None:
    c = clus1()
    estimate = proportion(dps(), c("sch.wide") == "Yes", c("stype") == "H")
    # svyciprop(~I(sch.wide == "Yes"), subset(dps, stype == "H"), method = "logit")
    logit = proportion_ci(estimate, "logit")
    assert (logit.low, logit.high) == pytest.approx(
        (0.5036879678656512, 0.9298125723646337), rel=REL
    )
    # svyciprop(..., method = "beta") = 0.4921883022696829, 0.9533714541679892: R keeps all 183
    # rows of a calibrated design's subset, so nrow(design) − 1 = 182 in (t_{n−1}/t_df)²; we use
    # the domain's 14 respondents, as R does for the uncalibrated subset(dclus1, stype == "H")
    beta = proportion_ci(estimate, "korn-graubard")
    assert (beta.low, beta.high) == pytest.approx((0.5217609712072494, 0.9439076936708068), rel=REL)
    p, se = estimate.estimate, estimate.se
    r_like = proportion_ci_arrays(p, se, p * (1 - p) / se**2, estimate.df, "korn-graubard", n=183)
    assert r_like == pytest.approx((0.4921883022696829, 0.9533714541679892), rel=REL)
