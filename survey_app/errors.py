"""Error pages in Vietnamese (English on request); the session rolls back on server errors."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from survey_app.i18n import t

PAGES = {
    400: "error.400",
    403: "error.403",
    404: "error.404",
    413: "error.413",
    429: "error.429",
    503: "error.503",
}


def _page(status: int) -> ResponseReturnValue:
    key = PAGES.get(status, "error.500")
    html = render_template("citizen/error.html", title=t(f"{key}.title"), body=t(f"{key}.body"))
    return html, status


def _rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        if exc.response is not None:  # a page made for this refusal (e.g. the form, kept)
            return exc.response
        if request.path.startswith("/api/"):  # machines get JSON, whatever went wrong
            code = (exc.name or "error").lower().replace(" ", "_")
            return {"error": {"code": code, "message": exc.description}}, exc.code or 500
        if exc.code in PAGES:
            return _page(exc.code)
        return exc

    @app.errorhandler(OperationalError)
    def database_down(_exc: OperationalError) -> ResponseReturnValue:
        _rollback()
        response = _page(503)
        return response[0], 503, {"Retry-After": "10"}

    @app.errorhandler(DBAPIError)
    @app.errorhandler(500)
    def server_error(_exc: Exception) -> ResponseReturnValue:
        _rollback()
        return _page(500)
