"""What the reliability scripts share: a private PostgreSQL, gunicorn servers, simulated phones.

Everything runs on loopback. Each script gets a work folder, a private PostgreSQL cluster
(``initdb`` into it, a free port, stopped and deleted at the end: restarting it never touches the
machine's own server), a Redis database number of its own on the shared Redis (only its keys are
deleted), and gunicorn started exactly as in production
(``gunicorn -c deploy/gunicorn.conf.py 'survey_app:create_app()'``).

A *phone* is a thread that plays one citizen after another: GET ``/s/<counter>`` (keeping the
cookies), read ``csrf_token`` and ``sid``, POST the answers. A submission counts as acknowledged
only on the 303 to the thank-you page; until then the phone sends the same form again (a citizen
pressing "Gửi lại"), as the 503 page asks. Each acknowledged submission's ``sid`` nonce and a unique
comment are kept, so the database can be checked for it exactly once.
"""

from __future__ import annotations

import atexit
import contextlib
import gzip
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
SECRET_KEY = "reliability-secret-key-not-for-production-0001"
BASE_URL = "https://sipas.reliability.test"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
LIMIT_KEY_PATTERNS = ("LIMITS*", "LIMITER*")
"""Keys the rate limiter writes (limits' Redis storage prefix, Flask-Limiter's)."""
TOKEN = re.compile(r'name="(csrf_token|sid)"[^>]*? value="([^"]+)"')
ITEMS = tuple(f"q{n}" for n in range(15, 34))
LEVELS = ("1", "2", "3", "4", "5", "na")
RETRY_PAGE_TEXT = "Vui lòng đợi một lát rồi bấm Gửi lại"
"""The Vietnamese 503 page's words ("wait a moment, then press Send again")."""

_cleanups: list[Callable[[], None]] = []


def _run_cleanups() -> None:
    while _cleanups:
        action = _cleanups.pop()
        try:
            action()
        except Exception:
            traceback.print_exc()


atexit.register(_run_cleanups)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def on_exit(action: Callable[[], None]) -> Callable[[], None]:
    """Run ``action`` when the script ends, however it ends (last registered runs first)."""
    _cleanups.append(action)
    return action


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    what: str, predicate: Callable[[], bool], timeout: float, step: float = 0.2
) -> float:
    """Poll ``predicate`` until true; seconds it took. TimeoutError naming ``what`` otherwise."""
    start = time.monotonic()
    while True:
        with contextlib.suppress(Exception):
            if predicate():
                return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{what}: not after {timeout:.0f} s")
        time.sleep(step)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by linear interpolation; NaN when there are no values."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(p * 10) - 1]


# --- the report -----------------------------------------------------------------------------
class Report:
    """Facts and checks of one script, printed as they come; a PASS/FAIL summary at the end."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = time.monotonic()
        self.failed: list[str] = []
        self.passed = 0

    def fact(self, label: str, value: object) -> None:
        print(f"    {label}: {value}", flush=True)

    def check(self, label: str, ok: bool, detail: object = "") -> bool:
        mark = "PASS" if ok else "FAIL"
        print(f"  [{mark}] {label}" + (f" — {detail}" if detail != "" else ""), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed.append(label)
        return ok

    def finish(self) -> int:
        seconds = time.monotonic() - self.started
        if self.failed:
            print(
                f"\nRESULT {self.name}: FAIL ({len(self.failed)} of "
                f"{len(self.failed) + self.passed} checks failed, {seconds:.0f} s)"
            )
            for label in self.failed:
                print(f"  failed: {label}")
            return 1
        print(f"\nRESULT {self.name}: PASS ({self.passed} checks, {seconds:.0f} s)")
        return 0


def main_guard(name: str, body: Callable[[Report, Path], None]) -> int:
    """Run ``body(report, workdir)``; cleanup always; exit code 1 on a failed check or error."""
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)
    report = Report(name)
    workdir = Path(tempfile.mkdtemp(prefix=f"sipas-{name}-"))
    workdir.chmod(0o755)  # the private PostgreSQL runs as user postgres inside it
    keep = os.environ.get("RELIABILITY_KEEP") == "1"
    on_exit(lambda: None if keep else shutil.rmtree(workdir, ignore_errors=True))
    print(f"== {name} (work folder {workdir})", flush=True)
    try:
        body(report, workdir)
    except BaseException as exc:  # a script that crashes has failed, and says why
        if isinstance(exc, SystemExit) and exc.code in (0, None):
            raise
        traceback.print_exc()
        report.check(f"ran to the end without an error ({type(exc).__name__})", False, exc)
        for server_log in sorted(workdir.glob("*.log")):
            tail = server_log.read_text(errors="replace").splitlines()[-15:]
            print(f"--- last lines of {server_log.name}:\n" + "\n".join(tail))
    finally:
        _run_cleanups()
    return report.finish()


# --- a private PostgreSQL cluster -----------------------------------------------------------
def postgres_bin() -> Path:
    """Folder of PostgreSQL's server programs: $PG_BIN, Debian's newest, or the PATH's."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    for folder in debian:
        if (folder / "initdb").exists():
            return folder
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("initdb not found: install PostgreSQL's server or set PG_BIN")


