"""Answers we can trust: receipt codes and the JSON API, the signals, review, paper entry.

Used by the one-stop system (API), Sở Nội vụ's reviewers and keying staff. Pages: ``api_pages``,
``review_pages``, ``paper_pages``, ``api_client_pages``, ``receipt_code_pages``. Services:
``receipts``, ``receipt_slips``, ``frame_codes`` (codes for a frame), ``api_clients``,
``signals``, ``review``, ``paper``. May import ``questionnaires``, the shared ground and the
services of ``survey``, ``results``, ``planning`` (frame files) and ``staff``.
"""
