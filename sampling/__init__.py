"""How many answers each unit needs, how to share them, and which dossiers to ask (pure functions).

* :mod:`sampling.sizes` — one unit's sample size: Cochran's n0 = z²p(1−p)/e² with the design
  effect (Kish 1965) applied before the finite population correction, the response rate, rounding
  up and the cap at N; Yamane's n = N/(1 + N·e²); the inverse (margin of error for a given n).
* :mod:`sampling.allocation` — a total shared across units: proportional, Neyman (Cochran 1977
  §5.5), equal, power (Bankier 1988), within per-unit minimum/maximum/N_h, integer sizes that add
  up exactly (largest remainder); per-unit Cochran and Yamane designs.
* :mod:`sampling.draws` — reproducible SRS or systematic draws of dossier codes per unit, with an
  ordered reserve list.

Imports only the standard library, numpy and scipy. Bad input raises ``ValueError`` naming the
value; results are frozen dataclasses or plain ints/dicts. See docs/decisions/0006.
"""

from sampling.allocation import (
    METHODS,
    Allocation,
    Method,
    Stratum,
    allocate,
    per_unit_design,
    yamane_design,
)
from sampling.draws import DRAW_METHODS, Draw, DrawMethod, draw_sample, unit_stream
from sampling.plan import PLAN_METHODS, Plan, PlanMethod, PlanRow, build_plan
from sampling.sizes import (
    DEFAULT_SIZE_PARAMS,
    MeanSizeParams,
    SizeDetail,
    SizeParams,
    cochran_n0,
    margin_of_error,
    margin_of_error_mean,
    sample_size_mean,
    sample_size_proportion,
    size_detail_mean,
    size_detail_proportion,
    yamane,
    z_value,
)

__all__ = [
    "DEFAULT_SIZE_PARAMS",
    "DRAW_METHODS",
    "METHODS",
    "PLAN_METHODS",
    "Allocation",
    "Draw",
    "DrawMethod",
    "MeanSizeParams",
    "Method",
    "Plan",
    "PlanMethod",
    "PlanRow",
    "SizeDetail",
    "SizeParams",
    "Stratum",
    "allocate",
    "build_plan",
    "cochran_n0",
    "draw_sample",
    "margin_of_error",
    "margin_of_error_mean",
    "per_unit_design",
    "sample_size_mean",
    "sample_size_proportion",
    "size_detail_mean",
    "size_detail_proportion",
    "unit_stream",
    "yamane",
    "yamane_design",
    "z_value",
]