class PrivatePostgres:
    """A PostgreSQL cluster of our own in ``workdir/pg``, on a free port, deleted at the end."""

    def __init__(self, workdir: Path) -> None:
        self.bin = postgres_bin()
        self.dir = workdir / "pg"
        self.data = self.dir / "data"
        self.log = workdir / "postgres.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _cmd(self, *args: str) -> list[str]:
        # initdb and postgres refuse to run as root: run them as the postgres user
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        return prefix + list(args)

    def _run(self, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            self._cmd(*args), capture_output=True, text=True, timeout=timeout, cwd="/"
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")

    def init_and_start(self) -> PrivatePostgres:
        self.dir.mkdir(parents=True)
        self.log.touch()
        if self.as_root:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.log, "postgres")
        on_exit(self.destroy)
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.dir}'\nmax_connections = 200\n"
            )
        self.start()
        return self

    def start(self) -> float:
        """Start and wait until it accepts connections; seconds it took."""
        began = time.monotonic()
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "start",
        )  # fmt: skip
        return time.monotonic() - began

    def stop(self, mode: str = "fast") -> None:
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"
        )

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        if self.running():
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "sipas") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def env(self) -> dict[str, str]:
        """Environment for libpq programs (pg_dump, psql) of this server's version."""
        return {"PATH": f"{self.bin}:{os.environ.get('PATH', '')}"}


# --- Redis ----------------------------------------------------------------------------------
class RedisDatabase:
    """A database number of the shared Redis, empty when taken; only the limiter's keys are
    deleted (at the end and by :meth:`clear`)."""

    def __init__(self) -> None:
        import redis

        for number in random.sample(range(1, 16), 15):
            client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number, socket_timeout=5)
            if client.dbsize() == 0:
                self.number, self.client = number, client
                break
        else:
            raise RuntimeError("no empty Redis database among 1..15")
        self.uri = f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"
        on_exit(self.clear)

    def keys(self) -> list[bytes]:
        return [k for pattern in LIMIT_KEY_PATTERNS for k in self.client.scan_iter(pattern)]

    def clear(self) -> int:
        keys = self.keys()
        if keys:
            self.client.delete(*keys)
        return len(keys)


