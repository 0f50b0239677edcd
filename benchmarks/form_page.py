"""Benchmark of the citizen's form: what a phone downloads, and how fast a submission is stored.

Run from the project root::

    .venv/bin/python benchmarks/form_page.py [--submissions N]

It builds a temporary SQLite database with the demo data (``survey_app.demo.prepare``), then,
with Flask's test client (no network, no server):

(a) fetches ``/s/<counter>`` with ``Accept-Encoding: gzip`` and every static asset the page links
    (as a phone would: each once), prints their sizes against the 15 KB budget, and how each asset
    is cached (``Cache-Control``);
(b) times N complete submissions (GET the form, read ``csrf_token`` and ``sid``, POST the answers,
    expect 303), each by a new citizen (a new cookie jar), and prints the median and p95 of the
    POST alone.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import platform
import random
import re
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from survey_app import create_app, demo
from survey_app.config import sqlite_url
from survey_app.db import get_db
from survey_app.db.models import Response

BUDGET = 15_000
"""Bytes a phone may download for the form page and everything it loads (gzip); issue 15."""
ITEMS = [f"q{n}" for n in range(15, 34)]
CHOICES = ["1", "2", "3", "4", "5", "na"]
COMMENTS = ["", "", "Cán bộ hướng dẫn tận tình, thủ tục nhanh gọn.", "Cần thêm ghế chờ."]
TOKEN = re.compile(r'name="(csrf_token|sid)" value="([^"]+)"')
WARM_UP = 3


class AssetLinks(HTMLParser):
    """Collects the URLs a page loads: ``<link href>``, ``<script src>``, ``<img src>``."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"link": "href", "script": "src", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value and not value.startswith("data:"):  # inline: no request
                self.urls.append(value)


def command_line() -> str:
    """The command that ran this script, with the interpreter relative to the cwd if possible."""
    argv = list(sys.orig_argv)
    with contextlib.suppress(ValueError):
        argv[0] = str(Path(argv[0]).relative_to(Path.cwd()))
    return shlex.join(argv)


def body_of(data: bytes, encoding: str | None) -> bytes:
    """The decoded body of a response."""
    return gzip.decompress(data) if encoding == "gzip" else data


@dataclass(frozen=True)
class Download:
    """One resource a phone downloads: its URL, body sizes, encoding and caching."""

    url: str
    raw: int
    sent: int
    gzipped: int
    encoding: str | None
    cache_control: str


def page_and_assets(client: FlaskClient, path: str) -> tuple[list[Download], list[str]]:
    """The page at ``path`` and every same-host asset it links (gzip accepted); and the URLs it
    loads from other hosts (there should be none)."""
    headers = {"Accept-Encoding": "gzip"}
    page = client.get(path, headers=headers)
    assert page.status_code == 200, page.status_code
    html = body_of(page.data, page.headers.get("Content-Encoding"))
    responses = [(path, page)]
    parser = AssetLinks()
    parser.feed(html.decode("utf-8"))
    external = [url for url in parser.urls if urlsplit(url).netloc]
    for url in parser.urls:
        if url not in external:
            asset = client.get(url, headers=headers)
            assert asset.status_code == 200, (url, asset.status_code)
            responses.append((url, asset))
    downloads = []
    for url, response in responses:
        encoding = response.headers.get("Content-Encoding")
        raw = body_of(response.data, encoding)
        sent = len(response.data)
        gzipped = sent if encoding == "gzip" else len(gzip.compress(raw, 6, mtime=0))
        cache = response.headers.get("Cache-Control", "")
        downloads.append(Download(url, len(raw), sent, gzipped, encoding, cache))
        response.close()  # static files are streamed from an open file
    return downloads, external


def measure_page(client: FlaskClient, path: str) -> None:
    """Print what the page and each asset it links cost in bytes, against the budget."""
    downloads, external = page_and_assets(client, path)
    print("(a) Body bytes of the form page and its assets (Accept-Encoding: gzip)")
    print(f"    {'resource':<36} {'raw':>8} {'sent':>8} {'gzip':>8}  cache")
    for d in downloads:
        note = "" if d.encoding == "gzip" else "  (sent uncompressed by the app)"
        print(
            f"    {d.url:<36} {d.raw:>8,} {d.sent:>8,} {d.gzipped:>8,}  {d.cache_control or '-'}"
            f"{note}"
        )
    total_sent = sum(d.sent for d in downloads)
    total_gzip = sum(d.gzipped for d in downloads)
    print(f"    {'total':<36} {'':>8} {total_sent:>8,} {total_gzip:>8,}")
    verdict = "within" if max(total_sent, total_gzip) <= BUDGET else "OVER"
    print(f"    budget {BUDGET:,} B: {verdict} (gzip total is {total_gzip / BUDGET:.0%} of it)")
    for url in external:
        print(f"    WARNING: the page loads {url} from another host")
    print()


def answers(rng: random.Random) -> dict[str, str]:
    """A plausible, varied citizen's answers (every required item answered)."""
    form = {item: rng.choice(CHOICES) for item in ITEMS}
    form["service_field"] = rng.choice(["dat_dai", "ho_tich", "chung_thuc", ""])
    form["gender"] = rng.choice(["nam", "nu", ""])
    form["comment"] = rng.choice(COMMENTS)
    return form


def submit_once(app: Flask, path: str, rng: random.Random) -> float:
    """One citizen's GET then POST; returns the POST's duration in seconds."""
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    form = answers(rng) | dict(TOKEN.findall(page.get_data(as_text=True)))
    start = time.perf_counter()
    response = client.post(path, data=form)
    elapsed = time.perf_counter() - start
    assert response.status_code == 303, (response.status_code, response.get_data(as_text=True))
    return elapsed


def measure_submissions(app: Flask, path: str, count: int) -> None:
    """Time ``count`` submissions (after a short warm-up) and print median and p95 in ms."""
    rng = random.Random(2023)
    for _ in range(WARM_UP):
        submit_once(app, path, rng)
    times = [submit_once(app, path, rng) * 1000 for _ in range(count)]
    with app.app_context():
        stored = get_db().session.query(Response).count()
    assert stored == WARM_UP + count, stored
    p95 = statistics.quantiles(times, n=100, method="inclusive")[94] if count > 1 else times[0]
    print(f"(b) {count} submissions (GET form → POST answers → 303), timing the POST alone")
    print(f"    each by a new citizen (own cookie jar), after {WARM_UP} warm-up submissions")
    print(
        f"    median {statistics.median(times):.2f} ms   p95 {p95:.2f} ms   max {max(times):.2f} ms"
    )
    print(f"    rows stored: {stored}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--submissions", type=int, default=200, metavar="N", help="submissions to time (200)"
    )
    args = parser.parse_args(argv)
    if args.submissions < 1:
        parser.error("--submissions must be at least 1")

    print(f"$ {command_line()}")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"Flask {version('flask')}, SQLAlchemy {version('sqlalchemy')}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.platform(terse=True)}"
    )
    print()
    with tempfile.TemporaryDirectory(prefix="sipas-bench-") as tmp:
        url = sqlite_url(Path(tmp) / "bench.sqlite")
        info = demo.prepare(url)  # migrate, seed the demo units, counters and open round
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "benchmark-secret-key",
                # every simulated citizen comes from one address: lift that ceiling only
                "SUBMIT_LIMIT_PER_ADDRESS": "1000000 per minute",
            }
        )
        path = f"/s/{info.counter_code}"
        measure_page(app.test_client(), path)
        measure_submissions(app, path, args.submissions)
        app.extensions["sipas_db"].engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
