"""Benchmark of submissions under load: gunicorn + PostgreSQL, SIPAS against a bare INSERT.

Run from the project root (or ``make benchmark-load``)::

    .venv/bin/python benchmarks/submit_load.py [--clients 50,200] [--seconds 20] [--repeat 1]

On a private PostgreSQL cluster (``reliability/harness.py``: initdb into a temporary folder, a free
port, deleted at the end) with the demo's units, counters and open round, and gunicorn started
with ``deploy/gunicorn.conf.py`` (its defaults for this machine), it measures in one run:

(a) the form page's bytes (raw and gzip);
(b) SIPAS: N simulated phones (threads, one new citizen after another: GET ``/s/<counter>``,
    POST the answers on the same connection, as a phone's browser keeps it open between the
    two (HTTP/1.1 keep-alive; a new citizen opens a new one), 303) for ``--seconds`` at each
    concurrency: acknowledged submissions per second, p50/p99 of the POST and of the whole
    submission; then the same with
    ``CITIZEN_FAST_PATH=off`` (every request through Flask: the baseline of the citizen's fast
    path, docs/decisions/0033) unless ``--no-flask-baseline``;
(c) the floor: a minimal Flask app (:func:`minimal_app`) under the same gunicorn settings whose
    one endpoint takes the same form and does one INSERT into the same ``responses`` table of the
    same database, then 303 (one connection per INSERT: one citizen each): INSERTs per second
    and p50/p99, and the ratio to (b), per submission and per request (a SIPAS submission is
    two requests: the form, then the POST),
    and the CPU the gunicorn workers used per acknowledged submission and per bare INSERT, and
    the server's whole CPU: the workers', the private PostgreSQL's (its processes, the ones that
    ended too) and the Redis server's. The clients' CPU is not the server's: a phone parses the
    page and sends two requests on its own processor; here they share the 2 cores.
    Each concurrency level runs (b) and (c) one right after the other, one server at a time;
(d) ``sipas analyze``'s computation on 1,000,000 responses (``benchmarks/analysis_million.py``'s
    generator and ``analysis.analyze_sipas``; the median of three runs).

The clients run on the same 2 cores as the server and take CPU from it; their share is printed.
With ``--repeat N`` each level runs N rounds (every server once a round, in turn) and the table
shows the median rate and CPU of the rounds (latencies: every round's samples together), then
each round's ratio: on a 2-core machine whose speed drifts ±15 % from minute to minute, the
bare INSERT app alone varied 807–1,017/s between two runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import secrets
import shlex
import statistics
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "reliability"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402  (reliability/harness.py)

WARM_UP = 3.0


# --- the minimal app (gunicorn imports this module in its workers) ---------------------------
def minimal_app():  # type: ignore[no-untyped-def]
    """POST /insert: the same form, one INSERT into ``responses``, 303. Nothing else."""
    import json

    from flask import Flask, redirect, request
    from sqlalchemy import text

    from survey_app.db import make_engine, utcnow

    app = Flask(__name__)
    engine = make_engine(os.environ["DATABASE_URL"])  # the app's own pool settings
    insert = text(
        "INSERT INTO responses (submission_id, round_id, unit_id, counter_id, channel,"
        " submitted_at, questionnaire_id, questionnaire_version, language, answers,"
        " service_field, profile, comment, state, flags)"
        " VALUES (:sid, :round, :unit, :counter, 'counter_qr', :at, 'sipas-2023', 1, 'vi',"
        " :answers, :field, :profile, :comment, 'received', '[]')"
    )

    @app.post("/insert")
    def insert_one():  # type: ignore[no-untyped-def]
        form = request.form
        answers = {k: (int(v) if v.isdigit() else v) for k, v in form.items() if k[1:].isdigit()}
        with engine.begin() as conn:
            conn.execute(
                insert,
                {
                    "sid": secrets.token_hex(16),
                    "round": int(form["round"]),
                    "unit": int(form["unit"]),
                    "counter": int(form["counter"]),
                    "at": utcnow().replace(tzinfo=None),
                    "answers": json.dumps(answers),
                    "field": form.get("service_field") or None,
                    "profile": json.dumps({"gender": form["gender"]} if form.get("gender") else {}),
                    "comment": form.get("comment") or None,
                },
            )
        return redirect("/done", code=303)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return {"status": "ok"}

    return app


# --- the clients ------------------------------------------------------------------------------
class Inserters:
    """``clients`` threads POSTing the same form to the minimal app, one after another."""

    def __init__(self, address: tuple[str, int], clients: int, targets: list[dict[str, str]]):
        self.address, self.clients, self.targets = address, clients, targets
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.seconds: list[float] = []
        self.bad: dict[str, int] = {}

    def _client(self, number: int) -> None:
        import random

        rng = random.Random(number)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Encoding": "gzip"}
        while not self.stopping.is_set():
            form = harness.answers(rng) | rng.choice(self.targets) | {"comment": f"min {number}"}
            began = time.monotonic()
            try:
                status = harness.fetch(
                    self.address, "POST", "/insert", headers=headers, body=urlencode(form).encode()
                )[0]
            except harness.CONNECTION_ERRORS as exc:
                status = type(exc).__name__
            with self.lock:
                if status == 303:
                    self.seconds.append(time.monotonic() - began)
                else:
                    self.bad[str(status)] = self.bad.get(str(status), 0) + 1

    def run(
        self, seconds: float, server: harness.Server
    ) -> tuple[int, list[float], float, dict[str, int], tuple[float, float]]:
        """(INSERTs acknowledged, their latencies, client CPU seconds, failures, the server's
        CPU seconds: its workers', PostgreSQL's and Redis's) after warm-up."""
        threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True)
            for n in range(self.clients)
        ]
        for thread in threads:
            thread.start()
        time.sleep(WARM_UP)
        with self.lock:
            self.seconds.clear()
        cpu, server_cpu = time.process_time(), server_cpus(server)
        time.sleep(seconds)
        with self.lock:
            done = list(self.seconds)
        cpu, server_cpu = time.process_time() - cpu, since(server_cpu, server)
        self.stopping.set()
        for thread in threads:
            thread.join(40)
        return len(done), done, cpu, self.bad, server_cpu


