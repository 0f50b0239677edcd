"""Setting up a survey: units, counters, rounds, QR codes and posters, the responses export.

Used by Sở Nội vụ's staff. Pages: ``pages`` (units, counters, rounds, exports), ``poster_pages``
(public QR codes and posters). Services: ``counters``, ``rounds``, ``units_import``, ``qr``,
``export``. May import ``questionnaires``, the shared ground and ``staff``'s services.
"""
