"""Sample sizes, allocation across units and draws from a dossier frame (pure functions).

Filled in by the sampling issue; the package exists so the layout of the design holds.
"""