# --- the app --------------------------------------------------------------------------------
def app_env(database_url: str, redis_uri: str, **settings: str) -> dict[str, str]:
    """The server's environment: production-like settings, limits lifted for loopback phones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "SUBMIT_"))}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        BASE_URL=BASE_URL,
        RATELIMIT_STORAGE_URI=redis_uri,
        # every simulated phone comes from 127.0.0.1: lift the ceiling (two_instances lowers it)
        SUBMIT_LIMIT_PER_ADDRESS="1000000 per minute",
        SUBMIT_LIMIT_PER_FORM="1000 per minute",
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="4",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def prepare_database(url: str, env: dict[str, str]) -> list[str]:
    """``sipas db upgrade``, then the demo's units, one counter each, an open round; the counters.

    The seeding is ``survey_app.demo.seed`` (Vĩnh Long's 2023 units from survey_app/demo/data),
    without simulated answers.
    """
    result = subprocess.run(
        [str(BIN / "sipas"), "db", "upgrade"],
        env={**env, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"sipas db upgrade failed:\n{result.stdout}{result.stderr}")
    from sqlalchemy import select

    from survey_app import create_app, demo
    from survey_app.db import get_db
    from survey_app.db.models import Counter

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    try:
        with app.app_context(), get_db().begin() as session:
            demo.seed(session)
            return list(session.scalars(select(Counter.code).order_by(Counter.code)))
    finally:
        app.extensions["sipas_db"].engine.dispose()


def private_stack(
    workdir: Path, **settings: str
) -> tuple[PrivatePostgres, str, RedisDatabase, dict[str, str], list[str]]:
    """A private PostgreSQL with a migrated, seeded ``sipas`` database, a Redis database of its
    own and the app's environment: ``(pg, database_url, redis, env, counter_codes)``."""
    pg = PrivatePostgres(workdir).init_and_start()
    url = pg.create_database("sipas")
    redis = RedisDatabase()
    env = app_env(url, redis.uri, **settings)
    return pg, url, redis, env, prepare_database(url, env)


def default_workers() -> int:
    """deploy/gunicorn.conf.py's worker count when GUNICORN_WORKERS is not set."""
    return min(2 * (os.cpu_count() or 1), 8)


class Server:
    """One gunicorn server (master and workers in a process group of their own)."""

    def __init__(
        self,
        name: str,
        workdir: Path,
        env: dict[str, str],
        port: int | None = None,
        app: Sequence[str] = ("survey_app:create_app()",),
    ) -> None:
        self.name = name
        self.app = list(app)
        self.port = port or free_port()
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.env.setdefault("GUNICORN_ACCESSLOG", "")
        self.workers = int(self.env.get("GUNICORN_WORKERS") or default_workers())
        self.log_path = workdir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        on_exit(self.stop)

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def start(self, timeout: float = 60) -> float:
        """Start and wait until /healthz answers 200 and every worker is up; seconds it took."""
        began = time.monotonic()
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), *self.app],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(f"{self.name} up", self._ready, timeout)
        return time.monotonic() - began

    def _ready(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited at start; see {self.log_path}")
        status = fetch(self.address, "GET", "/healthz", timeout=2)[0]
        return status == 200 and len(self.worker_pids()) == self.workers

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                    pids.append(int(stat.parent.name))
        return sorted(pids)

    def kill_worker(self) -> int:
        """``kill -9`` one worker; its pid."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        """``kill -9`` the master and every worker at once."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then SIGKILL to whatever of the group is left."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=35)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self.proc = None


