"""200 phones submitting for 60 s to gunicorn on a private PostgreSQL (Redis rate limits).

Passes when every acknowledged submission is in the database exactly once, whole, and no answer
was a 5xx. Prints throughput and p50/p99 latencies.

    .venv/bin/python reliability/load.py [--phones 200] [--seconds 60]
"""

from __future__ import annotations

import argparse
import sys

from harness import (
    Clock,
    Crowd,
    Report,
    Server,
    check_database,
    main_guard,
    private_stack,
    report_stored,
)


def scenario(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    def body(report: Report, workdir) -> None:  # type: ignore[no-untyped-def]
        clock = Clock()
        pg, url, redis, env, counters = private_stack(workdir)
        server = Server("gunicorn", workdir, env)
        started = server.start()
        clock.mark(
            f"PostgreSQL :{pg.port}, Redis db {redis.number}, gunicorn :{server.port} "
            f"({server.workers} workers × {env['GUNICORN_THREADS']} threads, up in "
            f"{started:.1f} s), {len(counters)} counters"
        )
        crowd = Crowd([server.address], counters, args.phones).start()
        clock.mark(f"{args.phones} phones submitting for {args.seconds} s")
        clock.sleep_until(clock() + args.seconds)
        crowd.stop()
        clock.mark("phones stopped")
        crowd.summary(report)
        acks = crowd.tally.acks
        report.check("submissions were acknowledged", len(acks) > 0, len(acks))
        report.check("no 5xx answer", crowd.tally.server_errors() == 0, crowd.tally.server_errors())
        report.check(
            "no connection error, no submission given up",
            not crowd.tally.errors and not crowd.tally.given_up,
            dict(crowd.tally.errors) or "",
        )
        others = {k: n for k, n in crowd.tally.statuses.items() if k not in ("GET 200", "POST 303")}
        report.check("every GET 200, every POST 303", not others, others or "")
        stored = check_database(url, acks, [crowd.run_id])
        report_stored(report, stored, len(acks))
        report.check(
            "the database holds exactly the acknowledged submissions",
            stored.rows == len(acks),
            f"{stored.rows} rows, {len(acks)} acknowledged",
        )
        server.stop()

    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    return main_guard("load", scenario(args))


if __name__ == "__main__":
    sys.exit(main())
