"""Setting up a survey: units, counters, rounds, QR codes and posters, the responses export.

Used by Sở Nội vụ's staff. Pages: ``pages`` (units, counters, rounds, exports), ``poster_pages``
(public QR codes and posters), ``unit_pages``, ``counter_pages``, ``round_pages``,
``questionnaire_pages`` (the admin's changes). Services: ``counters``, ``rounds``,
``units_import``, ``unit_registry``, ``questionnaire_store`` (shipped and published questionnaire
versions), ``questionnaire_files`` (JSON and XLSForm uploads), ``qr``, ``export``. May import
``questionnaires``, the shared ground and ``staff``'s services.
"""
