"""PAR-index criteria catalog, the criterion 8.1 rule, totals and rankings (pure functions).

Filled in by the scoring issue; the package exists so the layout of the design holds.
"""
