"""The shipped gunicorn configuration never writes a receipt code in its logs (issue 11, item 2).

gunicorn is started as in production (``gunicorn -c deploy/gunicorn.conf.py
'survey_app:create_app()'``, access log on stdout) on the test database; a citizen types the code
at ``/r``, opens ``/r/<code>``, answers and reads the thanks. gunicorn's whole output is then
searched for the code in every spelling. The app's own log (an exception on ``/r/<code>``) is
redacted too, and so is the nginx example's log format.
"""

from __future__ import annotations

import http.cookiejar
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select
from support import ROOT, form_tokens, full_answers

from survey_app.db import get_db
from survey_app.db.models import SurveyRound, Unit
from survey_app.trust.receipts import IssueRequest, display, issue_codes

GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _issue(app: Flask) -> str:
    with app.app_context(), get_db().begin() as session:
        unit = session.scalar(select(Unit).where(Unit.code == "SNV"))
        (issued,) = issue_codes(
            session,
            app.secret_key,
            session.scalar(select(SurveyRound)),
            [IssueRequest("000.00.12.H62-261206-0042", unit)],
            days=30,
            zone=ZoneInfo("Asia/Ho_Chi_Minh"),
        )
        return issued.code


def _spellings(code: str) -> list[str]:
    shown = display(code)
    return [code, code.lower(), shown, shown.lower(), code[:8], code[-8:]]


def _wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited at start"
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not come up")


def test_gunicorn_logs_no_receipt_code(app: Flask, survey: dict, tmp_path: Path) -> None:
    code = _issue(app)
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BASE_URL": f"http://127.0.0.1:{port}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESSLOG": "-",
        "GUNICORN_LOGLEVEL": "debug",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(GUNICORN),
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "survey_app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, proc)
        jar = http.cookiejar.CookieJar()
        phone = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        typed = urllib.parse.quote(display(code).lower())
        with phone.open(f"{base}/r?code={typed}") as page:  # typed at /r, led to /r/<code>
            html = page.read().decode()
            assert page.url.endswith(f"/r/{code}")
        data = urllib.parse.urlencode({**form_tokens(html), **full_answers()}).encode()
        with phone.open(f"{base}/r/{code}", data=data) as thanks:  # 303, then the thanks
            assert "/cam-on" in thanks.url and thanks.status == 200
        with pytest.raises(urllib.error.HTTPError) as used:
            urllib.request.urlopen(f"{base}/r/{display(code)}")  # another phone: used
        assert used.value.code in (302, 409)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    output = log.read_text(encoding="utf-8", errors="replace")
    assert re.search(r'"GET /r/\S* ', output), output[-2000:]  # the requests were logged
    assert '"POST /r/' in output
    assert "SIPAS:" not in output  # one worker, no proxy trusted: nothing to warn about
    for spelling in _spellings(code):
        assert spelling not in output, f"{spelling} in gunicorn's output"


def test_the_apps_own_log_redacts_a_code_in_an_address(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    code = "7K3MQ9XT2B4DH8RW5N6P"
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        app.logger.error("Exception on /r/%s [POST]", code)
        app.logger.error("Exception on /r [GET] with code=%s", display(code))
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "/r/" in text and code not in text and display(code) not in text


def test_the_nginx_example_logs_a_redacted_address() -> None:
    conf = (ROOT / "deploy" / "nginx-sipas.conf").read_text(encoding="utf-8")
    assert re.search(r"map \$uri \$sipas_logged_uri", conf)  # the decoded path: /%72/ is /r/
    formats = re.findall(r"log_format\s+\w+[^;]*;", conf, re.S)
    assert formats and all("$request_uri" not in f and "$request " not in f for f in formats)
    assert all("$http_referer" not in f and "$args" not in f for f in formats)
    access = re.findall(r"^\s*access_log\s+([^;]*);", conf, re.M)
    assert access and all(line.split()[-1] == "sipas_redacted" for line in access)
