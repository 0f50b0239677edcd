"""Where one citizen submission spends its time, in process (no gunicorn, no network).

Run from the project root::

    .venv/bin/python benchmarks/submit_profile.py [--submissions 300] [--top 25]

On a private PostgreSQL cluster and a Redis database of its own (``reliability/harness.py``, as
``benchmarks/submit_load.py``), with the demo's units, counters and open round, it drives the app
through Flask's test client as a phone does (GET ``/s/<counter>`` with ``Accept-Encoding: gzip``,
read the tokens, POST the answers, 303), and the bare INSERT app of ``submit_load.py`` the same
way, and an empty view of the bare app (the floor of one Flask request). It prints the median and
p90 milliseconds of each request and the CPU they used (the app's thread, the PostgreSQL
cluster); then the pieces of a submission, each timed alone (``--parts``: the SIPAS app's hooks,
its database session and cache version, the filled page, the session cookie, the Redis check,
CSRF and the signed id, parsing, the INSERT; the bare endpoint's view); then ``cProfile``'s
heaviest functions by CPU time (the thread's, not waits; own and cumulative) for the GET, the
POST and the bare INSERT (``--top``). The test client's own work
(building the request, reading the response) is in every figure, SIPAS and bare alike.
Every counter's form is asked for once before measuring (a server that has run a while), so
the GET and POST are the citizen's fast path's (docs/decisions/0033); the pieces of ``--parts``
are the Flask views' (what a request the fast path hands over pays).
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "reliability"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402  (reliability/harness.py)
import psycopg  # noqa: E402

HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "Mozilla/5.0 (profile phone)"}


def _ms(values: list[float], q: float) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.2f}"


def _profile(label: str, profile: cProfile.Profile, top: int) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if "ncalls" in line)
        print(f"\n--- {label}, by {order} ---")
        print("\n".join(lines[start - 1 :]))


def cluster_cpu(pg: harness.PrivatePostgres) -> float:
    """CPU seconds (user + system) used so far by the private cluster's processes."""
    postmaster = (pg.data / "postmaster.pid").read_text().split()[0]
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == postmaster or stat.parent.name == postmaster:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (proc(5) fields 14, 15)
    return ticks / os.sysconf("SC_CLK_TCK")


class Phase:
    """One kind of request: wall seconds of each, CPU of this thread and of PostgreSQL."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.wall: list[float] = []
        self.app_cpu = self.db_cpu = 0.0

    def per_request(self, seconds: float) -> str:
        return f"{seconds / len(self.wall) * 1000:.2f}"

    def line(self) -> str:
        return (
            f"  {self.label}: wall median {_ms(self.wall, 0.5)}, p90 {_ms(self.wall, 0.9)}; "
            f"CPU per request: app {self.per_request(self.app_cpu)}, PostgreSQL "
            f"{self.per_request(self.db_cpu)}"
        )

    def cpu(self) -> float:
        return (self.app_cpu + self.db_cpu) / len(self.wall)


def _cpu_us(work: Callable[[], object], times: int) -> float:
    """Microseconds of this thread's CPU per call of ``work`` (after one call to warm up)."""
    work()
    began = time.thread_time()
    for _ in range(times):
        work()
    return (time.thread_time() - began) / times * 1e6