# --- HTTP -----------------------------------------------------------------------------------
def fetch(
    address: tuple[str, int],
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 20,
    connection: http.client.HTTPConnection | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on a new connection, or on ``connection`` (kept open: HTTP/1.1 keep-alive;
    closed when the request fails): (status, headers, decoded body)."""
    conn = connection or http.client.HTTPConnection(*address, timeout=timeout)
    kept = False
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        kept = connection is not None
        if response.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return response.status, response.msg, data
    finally:
        if not kept:
            conn.close()


CONNECTION_ERRORS = (OSError, http.client.HTTPException)


def answers(rng: random.Random) -> dict[str, str]:
    """A citizen's answers: every item, a service field and gender now and then."""
    form = {item: rng.choice(LEVELS) for item in ITEMS}
    form["service_field"] = rng.choice(["dat_dai", "ho_tich", "chung_thuc", ""])
    form["gender"] = rng.choice(["nam", "nu", ""])
    return form


@dataclass(frozen=True)
class Ack:
    """An acknowledged submission: its nonce, its unique comment, where it went, its answers."""

    nonce: str
    comment: str
    server: int
    counter: str
    answers: dict[str, str]
    resends: int
    sent: float
    """When the acknowledged POST was sent (``time.monotonic()``)."""
    done: float
    """When its 303 was read."""


@dataclass
class Tally:
    """What the phones saw (shared by the phone threads, under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acks: list[Ack] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    get_seconds: list[float] = field(default_factory=list)
    post_seconds: list[float] = field(default_factory=list)
    submit_seconds: list[float] = field(default_factory=list)
    retry_pages: int = 0
    other_503_pages: int = 0
    resent: int = 0
    given_up: int = 0
    ack_times: list[float] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)

    def status(self, method: str, status: int) -> None:
        with self.lock:
            self.statuses[f"{method} {status}"] += 1

    def error(self, method: str, exc: BaseException) -> None:
        with self.lock:
            self.errors[f"{method} {type(exc).__name__}"] += 1

    def server_errors(self) -> int:
        return sum(n for key, n in self.statuses.items() if key.split()[1].startswith("5"))

    def count(self, prefix: str) -> int:
        return sum(n for key, n in self.statuses.items() if key.startswith(prefix))


class Crowd:
    """``phones`` threads submitting questionnaires to ``servers`` until :meth:`stop`.

    Each new citizen takes a random counter and gets its form from one server and (with
    ``cross``) posts it to the next one, as a load balancer without sticky sessions would.
    Each request opens a connection of its own, unless ``keep_alive``: then a citizen's POST
    goes on the connection of its GET, as a phone's browser sends it (a new citizen, a new
    connection; a resend after a failure, a new one).
    A submission that is not acknowledged (connection refused or cut, 5xx) is sent again with
    the same form every ``retry_pause`` seconds for ``resend_window`` seconds.
    """

    def __init__(
        self,
        servers: Sequence[tuple[str, int]],
        counters: Sequence[str],
        phones: int,
        *,
        run_id: str | None = None,
        cross: bool = False,
        keep_alive: bool = False,
        resend_window: float = 60.0,
        retry_pause: float = 1.0,
        timeout: float = 30.0,
    ) -> None:
        self.servers = list(servers)
        self.counters = list(counters)
        self.phones = phones
        self.run_id = run_id or secrets.token_hex(4)
        self.cross = cross
        self.keep_alive = keep_alive
        self.resend_window = resend_window
        self.retry_pause = retry_pause
        self.timeout = timeout
        self.tally = Tally()
        self.stopping = threading.Event()
        self.hard_stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.started = self.stopped = 0.0
        self.cpu_started = self.cpu_used = 0.0

    def start(self) -> Crowd:
        self.started = time.monotonic()
        self.cpu_started = time.process_time()
        for number in range(self.phones):
            thread = threading.Thread(target=self._phone, args=(number,), daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def stop(self, grace: float = 45.0) -> None:
        """No new citizens; let submissions in progress be acknowledged for ``grace`` seconds."""
        self.stopping.set()
        self.stopped = time.monotonic()
        self.cpu_used = time.process_time() - self.cpu_started
        deadline = time.monotonic() + grace
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.hard_stop.set()
        for thread in self.threads:
            thread.join(self.timeout + 5)
        alive = sum(t.is_alive() for t in self.threads)
        if alive:
            raise RuntimeError(f"{alive} phone threads still running after stop")

    @property
    def seconds(self) -> float:
        return (self.stopped or time.monotonic()) - self.started

    def _phone(self, number: int) -> None:
        rng = random.Random(f"{self.run_id}-{number}")
        user_agent = f"Mozilla/5.0 (Linux; Android 14; reliability phone {number})"
        seq = 0
        while not self.stopping.is_set():
            seq += 1
            first = rng.randrange(len(self.servers))
            second = (first + 1) % len(self.servers) if self.cross else first
            counter = rng.choice(self.counters)
            try:
                self._citizen(rng, user_agent, f"{number}-{seq}", counter, first, second)
            except Exception as exc:  # never let a phone die silently
                self.tally.error("phone", exc)
                traceback.print_exc()
                time.sleep(self.retry_pause)

    def _citizen(
        self, rng: random.Random, ua: str, tag: str, counter: str, first: int, second: int
    ) -> None:
        connection = None
        if self.keep_alive and first == second:
            connection = http.client.HTTPConnection(*self.servers[first], timeout=self.timeout)
        try:
            self._submit(rng, ua, tag, counter, first, second, connection)
        finally:
            if connection is not None:
                connection.close()

    def _submit(
        self,
        rng: random.Random,
        ua: str,
        tag: str,
        counter: str,
        first: int,
        second: int,
        connection: http.client.HTTPConnection | None,
    ) -> None:
        tally, path = self.tally, f"/s/{counter}"
        cookies: dict[str, str] = {}
        headers = {"User-Agent": ua, "Accept-Encoding": "gzip", "Accept-Language": "vi"}
        began = time.monotonic()
        try:
            status, reply, body = fetch(
                self.servers[first], "GET", path, headers=headers, timeout=self.timeout,
                connection=connection,
            )  # fmt: skip
        except CONNECTION_ERRORS as exc:
            tally.error("GET", exc)
            time.sleep(self.retry_pause * rng.uniform(0.5, 1.5))
            return
        tally.get_seconds.append(time.monotonic() - began)
        tally.status("GET", status)
        if status != 200:
            self._note_error_page(status, body)
            time.sleep(self.retry_pause * rng.uniform(0.5, 1.5))
            return
        _keep_cookies(cookies, reply)
        tokens = dict(TOKEN.findall(body.decode("utf-8")))
        form = answers(rng) | tokens | {"comment": f"reliability {self.run_id} {tag}"}
        payload = urlencode(form).encode()
        post_headers = headers | {"Content-Type": "application/x-www-form-urlencoded"}
        resends, first_try = 0, time.monotonic()
        while True:
            post_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            sent = time.monotonic()
            try:
                status, reply, body = fetch(
                    self.servers[second], "POST", path, headers=post_headers, body=payload,
                    timeout=self.timeout, connection=connection,
                )  # fmt: skip
            except CONNECTION_ERRORS as exc:
                tally.error("POST", exc)
                status = 0
            else:
                tally.post_seconds.append(time.monotonic() - sent)
                tally.status("POST", status)
            connection = None  # a resend opens a connection of its own
            if status == 303 and (reply.get("Location") or "").endswith("/cam-on"):
                done = time.monotonic()
                with tally.lock:
                    sent_answers = {k: form[k] for k in ITEMS}
                    ack = Ack(nonce_of(tokens["sid"]), form["comment"], second, counter,
                              sent_answers, resends, sent, done)  # fmt: skip
                    tally.acks.append(ack)
                    tally.submit_seconds.append(done - began)
                    tally.ack_times.append(done - self.started)
                return
            if status in (0, 500, 502, 503, 504):
                if status:
                    self._note_error_page(status, body)
                give_up = (
                    time.monotonic() - first_try > self.resend_window or self.hard_stop.is_set()
                )
                if give_up:
                    with tally.lock:
                        tally.given_up += 1
                    return
                resends += 1
                with tally.lock:
                    tally.resent += 1
                time.sleep(self.retry_pause * rng.uniform(0.5, 1.5))
                continue
            with tally.lock:  # 4xx and anything else: the citizen is not acknowledged
                tally.events.append((time.monotonic() - self.started, f"POST {status}"))
            return

    def _note_error_page(self, status: int, body: bytes) -> None:
        if status != 503:
            return
        text = body.decode("utf-8", "replace")
        with self.tally.lock:
            if RETRY_PAGE_TEXT in text and 'lang="vi"' in text:
                self.tally.retry_pages += 1
            else:
                self.tally.other_503_pages += 1

    def summary(self, report: Report) -> None:
        """Print throughput, latencies and what the phones saw."""
        tally = self.tally
        acks = len(tally.acks)
        report.fact("phones", f"{self.phones} for {self.seconds:.1f} s")
        report.fact(
            "acknowledged submissions", f"{acks} ({acks / max(self.seconds, 1e-9):.1f} per second)"
        )
        slices = Counter(int(t // 10) for t in tally.ack_times)
        report.fact(
            "acknowledged per second, by 10 s of the run",
            " ".join(f"{slices.get(i, 0) / 10:.0f}" for i in range(int(self.seconds // 10))),
        )
        report.fact(
            "latency, whole submission (GET form + POST → 303)", _latency(tally.submit_seconds)
        )
        report.fact("latency, POST alone", _latency(tally.post_seconds))
        report.fact("latency, GET form alone", _latency(tally.get_seconds))
        report.fact("responses seen", dict(sorted(tally.statuses.items())))
        if tally.errors:
            report.fact("connection errors", dict(sorted(tally.errors.items())))
        report.fact("resends (same form sent again)", tally.resent)
        report.fact(
            "CPU used by the phones themselves",
            f"{self.cpu_used:.1f} s in {self.seconds:.1f} s ({self.cpu_used / self.seconds:.0%} "
            "of one core, taken from the server on this machine)",
        )
        if tally.given_up:
            report.fact("submissions given up (never acknowledged)", tally.given_up)


def _latency(values: Sequence[float]) -> str:
    if not values:
        return "none"
    return (
        f"p50 {percentile(values, 50) * 1000:.0f} ms, p99 {percentile(values, 99) * 1000:.0f} ms, "
        f"max {max(values) * 1000:.0f} ms (n={len(values)})"
    )


def _keep_cookies(jar: dict[str, str], reply: http.client.HTTPMessage) -> None:
    for header in reply.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()


def nonce_of(sid: str) -> str:
    """The random submission id inside a form's signed ``sid`` (stored as ``submission_id``)."""
    from itsdangerous import URLSafeSerializer

    from survey_app.citizen.submissions import SALT

    return str(URLSafeSerializer(SECRET_KEY, salt=SALT).loads(sid)["n"])


