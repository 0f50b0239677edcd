"""``kill -9`` of the whole server (gunicorn master and workers) while unit officers upload
evidence files: every acknowledged upload is complete and readable after the restart, and no
partial file is visible in any store (local folder, database, S3-compatible server).

Four uploaders post 1–2 MB files through the sheet page of a real gunicorn (deploy/gunicorn.conf.py,
2 workers) and count an upload as acknowledged only on its 303. The kill comes while uploads are in
flight; the uploaders go on after the restart (docs/decisions/0026).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from s3_emulator import BUCKET, CREDENTIALS, free_port, make_bucket, s3_server
from sqlalchemy import select
from support import ROOT, STAFF_PASSWORD

from survey_app import create_app
from survey_app.db import get_db, migrate
from survey_app.db.models import ParEvidence, ParEvidenceBlob, Unit
from survey_app.par.evidence_store import digest, store_from_settings
from survey_app.par.self_assessment import load_sheet, reopen
from survey_app.staff.users import create_user
from survey_app.survey.units_import import ensure_unit_types, import_units

YEAR = 2023
SECRET = "evidence-crash-secret-key"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
GUNICORN = Path(sys.executable).parent / "gunicorn"
CONF = ROOT / "deploy" / "gunicorn.conf.py"
TOKEN = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')
CRITERION = re.compile(r'name="criterion" value="([^"]+)"')


@pytest.fixture
def database(empty_database_url: str) -> str:
    migrate.upgrade(empty_database_url)
    return empty_database_url


def _seed(url: str) -> None:
    """Sở Nội vụ, its officer, and its 2023 sheet reopened until next year (not locked)."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    with app.app_context(), get_db().begin() as session:
        ensure_unit_types(session)
        csv = (
            "code,name,level,parent_code,ranked\n86,Tỉnh,province,,false\n"
            "SNV,Sở Nội vụ,department,86,true\n"
        )
        assert import_units(session, csv.encode(), valid_from=date(2020, 1, 1)).ok
        unit = session.scalar(select(Unit).where(Unit.code == "SNV"))
        create_user(session, "nv.snv", STAFF_PASSWORD, "unit_officer", unit)
        sheet = load_sheet(session, YEAR, unit)
        reopen(session, sheet, date.today() + timedelta(days=365), "kiểm thử", "test")
    app.extensions["sipas_db"].engine.dispose()


