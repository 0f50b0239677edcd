"""Sample plans: populations files, plans per round, live progress against the plan.

Used by Sở Nội vụ. Pages: ``pages``. Services: ``plans``, ``populations``, ``files`` (plan and
frame files). May import ``sampling``, the shared ground and the services of ``survey`` and
``staff``.
"""
