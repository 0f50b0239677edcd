"""``sipas``: one module per command group (``database``, ``survey``, ``staff``, ``audit``,
``planning``, ``results``, ``par``, ``review``, ``trust``, ``demo``), gathered by ``main``.

Used by operators and analysts in a shell. Commands call the same services as the pages. May
import every package; nothing imports ``cli``.
"""
