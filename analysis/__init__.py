"""Design-based estimation and the SIPAS indices (pure functions).

Filled in by the analysis issue; the package exists so the layout of the design holds.
"""
