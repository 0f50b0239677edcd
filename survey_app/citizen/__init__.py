"""The citizen's side: the questionnaire pages (``/s/<counter>``, ``/r/<code>``, ``/u/<unit>``),
storing a submission once, and the thank-you page.

Used by citizens on phones. Pages: ``pages`` (counter form, thank-you), ``receipt_pages`` (receipt
codes and public links). Services: ``submissions``, ``form_page`` (the plain form made once per
questionnaire version and language). May import ``questionnaires``, the shared ground and the
services of ``survey`` (rounds) and ``trust`` (signals, receipt codes); never ``cli``.
"""
