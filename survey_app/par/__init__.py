"""The PAR index: scoring a year (catalogs, points, 8.1 from SIPAS, rankings), its pages and
its files (``files/``: catalogs, points, units, outputs, sheets).

Used by Sở Nội vụ and appraisal councils. Pages: ``pages``, ``upload_pages``. Services:
``scoring``, ``outputs``, ``files``, ``imports`` (catalogs, points, 8.1 rules). May import
``scoring_bridge``, ``analysis``, the shared ground and the services of ``results``, ``survey``
and ``staff``.
"""
