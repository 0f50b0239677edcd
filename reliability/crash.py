"""Crashes under load: ``kill -9`` one gunicorn worker, later the whole server, then restart it.

Phones keep submitting throughout and send a form again when it was not acknowledged (connection
refused or cut). Passes when every acknowledged submission is in the database exactly once, no row
is half-written, the master replaced the killed worker, and the restarted server served again.

    .venv/bin/python reliability/crash.py [--phones 100] [--seconds 45]
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
    fetch,
    main_guard,
    private_stack,
    report_stored,
    wait_until,
)


def scenario(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    def body(report: Report, workdir) -> None:  # type: ignore[no-untyped-def]
        _pg, url, _redis, env, counters = private_stack(workdir)
        server = Server("gunicorn", workdir, env)
        server.start()
        clock = Clock()
        crowd = Crowd([server.address], counters, args.phones).start()
        clock.mark(f"{args.phones} phones submitting to :{server.port}")

        clock.sleep_until(args.seconds * 0.25)
        before = server.worker_pids()
        killed = server.kill_worker()
        acks_at_kill = len(crowd.tally.acks)
        clock.mark(f"kill -9 worker {killed} (workers were {before})")

        def replaced_in_one_look() -> bool:
            # one snapshot: two could see the killed worker alive, then already gone
            pids = server.worker_pids()
            return killed not in pids and len(pids) == server.workers

        replaced = wait_until("the master replaces the killed worker", replaced_in_one_look, 30)
        clock.mark(f"worker replaced after {replaced:.1f} s: {server.worker_pids()}")
        report.check(
            "the master replaced the killed worker", replaced_in_one_look(), f"in {replaced:.1f} s"
        )

        clock.sleep_until(args.seconds * 0.5)
        acks_before_crash = len(crowd.tally.acks)
        report.check(
            "submissions went on after the worker was killed",
            acks_before_crash > acks_at_kill,
            f"{acks_before_crash - acks_at_kill} acknowledged between the two kills",
        )
        pids = [server.proc.pid, *server.worker_pids()]
        server.kill_all()
        clock.mark(f"kill -9 the whole server (master and workers: {pids})")
        clock.sleep_until(clock() + 2)
        refused = fetch_fails(server)
        report.check("the server was really down", refused)
        up = server.start()
        acks_at_restart = len(crowd.tally.acks)
        clock.mark(f"server restarted, serving again after {up:.1f} s")

        clock.sleep_until(args.seconds)
        crowd.stop()
        clock.mark("phones stopped")
        crowd.summary(report)
        acks = crowd.tally.acks
        report.check(
            "submissions went on after the restart",
            len(acks) > acks_at_restart,
            f"{len(acks) - acks_at_restart} acknowledged after the restart",
        )
        report.check(
            "no 5xx answer (a crash cuts connections; it never answers 500)",
            crowd.tally.server_errors() == 0,
            crowd.tally.server_errors(),
        )
        report.check(
            "every cut submission was acknowledged on a resend",
            crowd.tally.given_up == 0,
            f"{crowd.tally.resent} resends, {crowd.tally.given_up} given up",
        )
        stored = check_database(url, acks, [crowd.run_id])
        report_stored(report, stored, len(acks))
        server.stop()

    return body


def fetch_fails(server: Server) -> bool:
    try:
        fetch(server.address, "GET", "/healthz", timeout=2)
    except OSError:
        return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=45)
    args = parser.parse_args()
    return main_guard("crash", scenario(args))


if __name__ == "__main__":
    sys.exit(main())
