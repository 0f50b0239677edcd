"""Gzip for text responses, so a phone on a weak connection gets the form in a few KB."""

from __future__ import annotations

import gzip

from flask import Flask, request
from flask.wrappers import Response

COMPRESSIBLE = ("text/html", "text/css", "text/csv", "image/svg+xml", "application/json")
MIN_SIZE = 500


def _gzip(response: Response) -> Response:
    if (
        response.status_code < 200
        or response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_gzip)
