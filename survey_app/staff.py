"""What every staff blueprint shares: the login requirement and loading a round or a 404."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

from survey_app.db import session
from survey_app.models import SurveyRound


def staff_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A blueprint whose every route needs a logged-in staff account (roles come later)."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)

    @blueprint.before_request
    @login_required
    def _staff_only() -> None:
        """Flask-Login redirects anonymous visitors to the login page."""

    return blueprint


def round_or_404(round_id: int) -> SurveyRound:
    """The round with this id, or a 404 page."""
    survey_round = session().get(SurveyRound, round_id)
    if survey_round is None:
        abort(404)
    return survey_round
