"""Content-hashed URLs of static files, so a phone caches them for a year and never goes stale.

``asset_url("citizen.css")`` (a Jinja global) gives ``/static/citizen.css?v=<hash>``, the hash being
the first 12 hex digits of the sha256 of the file's bytes. A request carrying the file's current
hash is answered with ``Cache-Control: public, max-age=31536000, immutable``; any other request for
a static file (no hash, or an old one) with ``no-cache``, i.e. revalidated by its ETag each time.
Compression is ``survey_app.compression``'s job.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, request, url_for
from flask.wrappers import Response

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASH_LENGTH = 12


@lru_cache(maxsize=256)
def _digest(path: str, _mtime_ns: int, _size: int) -> str:
    """The hash of a file's bytes (cached until its modification time or size changes)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:HASH_LENGTH]


def asset_hash(filename: str) -> str | None:
    """The content hash of the static file ``filename``; None when there is no such file."""
    folder = current_app.static_folder
    if folder is None:
        return None
    root = Path(folder).resolve()
    path = (root / filename).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    stat = path.stat()
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


def file_stamp(filename: str, app: Flask | None = None) -> tuple[int, int] | None:
    """(modification time in ns, size) of the static file ``filename`` (one ``stat``), None when
    it is missing: a page that links the file and is kept ready-made is kept under this stamp,
    as `asset_hash` keeps the file's hash (``filename`` is the program's, never a visitor's).
    ``app``: the current app unless given."""
    folder = (app or current_app).static_folder
    if folder is None:
        return None
    try:
        stat = os.stat(os.path.join(folder, filename))
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def asset_url(filename: str) -> str:
    """The URL of a static file with its content hash (``?v=``), cacheable for a year."""
    digest = asset_hash(filename)
    if digest is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=digest)


def _cache_static(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    asked = request.args.get("v")
    if asked is not None and asked == asset_hash(filename):
        response.headers["Cache-Control"] = IMMUTABLE
        response.headers.pop("Expires", None)
    else:
        response.headers["Cache-Control"] = REVALIDATE
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(asset_url=asset_url)
    app.after_request(_cache_static)
