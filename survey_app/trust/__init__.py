"""Answers we can trust: receipt codes and the JSON API, the signals, review, paper entry.

Used by the one-stop system (API), Sở Nội vụ's reviewers and keying staff. Pages: ``api_pages``,
``review_pages``, ``paper_pages``. Services: ``receipts``, ``receipt_slips``, ``signals``,
``review``, ``paper``. May import ``questionnaires``, the shared ground and the services of
``survey``, ``results`` and ``staff``.
"""
