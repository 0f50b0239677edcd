"""`create_app`: one function builds the app for the server, the CLI and the tests."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from survey_app import assets, compression, db, security
from survey_app.config import DEFAULT_BASE_URL, load_settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app from the environment, then ``test_config`` on top."""
    app = Flask(__name__)
    app.config.update(load_settings())
    app.config.update(
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_AS_ASCII=False,
    )
    if test_config:
        app.config.update(test_config)
    # QR codes and posters are refused while BASE_URL is the shipped default nobody chose
    # (survey.counters.printable_base_url); setting BASE_URL, even to the default, is a choice.
    chosen = "BASE_URL" in os.environ or "BASE_URL" in (test_config or {})
    app.config.setdefault(
        "BASE_URL_IS_DEFAULT", not chosen and app.config["BASE_URL"] == DEFAULT_BASE_URL
    )
    app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    from survey_app.par.evidence_store import check_settings as check_evidence_settings

    check_evidence_settings(app.config)  # a wrong store stops the start with its name

    from survey_app.citizen import fast_path

    fast_path.wrap(app)  # the citizen's common requests, behind the proxy fix below
    proxies = int(app.config["TRUSTED_PROXIES"] or 0)
    if proxies > 0:  # behind nginx: rate limits must see the phone's address, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    db.init_app(app)
    from survey_app import errors, extensions, health, i18n
    from survey_app.citizen import pages as citizen
    from survey_app.citizen import receipt_pages
    from survey_app.par import pages as par_admin
    from survey_app.par import public_pages, reminder_pages, self_assessment_pages
    from survey_app.par import upload_pages as par_uploads
    from survey_app.planning import pages as plans_admin
    from survey_app.results import pages as results_admin
    from survey_app.staff import access as staff
    from survey_app.staff import audit, charts, uploads, user_pages
    from survey_app.staff import audit_pages as audit_admin
    from survey_app.staff import login_pages as auth
    from survey_app.survey import counter_pages, questionnaire_pages, round_pages, unit_pages
    from survey_app.survey import pages as admin
    from survey_app.survey import poster_pages as posters
    from survey_app.trust import api_client_pages, receipt_code_pages
    from survey_app.trust import api_pages as api
    from survey_app.trust import paper_pages as paper_admin
    from survey_app.trust import review_pages as review_admin

    uploads.init_app(app)  # before the CSRF check reads an upload's body
    extensions.init_app(app)
    i18n.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(citizen.bp)
    app.register_blueprint(posters.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(plans_admin.bp)
    app.register_blueprint(results_admin.bp)
    app.register_blueprint(par_admin.bp)
    app.register_blueprint(self_assessment_pages.bp)
    app.register_blueprint(public_pages.bp)
    app.register_blueprint(receipt_pages.bp)
    app.register_blueprint(api.bp)
    extensions.csrf.exempt(api.bp)
    app.register_blueprint(paper_admin.bp)
    app.register_blueprint(audit_admin.bp)
    for blueprint in (
        unit_pages.bp,
        counter_pages.bp,
        round_pages.bp,
        questionnaire_pages.bp,
        user_pages.bp,
        api_client_pages.bp,
        receipt_code_pages.bp,
        par_uploads.bp,
        reminder_pages.bp,
    ):
        app.register_blueprint(blueprint)
    staff.init_app(app)
    audit.init_app(app)
    review_admin.init_app(app)
    charts.init_app(app)
    errors.init_app(app)
    # the app keeps its limiter: the limited views hold it only by a weak reference
    app.extensions["sipas_limiter"] = extensions.init_limits(
        app, "citizen.form", citizen.refused_with_answers
    )
    assets.init_app(app)
    compression.init_app(app)
    security.init_app(app)
    return app
