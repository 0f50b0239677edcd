"""SIPAS results: the analysis input (a file or the database), the indices per round, the
results pages, charts and files.

Used by analysts and Sở Nội vụ. Pages: ``pages``. Services: ``analysis_input``,
``round_results``, ``files``. May import ``analysis``, ``questionnaires``, the shared ground and
the services of ``survey`` and ``staff``.
"""
