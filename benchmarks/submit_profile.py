"""Where one citizen submission spends its time, in process (no gunicorn, no network).

Run from the project root::

    .venv/bin/python benchmarks/submit_profile.py [--submissions 300] [--top 25]

On a private PostgreSQL cluster and a Redis database of its own (``reliability/harness.py``, as
``benchmarks/submit_load.py``), with the demo's units, counters and open round, it drives the app
through Flask's test client as a phone does (GET ``/s/<counter>`` with ``Accept-Encoding: gzip``,
read the tokens, POST the answers, 303), and the bare INSERT app of ``submit_load.py`` the same
way. It prints the median and p90 milliseconds of each request, then ``cProfile``'s heaviest
functions (own time and cumulative) for the GET and for the POST. The test client's own work
(building the request, reading the response) is in every figure, SIPAS and bare alike.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "reliability"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402  (reliability/harness.py)

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300, help="per measured pass")
    parser.add_argument("--top", type=int, default=25, help="functions shown per profile")
    args = parser.parse_args(argv)

    def body(_report: harness.Report, workdir: Path) -> None:
        from submit_load import minimal_app

        from survey_app import create_app

        pg = harness.PrivatePostgres(workdir).init_and_start()
        url = pg.create_database("sipas")
        redis = harness.RedisDatabase()
        env = harness.app_env(url, redis.uri)
        counters = harness.prepare_database(url, env)
        settings = {
            "DATABASE_URL": url,
            "SECRET_KEY": harness.SECRET_KEY,
            "BASE_URL": harness.BASE_URL,
            "RATELIMIT_STORAGE_URI": redis.uri,
            "SUBMIT_LIMIT_PER_ADDRESS": env["SUBMIT_LIMIT_PER_ADDRESS"],
            "SUBMIT_LIMIT_PER_FORM": env["SUBMIT_LIMIT_PER_FORM"],
        }
        app = create_app(settings)
        rng = random.Random(12)
        gets: list[float] = []
        posts: list[float] = []
        cpu: dict[str, list[float]] = {"get": [], "post": [], "insert": []}

        def submission(get_profile: cProfile.Profile | None = None,
                       post_profile: cProfile.Profile | None = None) -> None:  # fmt: skip
            client = app.test_client()  # a new phone: no cookies
            path = f"/s/{rng.choice(counters)}"
            began, cpu_began = time.perf_counter(), time.thread_time()
            if get_profile:
                get_profile.enable()
            page = client.get(path, headers=HEADERS)
            if get_profile:
                get_profile.disable()
            gets.append(time.perf_counter() - began)
            cpu["get"].append(time.thread_time() - cpu_began)
            assert page.status_code == 200, page.status_code
            text = gzip.decompress(page.data).decode()
            form = harness.answers(rng) | dict(harness.TOKEN.findall(text))
            began, cpu_began = time.perf_counter(), time.thread_time()
            if post_profile:
                post_profile.enable()
            sent = client.post(path, data=form, headers=HEADERS)
            if post_profile:
                post_profile.disable()
            posts.append(time.perf_counter() - began)
            cpu["post"].append(time.thread_time() - cpu_began)
            assert sent.status_code == 303, sent.status_code

        import os

        os.environ["DATABASE_URL"] = url
        bare = minimal_app()
        import psycopg

        with psycopg.connect(url) as conn:
            round_id, unit_id, counter_id = conn.execute(
                "SELECT ru.round_id, c.unit_id, c.id FROM counters c"
                " JOIN round_units ru ON ru.unit_id = c.unit_id LIMIT 1"
            ).fetchone()
        target = {"round": str(round_id), "unit": str(unit_id), "counter": str(counter_id)}
        inserts: list[float] = []

        def insert(profile: cProfile.Profile | None = None) -> None:
            client = bare.test_client()
            form = harness.answers(rng) | target | {"comment": "profile"}
            began, cpu_began = time.perf_counter(), time.thread_time()
            if profile:
                profile.enable()
            sent = client.post("/insert", data=form, headers=HEADERS)
            if profile:
                profile.disable()
            inserts.append(time.perf_counter() - began)
            cpu["insert"].append(time.thread_time() - cpu_began)
            assert sent.status_code == 303, sent.status_code

        run: Callable[[], None]
        for run in (submission, insert):  # warm up: imports, pools, caches
            for _ in range(30):
                run()
        for values in (gets, posts, inserts, *cpu.values()):
            values.clear()
        for _ in range(args.submissions):
            submission()
            insert()
        print(f"{args.submissions} submissions and as many bare INSERTs, in process (ms; CPU: this")
        print("thread's own, i.e. the app and the test client, not PostgreSQL's or Redis's):")
        for label, wall, used in (
            ("SIPAS GET /s/<code>", gets, cpu["get"]),
            ("SIPAS POST → 303   ", posts, cpu["post"]),
            ("bare POST /insert  ", inserts, cpu["insert"]),
        ):
            print(
                f"  {label}: wall median {_ms(wall, 0.5)}, p90 {_ms(wall, 0.9)}; "
                f"CPU median {_ms(used, 0.5)}"
            )
        for label, one, two, three in (
            ("wall", gets, posts, inserts),
            ("CPU", cpu["get"], cpu["post"], cpu["insert"]),
        ):
            whole = statistics.median(one) + statistics.median(two)
            print(
                f"  one submission ÷ one bare INSERT, {label} (medians): "
                f"{whole / statistics.median(three):.1f}×"
            )

        get_profile, post_profile, bare_profile = (
            cProfile.Profile(),
            cProfile.Profile(),
            cProfile.Profile(),
        )
        for _ in range(args.submissions):
            submission(get_profile, post_profile)
            insert(bare_profile)
        _profile("SIPAS GET", get_profile, args.top)
        _profile("SIPAS POST", post_profile, args.top)
        _profile("bare INSERT", bare_profile, args.top)

    return harness.main_guard("submit_profile", body)


if __name__ == "__main__":
    sys.exit(main())
