"""``GET /healthz``: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from survey_app.db import session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Ask the database a trivial question."""
    try:
        session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        session().rollback()
        return {"status": "unavailable", "database": "down"}, 503
    return {"status": "ok", "database": "up"}
