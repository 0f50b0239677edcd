"""Error pages in Vietnamese (English on request); the session rolls back on server errors."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
    SQLAlchemyError,
)
from werkzeug.exceptions import HTTPException

PAGES = {
    400: (
        _l("Yêu cầu không hợp lệ"),
        _l("Yêu cầu không hợp lệ nên không được xử lý. Vui lòng tải lại trang và thử lại."),
    ),
    403: (
        _l("Không có quyền truy cập"),
        _l(
            "Tài khoản của bạn không có quyền xem trang này hoặc thực hiện thao tác này. Nếu cần, "
            "hãy liên hệ Sở Nội vụ."
        ),
    ),
    404: (
        _l("Không tìm thấy trang"),
        _l("Địa chỉ này không tồn tại. Vui lòng quét lại mã QR tại quầy."),
    ),
    413: (
        _l("Nội dung gửi quá lớn"),
        _l("Nội dung gửi lên quá lớn nên không được lưu. Vui lòng rút gọn góp ý và gửi lại."),
    ),
    429: (
        _l("Đã gửi quá nhiều lần"),
        _l(
            "Hệ thống nhận được quá nhiều lần gửi trong thời gian ngắn. Vui lòng đợi một phút rồi "
            "thử lại."
        ),
    ),
    503: (
        _l("Hệ thống tạm thời bận"),
        _l("Câu trả lời chưa được lưu. Vui lòng đợi một lát rồi bấm Gửi lại."),
    ),
}
SERVER_ERROR = (
    _l("Đã xảy ra lỗi"),
    _l("Đã xảy ra lỗi nên câu trả lời chưa được lưu. Vui lòng thử lại sau ít phút."),
)


def _page(status: int) -> ResponseReturnValue:
    title, body = PAGES.get(status, SERVER_ERROR)
    html = render_template("citizen/error.html", title=str(title), body=str(body))
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