# --- checking the database ------------------------------------------------------------------
@dataclass
class Stored:
    """What the database holds, checked against the acknowledged submissions."""

    rows: int
    missing: list[str]
    duplicates: list[str]
    mismatched: list[str]
    incomplete: list[str]
    unacknowledged: int


def check_database(url: str, acks: Iterable[Ack], run_ids: Iterable[str] = ()) -> Stored:
    """Every acknowledged submission there exactly once, with its answers; no row half-written.

    A row is whole when it has its round's questionnaire id and version, every required item of
    that questionnaire with a valid value, its unit and channel. ``unacknowledged`` counts rows of
    these runs (by comment) that no phone saw acknowledged: the connection was cut after commit.
    """
    from sqlalchemy import create_engine, text

    from questionnaires.registry import get_questionnaire
    from survey_app.db import normalise_url

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            rounds = {
                rid: (qid, version)
                for rid, qid, version in conn.execute(
                    text("SELECT id, questionnaire_id, questionnaire_version FROM survey_rounds")
                )
            }
            rows = conn.execute(
                text(
                    "SELECT submission_id, comment, round_id, questionnaire_id,"
                    " questionnaire_version, answers, unit_id, channel, submitted_at"
                    " FROM responses"
                )
            ).all()
    finally:
        engine.dispose()
    by_nonce: dict[str, list[tuple]] = {}
    incomplete = []
    valid = {int(v) for v in LEVELS if v.isdigit()} | {"na"}
    for row in rows:
        by_nonce.setdefault(row[0], []).append(row)
        qid, version = row[3], row[4]
        problems = []
        if rounds.get(row[2]) != (qid, version):
            problems.append("questionnaire differs from its round's")
        else:
            questionnaire = get_questionnaire(qid, version)
            stored = row[5] or {}
            for item in questionnaire.items:
                if item.required and stored.get(item.id) not in valid:
                    problems.append(f"{item.id}={stored.get(item.id)!r}")
        if row[6] is None or row[7] is None or row[8] is None:
            problems.append("no unit, channel or time")
        if problems:
            incomplete.append(f"{row[0]}: {', '.join(problems[:3])}")
    missing, mismatched = [], []
    acked = set()
    for ack in acks:
        acked.add(ack.nonce)
        found = by_nonce.get(ack.nonce, [])
        if not found:
            missing.append(ack.nonce)
            continue
        stored_answers = {k: str(v) for k, v in (found[0][5] or {}).items()}
        if found[0][1] != ack.comment or any(
            stored_answers.get(k) != v for k, v in ack.answers.items()
        ):
            mismatched.append(ack.nonce)
    duplicates = [nonce for nonce, found in by_nonce.items() if len(found) > 1]
    markers = tuple(f"reliability {run_id} " for run_id in run_ids)
    unacknowledged = sum(
        1
        for nonce, found in by_nonce.items()
        if nonce not in acked and markers and (found[0][1] or "").startswith(markers)
    )
    return Stored(len(rows), missing, duplicates, mismatched, incomplete, unacknowledged)