def sipas_run(
    server: harness.Server, counters: list[str], clients: int, seconds: float
) -> tuple[int, list[float], list[float], float, dict[str, int], tuple[float, float]]:
    """(submissions acknowledged, POST latencies, whole-submission latencies, client CPU, other
    answers, the server's CPU: its workers', PostgreSQL's and Redis's) after a warm-up: every
    counter's form asked for three times per worker (each worker reads each counter once and
    saves the page, as a server that has run for a while has), then the phones for a few
    seconds."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(16) as pool:
        asks = [f"/s/{code}" for code in counters] * (3 * len(server.worker_pids()))
        list(pool.map(lambda path: harness.fetch(server.address, "GET", path), asks))
    crowd = harness.Crowd([server.address], counters, clients, keep_alive=True).start()
    time.sleep(WARM_UP)
    tally = crowd.tally
    with tally.lock:
        acks0, post0, whole0 = len(tally.acks), len(tally.post_seconds), len(tally.submit_seconds)
    cpu, server_cpu = time.process_time(), server_cpus(server)
    time.sleep(seconds)
    with tally.lock:
        acks = len(tally.acks) - acks0
        posts = tally.post_seconds[post0:]
        whole = tally.submit_seconds[whole0:]
    cpu, server_cpu = time.process_time() - cpu, since(server_cpu, server)
    crowd.stop()
    others = {k: n for k, n in tally.statuses.items() if k not in ("GET 200", "POST 303")}
    others.update(tally.errors)
    return acks, posts, whole, cpu, others, server_cpu


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command's name (state first; empty when the
    process is gone): ppid at 1, utime and stime at 11 and 12, cutime and cstime at 13 and 14."""
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return []


