"""Benchmark of the responses export as an operator runs it: ``sipas export responses``.

Run from the project root::

    .venv/bin/python benchmarks/export_responses.py [--answers N] [--postgresql URL|none]
                                                     [--formats csv,xlsx] [--keep DIR]

It fills a private SQLite database (and, when the PostgreSQL server at ``--postgresql`` answers,
a private database on it, dropped at the end) with N answers (default 200,000; ``--answers
1000000`` for the issue's million) of one round over 30 units, each with all 19 items, a profile
and, one in four, a comment, and then, for each database and format, runs

    python -m survey_app.cli.main export responses --round R --out FILE

in a child process, timing it from process start to file written (wall clock) and reading its
peak resident memory from the kernel (``os.wait4``'s ``ru_maxrss``). Each export also runs on the
quarter as many answers (a second round holding them) and on an empty round (the command's
start-up and set-up alone), so the peaks show whether memory grows with the rows. Prints one line
per run and the machine's load average. ``--baseline REV`` also runs the export module of git
revision REV (e.g. ``21a8b56``, before the export streamed) the same way, for comparison.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.config import sqlite_url  # noqa: E402
from survey_app.db import get_db, migrate, normalise_url  # noqa: E402
from survey_app.db.models import Unit  # noqa: E402
from survey_app.survey.counters import add_counter  # noqa: E402
from survey_app.survey.rounds import create_round  # noqa: E402
from survey_app.survey.units_import import ensure_unit_types, import_units  # noqa: E402

DEMO = ROOT / "survey_app" / "demo" / "data"
ITEMS = [f"q{n}" for n in range(15, 34)]
COMMENTS = ["Tốt, nhanh gọn", "Cán bộ nhiệt tình", 'Chờ lâu, "cần cải thiện"', "=1+1"]
BIG, SMALL, EMPTY = "Bench lớn", "Bench nhỏ", "Bench trống"
COLUMNS = (
    "submission_id, round_id, unit_id, counter_id, channel, submitted_at, questionnaire_id, "
    "questionnaire_version, language, answers, service_field, profile, comment, state, flags"
)


def _seed(url: str) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """Units, one counter each, and two rounds; (round ids, [(unit_id, counter_id)])."""
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context(), get_db().begin() as session:
        ensure_unit_types(session)
        for name in ("vinh-long-province.csv", "vinh-long-2023-departments.csv"):
            report = import_units(session, DEMO / name, valid_from=date(2020, 1, 1))
            assert report.ok, report.errors
        units = session.query(Unit).filter(Unit.parent_id.is_not(None)).limit(30).all()
        counters = [add_counter(session, u, f"{u.code}-B", "Quầy") for u in units]
        session.flush()
        now = datetime.now(UTC)
        rounds = {
            name: create_round(
                session,
                name=name,
                questionnaire_id="sipas-2023",
                questionnaire_version=1,
                opens_at=now - timedelta(days=200),
                closes_at=now + timedelta(days=30),
                units=units,
            ).id
            for name in (BIG, SMALL, EMPTY)
        }
        pairs = [(c.unit_id, c.id) for c in counters]
    app.extensions["sipas_db"].engine.dispose()
    return rounds, pairs


def _rows(n: int, round_id: int, pairs: list[tuple[int, int]], seed: int):
    chance = random.Random(seed)
    start = datetime(2026, 3, 2, 1, 0)
    for i in range(n):
        unit_id, counter_id = pairs[i % len(pairs)]
        answers = {q: chance.choice((1, 2, 3, 4, 5, 5, 4, None)) for q in ITEMS}
        yield (
            secrets.token_hex(16),
            round_id,
            unit_id,
            counter_id,
            "counter_qr",
            start + timedelta(seconds=11 * i),
            "sipas-2023",
            1,
            "vi",
            json.dumps(answers),
            "dat_dai" if i % 3 == 0 else None,
            json.dumps({"gender": chance.choice(("nam", "nu")), "visit": "lan_dau"}),
            COMMENTS[i % 4] if i % 4 == 0 else None,
            "received",
            "[]",
        )


def _fill(url: str, n: int) -> None:
    rounds, pairs = _seed(url)
    plan = [(rounds[BIG], n, 1), (rounds[SMALL], n // 4, 2)]
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(make_url(url).database)
        marks = ", ".join("?" * 15)
        for round_id, count, seed in plan:
            connection.executemany(
                f"INSERT INTO responses ({COLUMNS}) VALUES ({marks})",
                _rows(count, round_id, pairs, seed),
            )
        connection.commit()
        connection.close()
        return
    import psycopg

    with psycopg.connect(url.replace("+psycopg", "")) as connection, connection.cursor() as cur:
        for round_id, count, seed in plan:
            with cur.copy(f"COPY responses ({COLUMNS}) FROM STDIN") as copy:
                for row in _rows(count, round_id, pairs, seed):
                    copy.write_row(row)
        cur.execute("ANALYZE responses")


BASELINE = """
import sys, types
import survey_app.cli.main  # the same modules as the command loads
from survey_app.cli.common import make_app
from survey_app.db import get_db
source, round_name, out = sys.argv[1:]
old = types.ModuleType("old_export")
exec(compile(open(source, encoding="utf-8").read(), "old_export.py", "exec"), old.__dict__)
app = make_app()
with app.app_context(), get_db().begin() as session:
    if out.endswith(".csv"):
        with open(out, "w", encoding="utf-8", newline="") as handle:
            for chunk in old.to_csv(session, round_name):
                handle.write(chunk)
    else:
        open(out, "wb").write(old.to_xlsx(session, round_name))
