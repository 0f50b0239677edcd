"""Static files: gzip-compressed, a year of caching through a content-hashed URL, ETag else."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from survey_app.assets import IMMUTABLE, REVALIDATE, asset_hash, asset_url

GZIP = {"Accept-Encoding": "gzip"}


def _get(client: FlaskClient, url: str, **headers: str):
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


def test_asset_url_carries_the_content_hash(app: Flask) -> None:
    css = Path(app.static_folder or "") / "citizen.css"
    with app.test_request_context():
        url = asset_url("citizen.css")
        assert re.fullmatch(r"/static/citizen\.css\?v=[0-9a-f]{12}", url)
        assert url.endswith(asset_hash("citizen.css") or "none")
        assert url.endswith(hashlib.sha256(css.read_bytes()).hexdigest()[:12])
        assert asset_url("no-such-file.css") == "/static/no-such-file.css"
        assert asset_hash("../config.py") is None  # nothing outside the static folder


def test_hashed_url_is_immutable_and_compressed(app: Flask, client: FlaskClient) -> None:
    with app.test_request_context():
        url = asset_url("citizen.js")
    reply = _get(client, url, **GZIP)
    assert reply.status_code == 200
    assert reply.headers["Cache-Control"] == IMMUTABLE
    assert "Expires" not in reply.headers
    assert reply.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in reply.headers["Vary"]
    assert "Accept-Ranges" not in reply.headers
    on_disk = (Path(app.static_folder or "") / "citizen.js").read_bytes()
    assert gzip.decompress(reply.data) == on_disk
    assert int(reply.headers["Content-Length"]) == len(reply.data) < len(on_disk) / 2

    etag = reply.headers["ETag"]
    assert etag.startswith('W/"')
    again = _get(client, url, **GZIP, **{"If-None-Match": etag})
    assert again.status_code == 304


def test_unhashed_or_stale_urls_revalidate(app: Flask, client: FlaskClient) -> None:
    for url in ("/static/citizen.css", "/static/citizen.css?v=000000000000"):
        reply = _get(client, url, **GZIP)
        assert reply.status_code == 200
        assert reply.headers["Cache-Control"] == REVALIDATE
        assert reply.headers["Content-Encoding"] == "gzip"
        assert reply.headers.get("ETag")


def test_without_gzip_the_file_is_sent_as_it_is(app: Flask, client: FlaskClient) -> None:
    reply = _get(client, "/static/citizen.css")
    assert "Content-Encoding" not in reply.headers
    assert reply.data == (Path(app.static_folder or "") / "citizen.css").read_bytes()
