"""Two gunicorn instances (two ports) on one PostgreSQL and one Redis.

1. Phones spread over both, each citizen getting the form from one instance and posting it to the
   other (a load balancer without sticky sessions): the acknowledgements of both add up to the
   rows stored, each exactly once.
2. Both restarted with ``SUBMIT_LIMIT_PER_ADDRESS="30 per minute"``: 30 submissions from one
   address, alternating between the instances, are acknowledged; the 31st is refused with 429
   on either instance (the counter lives in Redis, not in a worker), the answers kept on the page.

    .venv/bin/python reliability/two_instances.py [--phones 100] [--seconds 25]
"""

from __future__ import annotations

import argparse
import random
import sys
from urllib.parse import urlencode

from harness import (
    TOKEN,
    Clock,
    Crowd,
    Report,
    Server,
    answers,
    app_env,
    check_database,
    fetch,
    main_guard,
    private_stack,
    report_stored,
)

LIMIT = 30


def submit(
    get_from: Server, post_to: Server, counter: str, rng: random.Random, tag: str
) -> tuple[int, str]:
    """One citizen (own cookies): GET the form from one instance, POST it to another."""
    headers = {"User-Agent": "reliability limit check", "Accept-Language": "vi"}
    status, reply, body = fetch(get_from.address, "GET", f"/s/{counter}", headers=headers)
    if status != 200:
        return status, ""
    cookies = "; ".join(c.split(";", 1)[0] for c in reply.get_all("Set-Cookie") or [])
    form = answers(rng) | dict(TOKEN.findall(body.decode())) | {"comment": tag}
    status, _, page = fetch(
        post_to.address,
        "POST",
        f"/s/{counter}",
        headers=headers | {"Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode(form).encode(),
    )
    return status, page.decode("utf-8", "replace")


def scenario(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    def body(report: Report, workdir) -> None:  # type: ignore[no-untyped-def]
        pg, url, redis, env, counters = private_stack(workdir, GUNICORN_WORKERS="2")
        servers = [Server("gunicorn-a", workdir, env), Server("gunicorn-b", workdir, env)]
        for server in servers:
            server.start()
        clock = Clock()
        clock.mark(
            f"instances on :{servers[0].port} and :{servers[1].port}, "
            f"PostgreSQL :{pg.port}, Redis db {redis.number}"
        )

        # 1. load over both --------------------------------------------------------------------
        crowd = Crowd([s.address for s in servers], counters, args.phones, cross=True).start()
        clock.mark(f"{args.phones} phones, form from one instance, answers to the other")
        clock.sleep_until(args.seconds)
        crowd.stop()
        clock.mark("phones stopped")
        crowd.summary(report)
        acks = crowd.tally.acks
        per_server = [sum(1 for a in acks if a.server == i) for i in range(2)]
        report.fact("acknowledged by instance a / b", f"{per_server[0]} / {per_server[1]}")
        report.check("both instances took submissions", min(per_server) > 0, per_server)
        report.check("no 5xx answer", crowd.tally.server_errors() == 0, crowd.tally.server_errors())
        stored = check_database(url, acks, [crowd.run_id])
        report_stored(report, stored, len(acks))
        report.check(
            "the counts add up: a + b = rows stored",
            per_server[0] + per_server[1] == stored.rows,
            f"{per_server[0]} + {per_server[1]} = {sum(per_server)}; {stored.rows} rows",
        )

        # 2. one shared rate limit ---------------------------------------------------------------
        for server in servers:
            server.stop()
        cleared = redis.clear()
        limited = app_env(
            url, redis.uri, GUNICORN_WORKERS="2", SUBMIT_LIMIT_PER_ADDRESS=f"{LIMIT} per minute"
        )
        servers = [
            Server("gunicorn-a-limited", workdir, limited, port=servers[0].port),
            Server("gunicorn-b-limited", workdir, limited, port=servers[1].port),
        ]
        for server in servers:
            server.start()
        clock.mark(
            f"both restarted with SUBMIT_LIMIT_PER_ADDRESS='{LIMIT} per minute' "
            f"({cleared} limiter keys cleared)"
        )
        rng = random.Random(31)
        rows_before = stored.rows
        outcomes = []
        began = clock()
        for n in range(LIMIT):
            a, b = servers[n % 2], servers[(n + 1) % 2]
            outcomes.append(submit(a, b, counters[n % len(counters)], rng, f"limit {n}")[0])
        report.check(
            f"{LIMIT} submissions within the minute, alternating instances, all acknowledged",
            outcomes == [303] * LIMIT,
            f"in {clock() - began:.1f} s: {dict((s, outcomes.count(s)) for s in set(outcomes))}",
        )
        status_a, page_a = submit(servers[1], servers[0], counters[0], rng, "limit over a")
        status_b, _ = submit(servers[0], servers[1], counters[1], rng, "limit over b")
        report.check(
            f"submission {LIMIT + 1} refused with 429 by instance a", status_a == 429, status_a
        )
        report.check(
            f"submission {LIMIT + 1} refused with 429 by instance b too", status_b == 429, status_b
        )
        report.check(
            "the 429 page keeps the citizen's answers",
            " checked>" in page_a and 'name="comment"' in page_a,
        )
        keys = redis.keys()
        report.check(
            "the counters live in Redis", bool(keys), f"{len(keys)} keys in db {redis.number}"
        )
        after = check_database(url, [])
        report.check(
            f"exactly {LIMIT} more rows stored",
            after.rows - rows_before == LIMIT,
            f"{after.rows - rows_before}",
        )
        for server in servers:
            server.stop()

    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=25)
    args = parser.parse_args()
    return main_guard("two_instances", scenario(args))


if __name__ == "__main__":
    sys.exit(main())