"""
"""The export of an older revision (its survey_app/survey/export.py), as its command ran it."""


def _export(
    url: str, round_name: str, out: Path, baseline: Path | None = None
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of ``sipas export responses`` in a child process (or of
    the older export module ``baseline`` run the same way)."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "SECRET_KEY": "bench"}
    if baseline is None:
        command = [sys.executable, "-m", "survey_app.cli.main", "export", "responses"]
        command += ["--round", round_name, "--out", str(out)]
    else:
        command = [sys.executable, "-c", BASELINE, str(baseline), round_name, str(out)]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"export failed ({child.returncode}): {stderr}")
    return seconds, usage.ru_maxrss / 1024  # Linux: KiB


def _private_postgresql(server: str) -> tuple[str, str] | None:
    """A new database on ``server`` (None when it does not answer): (its URL, its name)."""
    name = f"sipas_bench_{os.getpid()}"
    try:
        engine = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
    except Exception as exc:  # not reachable: SQLite only
        print(f"PostgreSQL at {server} not used: {type(exc).__name__}")
        return None
    url = make_url(normalise_url(server)).set(database=name)
    return url.render_as_string(hide_password=False), name


def _drop(server: str, name: str) -> None:
    engine = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a server URL whose user may create databases; 'none' for SQLite only",
    )
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--keep", type=Path, default=None, help="keep the files written here")
    parser.add_argument(
        "--baseline",
        default=None,
        help="also run the export of this git revision (e.g. 21a8b56, before streaming)",
    )
    args = parser.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    print(
        f"export benchmark: {args.answers:,} answers (+{args.answers // 4:,} in a second round), "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory(prefix="sipas-export-bench-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        baseline = None
        if args.baseline:
            baseline = Path(scratch) / "old_export.py"
            source = subprocess.run(
                ["git", "show", f"{args.baseline}:survey_app/survey/export.py"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            ).stdout
            baseline.write_bytes(source)
        databases: list[tuple[str, str, tuple[str, str] | None]] = [
            ("SQLite", sqlite_url(Path(scratch) / "bench.sqlite"), None)
        ]
        if args.postgresql.lower() != "none":
            made = _private_postgresql(args.postgresql)
            if made is not None:
                databases.append(("PostgreSQL", made[0], made))
        try:
            for label, url, _ in databases:
                started = time.perf_counter()
                _fill(url, args.answers)
                print(f"{label}: filled in {time.perf_counter() - started:.1f} s")
                for fmt in formats:
                    sizes = ((EMPTY, 0), (SMALL, args.answers // 4), (BIG, args.answers))
                    runs = [("now", None)] + ([(args.baseline, baseline)] if baseline else [])
                    for (round_name, count), (rev, old) in itertools.product(sizes, runs):
                        out = work / f"{label.lower()}-{count}-{rev}.{fmt}"
                        seconds, peak = _export(url, round_name, out, old)
                        size = out.stat().st_size / 2**20
                        print(
                            f"  {label:<10} {fmt:<4} {rev:<7} {count:>9,} rows: {seconds:7.1f} s, "
                            f"peak RSS {peak:6.0f} MiB, file {size:7.1f} MiB, "
                            f"{count / seconds:9,.0f} rows/s"
                            if count
                            else f"  {label:<10} {fmt:<4} {rev:<7} {0:>9} rows: {seconds:7.1f} s, "
                            f"peak RSS {peak:6.0f} MiB (start-up and set-up alone)"
                        )
        finally:
            for _, _, made in databases:
                if made is not None:
                    _drop(args.postgresql, made[1])
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