def _ticks(fields: list[str], first: int) -> int:
    return int(fields[first]) + int(fields[first + 1]) if fields else 0


def workers_cpu(server: harness.Server) -> float:
    """CPU seconds (user + system) used so far by the server's gunicorn workers: the living
    ones' own, plus what the master collected of those it replaced (``max_requests``)."""
    living = sum(_ticks(_stat(pid), 11) for pid in server.worker_pids())  # utime, stime
    reaped = _ticks(_stat(server.proc.pid), 13) if server.proc else 0  # the master's cutime, cstime
    return (living + reaped) / os.sysconf("SC_CLK_TCK")


BACKING: list[int] = []  # the private PostgreSQL's postmaster and the Redis server (pids)


def redis_pids() -> list[int]:
    """The Redis server's process (the shared one the limits use), if this user can see it."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() == "redis-server":
                found.append(int(comm.parent.name))
    return found


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, the children it reaped and its living children."""
    own = _stat(pid)
    total = _ticks(own, 11) + _ticks(own, 13)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        child = _stat(int(stat.parent.name))
        if child and child[1] == str(pid):  # its parent
            total += _ticks(child, 11)
    return total / os.sysconf("SC_CLK_TCK")


def server_cpus(server: harness.Server) -> tuple[float, float]:
    """(the gunicorn workers' CPU seconds, PostgreSQL's and Redis's) so far."""
    return workers_cpu(server), sum(tree_cpu(pid) for pid in BACKING)


def since(before: tuple[float, float], server: harness.Server) -> tuple[float, float]:
    now = server_cpus(server)
    return now[0] - before[0], now[1] - before[1]