def parts(app: Any, bare: Any, path: str, redis_uri: str, times: int) -> list[tuple[str, float]]:
    """The pieces of a submission, each timed alone (CPU µs), and the bare endpoint's view."""
    import secrets

    from flask import session
    from flask_wtf.csrf import generate_csrf, validate_csrf

    from questionnaires.answers import parse_submission
    from survey_app.citizen import pages, submissions
    from survey_app.db import cache_version, get_db
    from survey_app.submission_limits import SubmissionLimits

    found: list[tuple[str, float]] = []
    client, bare_client = app.test_client(), bare.test_client()
    found.append(("a request to an empty view, plain Flask (the bare app)",
                  _cpu_us(lambda: bare_client.get("/healthz"), times)))  # fmt: skip
    found.append(
        (
            "a request to an empty view of the SIPAS app (its hooks)",
            _cpu_us(lambda: client.get("/_profile_empty"), times),
        )
    )
    found.append(
        (
            "a GET of the form by a new phone, whole (test client included)",
            _cpu_us(lambda: app.test_client().get(path, headers=HEADERS), times),
        )
    )
    found.append(("an empty view of the SIPAS app by a new phone, whole",
                  _cpu_us(lambda: app.test_client().get("/_profile_empty", headers=HEADERS),
                          times)))  # fmt: skip

    def version_read() -> None:
        database = get_db()
        opened = database.factory()
        opened.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        cache_version.read(opened)
        opened.close()

    def store(target: Any, questionnaire: Any, answers: dict[str, str]) -> None:
        opened = get_db().factory()
        opened.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        ticket = submissions.FormTicket(
            secrets.token_hex(16), target.key, target.survey_round.id, time.time() - 60
        )
        submissions.store_response(
            opened,
            ticket=ticket,
            target=target,
            parsed=parse_submission(questionnaire, answers),
            language="vi",
            config=app.config,
        )
        opened.close()

    limits = SubmissionLimits(redis_uri)
    answers = harness.answers(random.Random(1))
    with app.test_request_context(path, method="POST", data=answers):
        app.preprocess_request()
        counter = pages._counter_or_404(path.removeprefix("/s/"))
        target = pages.counter_target(counter)
        assert target is not None
        questionnaire = pages._questionnaire(target.survey_round)
        response = app.response_class("")
        ticket = submissions.issue_ticket(app.secret_key, target)
        token = generate_csrf()
        for label, work in (
            ("its database session and the cache version (open, 1 SELECT, close)", version_read),
            ("the plain form filled in (page, CSRF token, signed id, cookie)",
             lambda: pages.render_form(target)),
            ("the session cookie signed", lambda: app.session_interface.save_session(
                app, session, response)),
            ("the rate limit checked in Redis (one script)", lambda: limits.hit(
                ("1000 per minute", "profile"), ("1000000 per minute", "127.0.0.1"))),
            ("the CSRF token and the signed id checked", lambda: (
                validate_csrf(token),
                submissions.read_ticket(app.secret_key, ticket, target))),
            ("19 answers parsed", lambda: parse_submission(questionnaire, answers)),
            ("one answer stored (its own session: INSERT … ON CONFLICT, autocommit)",
             lambda: store(target, questionnaire, answers)),
        ):  # fmt: skip
            found.append((label, _cpu_us(work, times)))
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        round_id, unit_id, counter_id = conn.execute(
            "SELECT ru.round_id, c.unit_id, c.id FROM counters c"
            " JOIN round_units ru ON ru.unit_id = c.unit_id LIMIT 1"
        ).fetchone()
    form = answers | {"round": str(round_id), "unit": str(unit_id), "counter": str(counter_id)}
    with bare.test_request_context("/insert", method="POST", data=form):
        view = bare.view_functions["insert_one"]
        found.append(("the bare endpoint's view (form read, BEGIN, INSERT, COMMIT, 303)",
                      _cpu_us(view, times)))  # fmt: skip
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300, help="measured submissions")
    parser.add_argument("--top", type=int, default=25, help="functions shown per profile (0: none)")
    parser.add_argument(
        "--parts", type=int, default=300, help="times each piece is timed alone (0: not)"
    )
    parser.add_argument("--save", type=Path, help="also write each profile here (pstats files)")
    args = parser.parse_args(argv)

    def body(_report: harness.Report, workdir: Path) -> None:
        from submit_load import minimal_app

        from survey_app import create_app

        pg = harness.PrivatePostgres(workdir).init_and_start()
        url = pg.create_database("sipas")
        redis = harness.RedisDatabase()
        env = harness.app_env(url, redis.uri)
        counters = harness.prepare_database(url, env)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": harness.SECRET_KEY,
                "BASE_URL": harness.BASE_URL,
                "RATELIMIT_STORAGE_URI": redis.uri,
                "SUBMIT_LIMIT_PER_ADDRESS": env["SUBMIT_LIMIT_PER_ADDRESS"],
                "SUBMIT_LIMIT_PER_FORM": env["SUBMIT_LIMIT_PER_FORM"],
            }
        )
        app.add_url_rule("/_profile_empty", "profile_empty", lambda: "")
        os.environ["DATABASE_URL"] = url
        bare = minimal_app()
        with psycopg.connect(url) as conn:
            round_id, unit_id, counter_id = conn.execute(
                "SELECT ru.round_id, c.unit_id, c.id FROM counters c"
                " JOIN round_units ru ON ru.unit_id = c.unit_id LIMIT 1"
            ).fetchone()
        target = {"round": str(round_id), "unit": str(unit_id), "counter": str(counter_id)}
        rng = random.Random(12)
        phases = {
            k: Phase(k)
            for k in (
                "SIPAS GET /s/<code>",
                "SIPAS POST → 303",
                "bare INSERT",
                "empty request (bare app's /healthz: Flask and the test client alone)",
            )
        }
        get, post, insert, empty = phases.values()

        def timed(
            phase: Phase, request: Callable[[], Any], profile: cProfile.Profile | None
        ) -> Any:
            began, cpu = time.perf_counter(), time.thread_time()
            if profile:
                profile.enable()
            answer = request()
            if profile:
                profile.disable()
            phase.wall.append(time.perf_counter() - began)
            phase.app_cpu += time.thread_time() - cpu
            return answer

        def batch(count: int, profiles: dict[str, cProfile.Profile] | None = None) -> None:
            """``count`` GETs (new phones), their POSTs, bare INSERTs and empty requests."""
            forms = []
            for phase, work in ((get, "get"), (post, "post"), (insert, "insert"), (empty, "")):
                db = cluster_cpu(pg)
                profile = (profiles or {}).get(work)
                for number in range(count):
                    if work == "get":
                        client, path = app.test_client(), f"/s/{rng.choice(counters)}"
                        request = partial(client.get, path, headers=HEADERS)
                    elif work == "post":
                        client, path, data = forms[number]
                        tokens = dict(harness.TOKEN.findall(gzip.decompress(data).decode()))
                        form = harness.answers(rng) | tokens
                        request = partial(client.post, path, data=form, headers=HEADERS)
                    elif work == "insert":
                        form = harness.answers(rng) | target | {"comment": "profile"}
                        request = partial(
                            bare.test_client().post, "/insert", data=form, headers=HEADERS
                        )
                    else:
                        request = partial(bare.test_client().get, "/healthz", headers=HEADERS)
                    answer = timed(phase, request, profile)
                    assert answer.status_code == (200 if work in ("get", "") else 303), (
                        answer.status
                    )
                    if work == "get":
                        forms.append((client, path, answer.data))
                phase.db_cpu += cluster_cpu(pg) - db

        for code in counters:  # every counter's rows read and its page made, as in a server
            app.test_client().get(f"/s/{code}", headers=HEADERS)  # that has run for a while
        batch(30)  # warm up: imports, pools
        for phase in phases.values():
            phase.wall.clear()
            phase.app_cpu = phase.db_cpu = 0.0
        for _ in range(3):  # three rounds, so that a change of the machine's load hits each kind
            batch(args.submissions // 3)
        print(f"{len(get.wall)} submissions and as many bare INSERTs, in process (ms). CPU: this")
        print("thread's (the app and the test client) and the PostgreSQL cluster's, per request:")
        for phase in phases.values():
            print(phase.line())
        wall = statistics.median(get.wall) + statistics.median(post.wall)
        print(
            f"  one submission ÷ one bare INSERT: wall (medians) "
            f"{wall / statistics.median(insert.wall):.1f}×, CPU "
            f"{(get.cpu() + post.cpu()) / insert.cpu():.1f}×"
        )
        if args.parts:
            print(f"\nEach piece alone, CPU of this thread per call (µs; {args.parts} calls):")
            for label, micro in parts(app, bare, f"/s/{counters[0]}", redis.uri, args.parts):
                print(f"  {micro:7,.0f}  {label}")
        if not args.top:
            return
        profiles = {k: cProfile.Profile(time.thread_time) for k in ("get", "post", "insert")}
        for _ in range(3):
            batch(args.submissions // 3, profiles)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            for name, profile in profiles.items():
                profile.dump_stats(args.save / f"{name}.pstats")
        _profile("SIPAS GET", profiles["get"], args.top)
        _profile("SIPAS POST", profiles["post"], args.top)
        _profile("bare INSERT", profiles["insert"], args.top)

    return harness.main_guard("submit_profile", body)


if __name__ == "__main__":
    sys.exit(main())
