"""Gunicorn settings for SIPAS (docs/deployment.md).

    gunicorn -c deploy/gunicorn.conf.py 'survey_app:create_app()'

The app itself reads its settings from the environment (README.md, "Settings"); the variables
below only shape the server. Every one has a default that suits a 2-core machine behind nginx.

| variable | default | meaning |
|---|---|---|
| GUNICORN_BIND | 127.0.0.1:8000 | address (or ``unix:/run/sipas/sipas.sock``) nginx proxies to |
| GUNICORN_WORKERS | 2 × cores, at most 8 | worker processes |
| GUNICORN_THREADS | 4 | threads per worker (gthread): requests waiting on PostgreSQL |
| GUNICORN_TIMEOUT | 30 | seconds before a stuck worker is killed and replaced |
| GUNICORN_ACCESSLOG | ``-`` (stdout, i.e. the journal) | access log file; empty: none |
| GUNICORN_MAX_REQUESTS | 50000 | a worker is replaced after this many requests (0: never) |

Behind nginx set the app's ``TRUSTED_PROXIES=1`` (README, "Settings") so rate limits see the
phone's address from ``X-Forwarded-For`` instead of the proxy's; only when every request comes
through nginx and gunicorn's port cannot be reached otherwise (docs/deployment.md).

No receipt code reaches gunicorn's logs: ``RedactingLogger`` writes ``/r/…`` for the path after
``/r/`` and ``code=…`` for a typed code, in the access log and the error log (docs/decisions/0009).
"""

from __future__ import annotations

import logging
import os
import re

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} ({raw!r}) must be a whole number") from None


_CODE_IN_PATH = re.compile(r"(/r/)[^/?#\s\"']+", re.IGNORECASE)
_CODE_IN_QUERY = re.compile(r"(\bcode=)[^&#\s\"']*", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with every receipt code replaced: ``/r/7K3M-…`` → ``/r/…``, ``code=…``."""
    return _CODE_IN_QUERY.sub(r"\1…", _CODE_IN_PATH.sub(r"\1…", text))


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


class RedactingLogger(Logger):
    """gunicorn's logger, with receipt codes taken out of every access and error line."""

    def __init__(self, cfg: object) -> None:
        super().__init__(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(_Redact())


bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = _int("GUNICORN_WORKERS", min(2 * (os.cpu_count() or 1), 8))
# gthread: a worker keeps serving other requests while one waits on PostgreSQL's commit; the app's
# SQLAlchemy pool (5 + 10 overflow per worker) covers the threads.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30  # on SIGTERM (systemctl stop/restart) running requests finish first
keepalive = 5
# a new worker costs ~1.3 s of CPU (the app's start) and refills its caches: at 5,000 a busy
# server spent a tenth of a core on replacements (benchmarks/submit_load.py)
max_requests = _int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = max_requests // 10
backlog = 2048
# the app is imported in each worker, never in the master: no database connection or pool is
# shared across fork, and a worker killed by the kernel or by `timeout` comes back clean.
preload_app = False
# heartbeat files on tmpfs: a worker blocked on a slow disk is not mistaken for a hung one
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# one server per machine is the usual case, but two on one host (a second port for a rolling
# restart, the reliability suite) must not fight over one control socket
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# no query strings in the log, and the path after /r/ redacted (RedactingLogger): no receipt code
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logger_class = RedactingLogger
proc_name = "sipas"


def _loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]") if not address.startswith("unix:") else ""
    return address.startswith(("unix:", "fd://")) or host in ("127.0.0.1", "::1", "localhost")


def startup_warnings(env: dict[str, str], worker_count: int, addresses: list[str]) -> list[str]:
    """What is unsafe in these settings: rate limits counted per worker, a forgeable address."""
    found = []
    storage = env.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://"
    if worker_count > 1 and storage.startswith("memory://"):
        found.append(
            f"RATELIMIT_STORAGE_URI is {storage}: each of the {worker_count} workers counts the "
            "rate limits alone (login and submission limits are really "
            f"{worker_count} × as high); set it to Redis (docs/deployment.md, section 4)"
        )
    proxies = env.get("TRUSTED_PROXIES", "").strip() or "0"
    exposed = [a for a in addresses if not _loopback(a)]
    if proxies != "0" and exposed:
        found.append(
            f"TRUSTED_PROXIES={proxies} while gunicorn listens on {', '.join(exposed)}: a client "
            "reaching that port directly can forge X-Forwarded-For and pass the per-address "
            "limits; bind to 127.0.0.1 or a socket behind the proxy (docs/deployment.md, section 2)"
        )
    return found


def on_starting(server: object) -> None:
    """Log the warnings of ``startup_warnings`` when the master starts."""
    for warning in startup_warnings(dict(os.environ), workers, bind):
        server.log.warning("SIPAS: %s", warning)  # type: ignore[attr-defined]


# nginx on the same host sets X-Forwarded-Proto; gunicorn trusts it from these addresses only
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


# --- the signals' periodic scan (docs/decisions/0015) ---------------------------------------
# The signals that compare answers (burst, repeated device) are computed off the citizen's
# request by a background thread in each worker (`survey_app.trust.scanner.watch_in_app`), started
# once the worker has loaded the app: it uses the worker's own app and pool (nothing crosses a
# fork), dies and comes back with its worker. The threads of all workers and instances take
# turns on one row lock: one scans, the others skip that round.
# SIGNAL_SCAN_SECONDS=0: no scan here (run `sipas review watch` another way).
def _scan_seconds() -> float:
    raw = os.environ.get("SIGNAL_SCAN_SECONDS", "").strip() or "30"
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"SIGNAL_SCAN_SECONDS ({raw!r}) must be a number of seconds") from None


def post_worker_init(worker) -> None:  # type: ignore[no-untyped-def]
    seconds = _scan_seconds()
    app = getattr(worker, "wsgi", None)
    if seconds <= 0 or "sipas_db" not in getattr(app, "extensions", {}):
        return  # scans off, or not the SIPAS app (a benchmark's bare app)
    import threading

    from survey_app.trust.scanner import watch_in_app

    threading.Thread(
        target=watch_in_app, args=(app, seconds), name="signals-scan", daemon=True
    ).start()
