"""The staff side's shell: login and sessions, roles (the access table), accounts, the audit
log, the admin's navigation and charts.

Used by every staff page. Pages: ``login_pages``, ``audit_pages``, ``user_pages``, ``charts``
(serves plotly). Services: ``access``, ``users``, ``audit``, ``uploads`` (what upload pages
share), ``upload_labels`` (their problems in Vietnamese). May import only the shared ground.
"""
