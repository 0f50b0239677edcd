"""Gzip for text responses, so a phone on a weak connection gets the form in a few KB.

Pages are compressed as they are made; static files (stylesheets, scripts) too, although Flask
streams them from disk: their bytes are read and compressed once per request, their ETag becomes
weak (the same file, another encoding) and byte ranges are no longer offered for them.
"""

from __future__ import annotations

import gzip

from flask import Flask, request
from flask.wrappers import Response

COMPRESSIBLE = (
    "text/html",
    "text/css",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "image/svg+xml",
    "application/json",
)
MIN_SIZE = 500


def _static_file(response: Response) -> bool:
    """A whole static file streamed by Flask (not a 304 or a byte range)."""
    return request.endpoint == "static" and response.status_code == 200


def _gzip(response: Response) -> Response:
    static = _static_file(response)
    if request.endpoint == "static" and response.status_code == 304:
        _weaken_etag(response)  # the same validator as the compressed 200 carried
    if (
        response.status_code < 200
        or (response.direct_passthrough and not static)
        or (response.is_streamed and not static)
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or not accepts_gzip()
    ):
        return response
    if static:
        response.direct_passthrough = False  # let get_data read the file
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, compresslevel=9 if static else 6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if static:
        _weaken_etag(response)
    return response


def _weaken_etag(response: Response) -> None:
    """A compressed static file: the ETag turns weak and byte ranges are no longer offered."""
    etag, _weak = response.get_etag()
    if etag:
        response.set_etag(etag, weak=True)
    response.headers.pop("Accept-Ranges", None)


def init_app(app: Flask) -> None:
    app.after_request(_gzip)


def accepts_gzip() -> bool:
    """The request takes gzip (``Accept-Encoding``)."""
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def precompressed(response: Response) -> Response:
    """Mark a response whose body is gzip already (this module's hook then leaves it alone)."""
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
