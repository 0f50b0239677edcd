"""The backup is tested by restoring it: ``deploy/backup.sh`` then ``deploy/restore.sh``.

A private PostgreSQL gets the demo's units, counters and round, made-up answers and PAR points,
and real submissions through gunicorn (so flags and review events exist too). backup.sh dumps it
(pg_dump, custom format) and prunes old dumps; restore.sh restores the dump into a scratch
database. Passes when every table has the same rows in both (count and a digest of the rows),
a second restore into the now non-empty database is refused, and the app serves the restored
database after ``sipas db upgrade``.

    .venv/bin/python reliability/backup_restore.py
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time

from harness import (
    BIN,
    ROOT,
    SECRET_KEY,
    Clock,
    Crowd,
    Report,
    Server,
    app_env,
    fetch,
    main_guard,
    private_stack,
)

DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(ROOT))
from survey_app.par.evidence_store import LocalStore  # noqa: E402


def table_facts(url: str) -> dict[str, tuple[int, str]]:
    """table → (rows, md5 of its rows' text in order) for every table of the public schema."""
    import psycopg
    from psycopg import sql

    facts = {}
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')"
                " FROM {} AS t"
            ).format(sql.Identifier(table))
            count, digest = conn.execute(query).fetchone()
            facts[table] = (count, digest)
    return facts


def run(cmd: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def seed_answers(url: str) -> None:
    """Made-up answers (channel ``simulated``), PAR points and 8.1's SIPAS, as the demo has."""
    from survey_app import create_app, demo
    from survey_app.db import get_db
    from survey_app.staff.users import create_user

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    try:
        with app.app_context(), get_db().begin() as session:
            demo.simulate_responses(session, 20)
            demo.seed_par(session)
            create_user(session, "backup-check", "a-long-enough-password-1", "admin")
    finally:
        app.extensions["sipas_db"].engine.dispose()


def body(report: Report, workdir) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    pg, url, redis, env, counters = private_stack(workdir, GUNICORN_WORKERS="2")
    seed_answers(url)
    server = Server("gunicorn", workdir, env)
    server.start()
    crowd = Crowd([server.address], counters, 20).start()
    time.sleep(5)
    crowd.stop()
    server.stop()
    clock.mark(f"database filled; {len(crowd.tally.acks)} submissions through gunicorn")

    tools = {**os.environ, **pg.env()}
    backups = workdir / "backups"
    backups.mkdir()
    stale = backups / "sipas-20000101T000000Z.dump"
    stale.write_bytes(b"an old dump")
    os.utime(stale, (time.time() - 30 * 86400,) * 2)
    source = table_facts(url)
    evidence = workdir / "evidence"
    kept = [LocalStore(evidence).put(f"%PDF-1.4 evidence {n}".encode()) for n in range(3)]
    result = run(
        [str(DEPLOY / "backup.sh")],
        {
            **tools,
            # the app's own URL form (SQLAlchemy driver suffix) must work as it is
            "DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://"),
            "BACKUP_DIR": str(backups),
            "BACKUP_KEEP_DAYS": "14",
            "EVIDENCE_DIR": str(evidence),
        },
    )
    report.check("backup.sh succeeded", result.returncode == 0, result.stderr.strip()[-300:])
    dumps = sorted(backups.glob("sipas-*.dump"))
    dump = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    report.check(
        "one new dump, the 30-day-old one pruned, no .partial left",
        [str(p) for p in dumps] == [dump] and not list(backups.glob("*.partial")),
        f"{[p.name for p in backups.iterdir()]}",
    )
    if not dump:
        return
    report.fact("dump", f"{dump} ({os.path.getsize(dump):,} bytes)")
    clock.mark("backup.sh done")

    scratch = pg.create_database("sipas_restore_check")
    evidence_back = workdir / "evidence-restored"
    result = run(
        [str(DEPLOY / "restore.sh"), dump, scratch],
        {**tools, "EVIDENCE_DIR": str(evidence_back)},
    )
    report.check("restore.sh succeeded", result.returncode == 0, result.stderr.strip()[-300:])
    restored_store = LocalStore(evidence_back)
    report.check(
        "evidence files restored whole",
        all(hashlib.sha256(restored_store.get(k)).hexdigest() == k for k in kept)
        if evidence_back.exists()
        else False,
        str(sorted(p.name for p in evidence_back.rglob("*") if p.is_file()))[:200],
    )
    clock.mark("restore.sh done")
    restored = table_facts(scratch)
    report.fact("tables", len(source))
    report.fact(
        "rows per table (source)",
        ", ".join(f"{t} {n}" for t, (n, _) in source.items() if n),
    )
    report.check(
        "the same tables", set(source) == set(restored), sorted(set(source) ^ set(restored)) or ""
    )
    differ = [t for t in source if source[t][0] != restored.get(t, (None,))[0]]
    report.check(
        "every table has the same row count",
        not differ and bool(source),
        f"{sum(n for n, _ in source.values())} rows in {len(source)} tables"
        + (f"; differ: {differ}" if differ else ""),
    )
    differ = [t for t in source if source[t][1] != restored.get(t, (None, None))[1]]
    report.check("every table has the same rows (md5 of the rows)", not differ, differ or "")
    report.check(
        "the restored database has answers", source.get("responses", (0,))[0] > 0,
        source.get("responses", (0,))[0],
    )  # fmt: skip

    again = run([str(DEPLOY / "restore.sh"), dump, scratch], tools)
    report.check(
        "a restore into a non-empty database is refused (without --force)",
        again.returncode != 0 and table_facts(scratch) == restored,
        again.stderr.strip().splitlines()[-1] if again.stderr.strip() else again.returncode,
    )
    forced = run([str(DEPLOY / "restore.sh"), dump, scratch, "--force"], tools)
    report.check(
        "…and replaces it with --force",
        forced.returncode == 0 and table_facts(scratch) == restored,
        forced.stderr.strip()[-200:],
    )

    restored_env = app_env(scratch, redis.uri, GUNICORN_WORKERS="1")
    upgrade = run([str(BIN / "sipas"), "db", "upgrade"], restored_env)
    report.check("sipas db upgrade on the restored database", upgrade.returncode == 0,
                 (upgrade.stdout + upgrade.stderr).strip()[-200:])  # fmt: skip
    server = Server("gunicorn-restored", workdir, restored_env)
    server.start()
    status = fetch(server.address, "GET", f"/s/{counters[0]}")[0]
    report.check("the app serves the restored database", status == 200, f"GET /s/… {status}")
    server.stop()


if __name__ == "__main__":
    sys.exit(main_guard("backup_restore", body))
