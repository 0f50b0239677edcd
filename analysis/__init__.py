"""Design-based estimation and the SIPAS indices (pure functions on numpy arrays).

* :mod:`analysis.design`: a stratified, optionally one-stage clustered design and the variance of
  a linearised total (the primitive every standard error here is built on).
"""

from analysis.design import Design, lonely_strata, total_variance

__all__ = ["Design", "lonely_strata", "total_variance"]