def empty_responses(url: str) -> None:
    """Each run starts on an empty ``responses`` table (and what refers to it): the signals'
    windows then hold only that run's answers."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("TRUNCATE responses CASCADE")


def ms(values: list[float], p: float) -> str:
    return f"{harness.percentile(values, p) * 1000:,.0f}"


# --- facts ----------------------------------------------------------------------------------
def command_line() -> str:
    argv = list(sys.orig_argv)
    with contextlib.suppress(ValueError):
        argv[0] = str(Path(argv[0]).relative_to(Path.cwd()))
    return shlex.join(argv)


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, {platform.system()} "
        f"{platform.release()}; load average before the run {load}"
    )


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]


def form_bytes(address: tuple[str, int], counter: str) -> tuple[int, int]:
    raw = harness.fetch(address, "GET", f"/s/{counter}")[2]
    import http.client

    conn = http.client.HTTPConnection(*address, timeout=20)
    try:
        conn.request("GET", f"/s/{counter}", headers={"Accept-Encoding": "gzip"})
        gz = conn.getresponse().read()
    finally:
        conn.close()
    return len(raw), len(gz)


def analysis_million(responses: int) -> tuple[float, float, int]:
    """(generation seconds, median analyze_sipas seconds of 3, result rows)."""
    from analysis_million import generate

    from analysis import analyze_sipas

    began = time.perf_counter()
    data = generate(responses, 150, 2024)
    generated = time.perf_counter() - began
    times = []
    for _ in range(3):
        began = time.perf_counter()
        result = analyze_sipas(data)
        times.append(time.perf_counter() - began)
    return generated, statistics.median(times), len(result.rows)


def pooled(runs: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """Rounds of one server at one level as one row: the median of each number, every latency
    sample of every round together."""
    return tuple(
        [x for run in runs for x in run[i]] if isinstance(runs[0][i], list)
        else statistics.median(run[i] for run in runs)
        for i in range(len(runs[0]))
    )  # fmt: skip


# --- main -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="50,200", help="concurrencies (50,200)")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per run")
    parser.add_argument("--responses", type=int, default=1_000_000, help="for (d); 0 skips it")
    parser.add_argument(
        "--no-flask-baseline",
        dest="flask_baseline",
        action="store_false",
        help="skip SIPAS with CITIZEN_FAST_PATH=off (every request through Flask)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds per level (every server once a round, in turn); the table shows medians",
    )
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",") if c.strip()]
    workers = os.environ.get("GUNICORN_WORKERS") or str(harness.default_workers())
    threads = os.environ.get("GUNICORN_THREADS") or "4"

    print(f"$ {command_line()}")
    print(
        f"Python {platform.python_version()}, Flask {version('flask')}, "
        f"SQLAlchemy {version('sqlalchemy')}, psycopg {version('psycopg')}, "
        f"gunicorn {version('gunicorn')} (gthread, {workers} workers × {threads} threads, "
        f"deploy/gunicorn.conf.py), numpy {version('numpy')}"
    )
    print(f"machine: {machine()}")

    def body(report: harness.Report, workdir: Path) -> None:
        pg = harness.PrivatePostgres(workdir).init_and_start()
        url = pg.create_database("sipas")
        redis = harness.RedisDatabase()
        BACKING[:] = [int((pg.data / "postmaster.pid").read_text().split()[0])]
        BACKING.extend(int(pid) for pid in redis_pids())
        env = harness.app_env(url, redis.uri, GUNICORN_WORKERS=workers, GUNICORN_THREADS=threads)
        counters = harness.prepare_database(url, env)
        print(f"PostgreSQL {server_version(url)} (private cluster, default settings, fsync on)")
        print(f"{len(counters)} counters; each run: {WARM_UP:.0f} s warm-up, {args.seconds:.0f} s")
        print()
        rows: dict[int, dict[str, list[tuple[Any, ...]]]] = {c: {} for c in levels}

        kinds = [("sipas", "SIPAS", env)]
        if args.flask_baseline:
            kinds.append(("flask", "SIPAS through Flask", env | {"CITIZEN_FAST_PATH": "off"}))
        import psycopg

        with psycopg.connect(url) as conn:
            target = conn.execute(
                "SELECT ru.round_id, c.unit_id, c.id FROM counters c"
                " JOIN round_units ru ON ru.unit_id = c.unit_id"
            ).fetchall()
        targets = [{"round": str(r), "unit": str(u), "counter": str(c)} for r, u, c in target]
        # each concurrency level measures the servers one right after the other, so that the
        # machine's drift touches them alike; one server runs at a time (SIPAS's signals scan
        # then runs in the server measured)
        servers = {kind: harness.Server(kind, workdir, kind_env) for kind, _, kind_env in kinds}
        servers["minimal"] = harness.Server(
            "minimal", workdir, env, app=("--pythonpath", str(ROOT / "benchmarks"),
                                          "submit_load:minimal_app()"),
        )  # fmt: skip
        for kind, label, _env in kinds:
            servers[kind].start()
            raw, gz = form_bytes(servers[kind].address, counters[0])
            servers[kind].stop()
            print(f"(a) {label}: form page /s/{counters[0]}: {raw:,} B raw, {gz:,} B gzip")

        def measure_level(clients: int) -> None:
            """One round of a level: each SIPAS server, then the minimal app."""
            for kind, label, _env in kinds:
                empty_responses(url)
                servers[kind].start()
                acks, posts, whole, cpu, others, server_cpu = sipas_run(
                    servers[kind], counters, clients, args.seconds
                )
                servers[kind].stop()
                rows[clients].setdefault(kind, []).append(
                    (acks / args.seconds, posts, whole, server_cpu[0] / acks, server_cpu[1] / acks)
                )
                report.check(
                    f"{label}, {clients} phones: every GET 200, every POST 303",
                    not others,
                    others or "",
                )
                print(
                    f"(b) {label}, {clients} phones: {acks / args.seconds:,.1f} submissions/s; "
                    f"POST p50 {ms(posts, 50)} ms, p99 {ms(posts, 99)} ms; whole submission p50 "
                    f"{ms(whole, 50)} ms, p99 {ms(whole, 99)} ms; client CPU "
                    f"{cpu / args.seconds:.0%} of a core; server CPU "
                    f"{server_cpu[0] / acks * 1000:.2f} ms per submission, PostgreSQL and Redis "
                    f"{server_cpu[1] / acks * 1000:.2f} ms"
                    + (f"; other answers {others}" if others else "")
                )
            empty_responses(url)
            servers["minimal"].start()
            inserters = Inserters(servers["minimal"].address, clients, targets)
            done, seconds, cpu, bad, server_cpu = inserters.run(args.seconds, servers["minimal"])
            servers["minimal"].stop()
            bare = (done / args.seconds, seconds, server_cpu[0] / done, server_cpu[1] / done)
            rows[clients].setdefault("minimal", []).append(bare)
            report.check(f"minimal app, {clients} clients: every POST 303", not bad, bad or "")
            print(
                f"(c) minimal INSERT app, {clients} clients: {done / args.seconds:,.1f} INSERTs/s; "
                f"p50 {ms(seconds, 50)} ms, p99 {ms(seconds, 99)} ms; client CPU "
                f"{cpu / args.seconds:.0%} of a core; server CPU "
                f"{server_cpu[0] / done * 1000:.2f} ms per INSERT, PostgreSQL and Redis "
                f"{server_cpu[1] / done * 1000:.2f} ms" + (f"; failures {bad}" if bad else "")
            )

        for clients in levels:
            for _ in range(max(1, args.repeat)):
                measure_level(clients)

        print()
        print("| clients | SIPAS | submissions/s | POST p50 / p99 | whole submission p50 / p99 "
              "| bare INSERT/s | bare INSERT p50 / p99 | bare ÷ SIPAS, per submission "
              "(per request) | app CPU per submission ÷ per bare INSERT | server CPU (app, "
              "PostgreSQL, Redis) per submission ÷ per bare INSERT |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|---|")
        for clients in levels:
            m_rate, seconds, m_cpu, m_back = pooled(rows[clients]["minimal"])
            for kind, label, _env in kinds:
                s_rate, posts, whole, s_cpu, s_back = pooled(rows[clients][kind])
                s_all, m_all = s_cpu + s_back, m_cpu + m_back
                print(
                    f"| {clients} | {label} | {s_rate:,.0f} | {ms(posts, 50)} / {ms(posts, 99)} ms "
                    f"| {ms(whole, 50)} / {ms(whole, 99)} ms | {m_rate:,.0f} | "
                    f"{ms(seconds, 50)} / {ms(seconds, 99)} ms | {m_rate / s_rate:.1f}× "
                    f"({m_rate / (2 * s_rate):.1f}×) | {s_cpu * 1000:.2f} ÷ {m_cpu * 1000:.2f} ms "
                    f"= {s_cpu / m_cpu:.1f}× | {s_all * 1000:.2f} ÷ {m_all * 1000:.2f} ms "
                    f"= {s_all / m_all:.1f}× |"
                )
        if args.repeat > 1:
            print()
            for clients in levels:
                bare = [run[0] for run in rows[clients]["minimal"]]
                for kind, label, _env in kinds:
                    runs = rows[clients][kind]
                    ratios = ", ".join(f"{b / r[0]:.2f}×" for b, r in zip(bare, runs, strict=True))
                    print(f"{clients} clients, {label}: bare ÷ SIPAS per round: {ratios}")
        if args.responses:
            generated, median, result_rows = analysis_million(args.responses)
            print()
            print(
                f"(d) analyze_sipas on {args.responses:,} responses × 19 items, 150 units: median "
                f"{median:.2f} s of 3 runs ({result_rows:,} result rows; data generated in "
                f"{generated:.1f} s)"
            )

    return harness.main_guard("submit_load", body)


if __name__ == "__main__":
    sys.exit(main())