class Browser:
    """One officer's cookies over plain HTTP connections (a new connection per request)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):  # type: ignore[no-untyped-def]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(
                method, path, body=body or None, headers={**(headers or {}), "Cookie": cookie}
            )
            reply = conn.getresponse()
            data = reply.read()
            for value in reply.msg.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return reply.status, reply.msg, data
        finally:
            conn.close()

    def login(self) -> None:
        page = self.request("GET", "/admin/login")[2].decode()
        form = f"csrf_token={TOKEN.search(page).group(1)}&username=nv.snv&password={STAFF_PASSWORD}"
        status = self.request(
            "POST",
            "/admin/login",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )[0]
        assert status == 302


@dataclass
class Tally:
    acked: list[str] = field(default_factory=list)
    cut: int = 0
    refused: int = 0
    other: list[int] = field(default_factory=list)
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _multipart(token: str, criterion: str, data: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="criterion"\r\n\r\n{criterion}\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="tai-lieu.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n",
    ]
    body = "".join(parts).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _uploader(
    browser: Browser, token: str, criteria: list[str], tally: Tally, stop: threading.Event
) -> None:
    n = 0
    while not stop.is_set():
        data = b"%PDF-1.4\n" + os.urandom(1_000_000 + secrets.randbelow(1_000_000))
        _upload(browser, token, criteria[n % len(criteria)], data, tally)
        n += 1


def _upload(  # type: ignore[no-untyped-def]
    browser: Browser, token: str, criterion: str, data: bytes, tally: Tally, sending=None
) -> None:
    """One upload, counted in ``tally``; ``sending`` (an Event): the body is sent slowly, a
    piece every 50 ms, and the event set once it has begun (an upload surely in flight)."""
    body, kind = _multipart(token, criterion, data)
    headers = {"Content-Type": kind}
    if sending is not None:
        headers["Content-Length"] = str(len(body))
        body = _slowly(body, sending)
    with tally.lock:
        tally.in_flight += 1
    try:
        status = browser.request("POST", f"/admin/par/{YEAR}/self/SNV/evidence", body, headers)[0]
    except ConnectionRefusedError:
        with tally.lock:
            tally.refused += 1
        time.sleep(0.05)
        return
    except (OSError, http.client.HTTPException):
        with tally.lock:
            tally.cut += 1
        return
    finally:
        with tally.lock:
            tally.in_flight -= 1
    with tally.lock:
        if status == 303:
            tally.acked.append(digest(data))
        else:
            tally.other.append(status)


def _slowly(body: bytes, sending: threading.Event):  # type: ignore[no-untyped-def]
    for start in range(0, len(body), 1 << 16):
        if start:
            sending.set()
            time.sleep(0.05)
        yield body[start : start + (1 << 16)]


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(GUNICORN), "-c", str(CONF), "survey_app:create_app()"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-2000:]
            try:
                if Browser(self.port).request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def kill_all(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def _wait_for(condition, seconds: float, tally: Tally) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        assert not tally.other, f"answers other than 303: {tally.other[:5]}"
        time.sleep(0.01)


@pytest.mark.parametrize("store", ["local", "database", "s3"])
def test_acknowledged_uploads_survive_a_kill_9_of_the_server(
    database: str, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CREDENTIALS.items():  # for the checks made in this process
        monkeypatch.setenv(name, value)
    _seed(database)
    settings = {
        "EVIDENCE_STORE": store,
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "EVIDENCE_S3_BUCKET": BUCKET,
        "EVIDENCE_S3_PREFIX": "evidence/",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    env.update(
        settings,
        DATABASE_URL=database,
        SECRET_KEY=SECRET,
        BASE_URL="http://127.0.0.1",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="4",
        GUNICORN_ACCESSLOG="",
        SIGNAL_SCAN_SECONDS="0",
        **CREDENTIALS,
    )
    with s3_server() as endpoint:
        make_bucket(endpoint)
        env["EVIDENCE_S3_ENDPOINT"] = settings["EVIDENCE_S3_ENDPOINT"] = endpoint
        server = Server(env, tmp_path / "gunicorn.log")
        server.start()
        try:
            browser = Browser(server.port)
            browser.login()
            page = browser.request("GET", f"/admin/par/{YEAR}/self/SNV")[2].decode()
            token, criteria = TOKEN.search(page).group(1), CRITERION.findall(page)
            tally, stop = Tally(), threading.Event()
            uploaders = [
                threading.Thread(target=_uploader, args=(browser, token, criteria, tally, stop))
                for _ in range(4)
            ]
            for thread in uploaders:
                thread.start()
            _wait_for(lambda: len(tally.acked) >= 6, 60, tally)
            _wait_for(lambda: tally.in_flight >= 3, 10, tally)
            sending = threading.Event()  # and one upload surely half sent: the others are quick
            slow = threading.Thread(
                target=_upload,
                args=(browser, token, criteria[0], b"%PDF-1.4\n" + os.urandom(1_000_000), tally),
                kwargs={"sending": sending},
            )
            slow.start()
            assert sending.wait(20)
            server.kill_all()  # kill -9: master and workers, uploads in flight
            before_kill = len(tally.acked)
            time.sleep(0.5)
            server.start()
            _wait_for(lambda: len(tally.acked) >= before_kill + 4, 60, tally)
            stop.set()
            for thread in [*uploaders, slow]:
                thread.join(timeout=60)
            _check(database, settings, browser, tally, before_kill, tmp_path)
        finally:
            stop.set()
            server.stop()


def _check(  # type: ignore[no-untyped-def]
    database: str, settings: dict, browser: Browser, tally: Tally, before_kill: int, tmp_path: Path
) -> None:
    assert before_kill >= 6 and len(tally.acked) >= before_kill + 4
    assert tally.cut >= 1, "no upload was in flight at the kill"
    assert not tally.other, f"answers other than 303: {tally.other}"
    app = create_app({"DATABASE_URL": database, "SECRET_KEY": SECRET, **settings})
    with app.app_context():
        session = get_db().session
        rows = {row.sha256: row.id for row in session.scalars(select(ParEvidence))}
        store = store_from_settings(app.config, session)
        missing = [key for key in tally.acked if key not in rows]
        assert not missing, f"{len(missing)} acknowledged upload(s) have no row"
        for key in rows:  # every recorded file, acknowledged or not, is whole
            assert digest(store.get(key)) == key
        stored = list(store.keys())
        for key in stored:  # nothing half-written under a final name
            assert digest(store.get(key)) == key
        if settings["EVIDENCE_STORE"] == "local":
            names = [p.name for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
            assert all(name in stored or name.startswith(".upload-") for name in names)
        if settings["EVIDENCE_STORE"] == "database":
            blobs = session.scalars(select(ParEvidenceBlob.sha256)).all()
            assert set(blobs) == set(rows)
    app.extensions["sipas_db"].engine.dispose()
    for key in tally.acked[:: max(1, len(tally.acked) // 5)]:  # and served by the restarted app
        status, _, data = browser.request("GET", f"/admin/par/{YEAR}/evidence/{rows[key]}")
        assert status == 200 and digest(data) == key
    print(  # the figures, for the record (-s)
        f"{settings['EVIDENCE_STORE']}: {len(tally.acked)} acknowledged ({before_kill} before the "
        f"kill), {tally.cut} cut by the kill, {tally.refused} refused while down, {len(rows)} rows"
    )