def report_stored(report: Report, stored: Stored, acks: int) -> None:
    """The exactly-once and whole-row checks."""
    report.fact("rows in responses", stored.rows)
    report.check(
        "every acknowledged submission is stored",
        not stored.missing,
        f"{acks - len(stored.missing)} of {acks}" + _some(stored.missing),
    )
    report.check("no submission is stored twice", not stored.duplicates, _some(stored.duplicates))
    report.check(
        "each stored with the answers and comment that were sent",
        not stored.mismatched,
        f"{len(stored.mismatched)} differ" + _some(stored.mismatched),
    )
    report.check(
        "no row is half-written (questionnaire version, every required item)",
        not stored.incomplete,
        f"{len(stored.incomplete)} incomplete" + _some(stored.incomplete),
    )
    report.fact(
        "stored but never acknowledged (connection cut after the commit; the phone gave up)",
        stored.unacknowledged,
    )


def _some(values: Sequence[str]) -> str:
    return f" (e.g. {', '.join(values[:3])})" if values else ""


class Clock:
    """Timestamps of a scenario's steps, from its start."""

    def __init__(self) -> None:
        self.began = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.began

    def mark(self, what: str) -> None:
        log(f"t={self():5.1f} s  {what}")

    def sleep_until(self, second: float) -> None:
        time.sleep(max(0.0, second - self()))
