"""PostgreSQL stopped under load (``pg_ctl stop -m fast``), then started again.

While it is down the app must answer 503 with the Vietnamese "wait, then press Send again" page
(and ``/healthz`` 503); once it is back the app must recover by itself (``pool_pre_ping``), with
no restart, and nothing acknowledged may be lost. Phones send a form again after a 503.

    .venv/bin/python reliability/db_restart.py [--phones 100] [--seconds 45] [--down 8]
"""

from __future__ import annotations

import argparse
import sys
import time

from harness import (
    RETRY_PAGE_TEXT,
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
        pg, url, _redis, env, counters = private_stack(workdir)
        server = Server("gunicorn", workdir, env)
        server.start()
        clock = Clock()
        crowd = Crowd([server.address], counters, args.phones).start()
        clock.mark(f"{args.phones} phones submitting to :{server.port}")

        clock.sleep_until(args.seconds * 0.25)
        acks_before = len(crowd.tally.acks)
        pg.stop("fast")
        down_at = clock()
        clock.mark("PostgreSQL stopped (pg_ctl stop -m fast)")

        stopped = time.monotonic()  # pg_ctl -w has returned: no commit can happen from here
        status, headers, page = fetch(server.address, "GET", f"/s/{counters[0]}")
        text = page.decode("utf-8", "replace")
        report.check("the form answers 503 while the database is down", status == 503, status)
        report.check(
            "…with the Vietnamese page asking to wait and send again",
            RETRY_PAGE_TEXT in text and 'lang="vi"' in text and "Hệ thống tạm thời bận" in text,
            f"Retry-After: {headers.get('Retry-After')}",
        )
        status, _, _ = fetch(server.address, "GET", "/healthz")
        report.check("/healthz answers 503 while the database is down", status == 503, status)
        clock.sleep_until(down_at + args.down)
        restarting = time.monotonic()
        started = pg.start()
        back_at = clock()
        clock.mark(f"PostgreSQL started again ({started:.1f} s)")
        healthy = wait_until(
            "/healthz 200 after the database is back",
            lambda: fetch(server.address, "GET", "/healthz", timeout=5)[0] == 200,
            timeout=30,
        )
        acks_at_restart = len(crowd.tally.acks)
        recovered = wait_until(
            "a submission acknowledged after the database is back",
            lambda: len(crowd.tally.acks) > acks_at_restart,
            timeout=30,
        )
        clock.mark(
            f"app healthy {healthy:.1f} s later; first acknowledgement {recovered:.1f} s later"
        )
        report.check(
            "the app recovered by itself (no restart of gunicorn)",
            server.proc is not None and server.proc.poll() is None,
            f"/healthz 200 {healthy:.1f} s after PostgreSQL was back",
        )

        clock.sleep_until(max(args.seconds, back_at + 10))
        crowd.stop()
        clock.mark("phones stopped")
        crowd.summary(report)
        tally = crowd.tally
        while_down = [a for a in tally.acks if stopped <= a.sent and a.done <= restarting]
        report.check(
            "nothing was acknowledged while the database was down",
            not while_down,
            len(while_down),
        )
        report.fact("503 pages seen by the phones", tally.retry_pages + tally.other_503_pages)
        report.check(
            "every 503 the phones saw was the Vietnamese retry page",
            tally.retry_pages > 0 and tally.other_503_pages == 0,
            f"{tally.retry_pages} retry pages, {tally.other_503_pages} others",
        )
        not_503 = {
            k: n
            for k, n in tally.statuses.items()
            if k.split()[1].startswith("5") and "503" not in k
        }
        report.check("no other 5xx (500, 502, 504)", not not_503, not_503 or "")
        report.check(
            "submissions before and after the outage",
            acks_before > 0 and len(tally.acks) > acks_at_restart,
            f"{acks_before} before, {len(tally.acks) - acks_at_restart} after",
        )
        report.check(
            "every submission refused during the outage was acknowledged on a resend",
            tally.given_up == 0,
            f"{tally.resent} resends, {tally.given_up} given up",
        )
        stored = check_database(url, tally.acks, [crowd.run_id])
        report_stored(report, stored, len(tally.acks))
        server.stop()

    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=45)
    parser.add_argument("--down", type=float, default=8, help="seconds PostgreSQL stays down")
    args = parser.parse_args()
    return main_guard("db_restart", scenario(args))


if __name__ == "__main__":
    sys.exit(main())
