"""Design-based estimation and the SIPAS indices (pure functions on numpy arrays).

* :mod:`analysis.design`: a stratified, optionally one-stage clustered design and the variance of
  a linearised total (the primitive every standard error here is built on).
* :mod:`analysis.estimators`: means, totals, ratios and proportions (also in domains) with
  linearised SEs, design effects and effective sizes (R ``svymean``, ``svyratio``, ``svyby``).
* :mod:`analysis.calibration`: base weights, post-stratification, raking and trimming; calibrated
  designs whose variances account for the calibration (R ``postStratify``, ``calibrate``).
* :mod:`analysis.intervals`: logit, Wilson and Korn–Graubard intervals for proportions, t and
  normal ones for means (R ``svyciprop``, ``confint``).
* :mod:`analysis.sipas`: item, element and SIPAS indices per unit, unit type and province with
  linearised SEs and intervals (``analyze_sipas``), optionally post-stratified within units
  (``PostStrata``).
* :mod:`analysis.ranking`: ranks with bootstrap rank intervals and indistinguishable units.
"""

from analysis.calibration import (
    BaseWeights,
    CalibratedDesign,
    CalibrationError,
    base_weights,
    poststratify,
    rake,
    trim,
)
from analysis.design import Design, lonely_strata, total_variance
from analysis.estimators import (
    Estimate,
    mean,
    proportion,
    ratio,
    ratio_influence,
    ratio_matrix,
    total,
)
from analysis.intervals import (
    ConfidenceInterval,
    mean_ci,
    mean_ci_arrays,
    proportion_ci,
    proportion_ci_arrays,
)
from analysis.ranking import RankRow, rank_units
from analysis.sipas import PostStrata, ResultRow, SipasData, SipasResult, analyze_sipas

__all__ = ["Design", "lonely_strata", "total_variance"]
__all__ += ["RankRow", "ResultRow", "SipasData", "SipasResult", "analyze_sipas", "rank_units"]
__all__ += ["BaseWeights", "CalibratedDesign", "CalibrationError", "base_weights", "poststratify"]
__all__ += ["Estimate", "mean", "proportion", "rake", "ratio", "ratio_influence", "trim"]
__all__ += ["ConfidenceInterval", "mean_ci", "mean_ci_arrays", "ratio_matrix", "total"]
__all__ += ["PostStrata", "proportion_ci", "proportion_ci_arrays"]
