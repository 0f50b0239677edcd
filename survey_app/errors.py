"""Error pages in Vietnamese (English on request); the session rolls back on server errors."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
    SQLAlchemyError,
)
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
    """Roll the request's session back; with the database gone, rolling back may fail too."""
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except SQLAlchemyError:
            session.invalidate()


def _database_unreachable(exc: BaseException) -> bool:
    """True for errors that mean "the database is not answering" rather than a bug."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError):
        return True
    if isinstance(exc, PendingRollbackError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


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

    @app.errorhandler(SQLAlchemyError)
    def database_error(exc: SQLAlchemyError) -> ResponseReturnValue:
        _rollback()
        if _database_unreachable(exc):  # 503 with a page asking to retry; nothing was stored
            return _page(503)[0], 503, {"Retry-After": "10"}
        return _page(500)

    @app.errorhandler(500)
    def server_error(_exc: Exception) -> ResponseReturnValue:
        _rollback()
        return _page(500)
