"""Benchmark of ``sipas analyze --round`` on a round of 1,000,000 answers in PostgreSQL.

Run from the project root::

    .venv/bin/python benchmarks/analysis_database.py [--responses N] [--baseline N]
        [--server postgresql://postgres@127.0.0.1:5432/postgres]

On the local PostgreSQL server it creates a private database (``CREATE DATABASE``, dropped at
the end), migrates it, fills it with the demo's units, counters and open round, and bulk-loads
``--responses`` answers with ``COPY`` (every channel; ~5 % "không áp dụng"; 3 % flagged, 2 %
excluded; a service field and a gender), then fills in their item levels as the signals'
periodic scan does in production (timed). Then:

(a) ``sipas analyze --round NAME --out FILE.csv`` as a subprocess, end to end (process start to
    file written), wall time and the child's peak memory (its ``ru_maxrss``);
(b) the same with ``--by gender --exclude-flagged`` (a demographic from the JSON profile);
(c) the path before issue 12 in-process (ORM rows of the responses export, then a table: the
    reference function of ``tests/survey_app/results/test_round_columns.py``) on the first
    ``--baseline`` answers, beside the new path in-process on the same answers, extrapolated
    linearly to all answers.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import resource
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the packages before tests/, whose mirror folders share their names
ITEMS = [f"q{n}" for n in range(15, 34)]
CHANNELS = ["counter_qr"] * 6 + ["receipt", "public_link", "paper", "simulated"]


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB; load average now {load}"


def load_answers(url: str, responses: int, seed: int) -> str:
    """COPY ``responses`` answers into the demo round; returns the round's name."""
    import psycopg

    rng = random.Random(seed)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        round_id, name = conn.execute("SELECT id, name FROM survey_rounds").fetchone()
        units = conn.execute(
            "SELECT ru.unit_id, c.id FROM round_units ru JOIN counters c ON c.unit_id = ru.unit_id"
        ).fetchall()
        levels = {unit: rng.uniform(0.7, 0.97) for unit, _ in units}
        start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
        columns = (
            "submission_id, round_id, unit_id, counter_id, channel, submitted_at, "
            "questionnaire_id, questionnaire_version, language, answers, service_field, profile, "
            "state, flags"
        )
        with conn.cursor().copy(f"COPY responses ({columns}) FROM STDIN") as copy:
            for number in range(responses):
                unit, counter = units[number % len(units)]
                channel = rng.choice(CHANNELS)
                level = levels[unit]
                answers = {
                    item: "na"
                    if rng.random() < 0.05
                    else (5 if rng.random() < level else rng.randint(1, 4))
                    for item in ITEMS
                }
                state = rng.choices(["received", "flagged", "excluded"], [0.95, 0.03, 0.02])[0]
                copy.write_row(
                    (
                        secrets.token_hex(16),
                        round_id,
                        unit,
                        counter if channel == "counter_qr" else None,
                        channel,
                        start + timedelta(seconds=number),
                        "sipas-2023",
                        1,
                        "vi",
                        json.dumps(answers),
                        rng.choice(["dat_dai", "ho_tich", "xay_dung"]),
                        json.dumps({"gender": rng.choice(["nam", "nu"])}),
                        state,
                        '["too_fast"]' if state != "received" else "[]",
                    )
                )
        conn.execute("ANALYZE responses")
    return name


def fill_all_levels(url: str) -> int:
    """What the signals' scan does as answers come in: ``responses.levels`` for every answer."""
    from survey_app.app_factory import create_app
    from survey_app.db import get_db
    from survey_app.db.levels import fill_levels
    from survey_app.db.models import SurveyRound

    app = create_app({"DATABASE_URL": url})
    total = 0
    with app.app_context():
        while True:
            with get_db().begin() as session:
                survey_round = session.query(SurveyRound).one()
                done = fill_levels(session, survey_round.id, ITEMS, limit=100_000)
            total += done
            if not done:
                return total


def run_cli(url: str, round_name: str, out: Path, *extra: str) -> tuple[float, float, str]:
    """(wall seconds, child's peak MB, its last line) of ``sipas analyze --round``."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "survey_app.cli.main", "analyze", "--round", round_name]
    began = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        [*command, *extra, "--out", str(out)], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - began
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    if done.returncode != 0:
        raise SystemExit(f"sipas analyze failed:\n{done.stderr}")
    return seconds, peak, (done.stdout.strip().splitlines() or [done.stderr.strip()])[-1]


def in_process(url: str, round_name: str, limit: int) -> tuple[float, float]:
    """(old path seconds, new path seconds) on the round's first ``limit`` answers."""
    sys.path.append(str(ROOT / "tests" / "survey_app" / "results"))
    sys.path.append(str(ROOT / "tests"))
    from sqlalchemy import select, text
    from test_round_columns import reference_analysis

    from survey_app.app_factory import create_app
    from survey_app.db import get_db
    from survey_app.db.models import SurveyRound
    from survey_app.results.round_results import AnalysisOptions, analyze_round

    app = create_app({"DATABASE_URL": url})
    with app.app_context(), get_db().begin() as session:
        # the first `limit` answers only: the rest are marked excluded for this measurement
        session.execute(
            text("UPDATE responses SET state = 'excluded' WHERE id > :limit"), {"limit": limit}
        )
        survey_round = session.scalar(select(SurveyRound).where(SurveyRound.name == round_name))
        began = time.perf_counter()
        reference_analysis(session, survey_round, AnalysisOptions())
        old = time.perf_counter() - began
        began = time.perf_counter()
        analyze_round(session, survey_round, options=AnalysisOptions())
        new = time.perf_counter() - began
        session.rollback()
    return old, new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=50_000, help="0 skips (c)")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    sys.path.append(str(ROOT / "tests"))
    from support import private_postgresql_database

    from survey_app.demo import prepare

    print(f"$ {shlex.join(sys.orig_argv)}")
    print(f"Python {platform.python_version()}; machine: {machine()}")
    with private_postgresql_database(args.server) as url, tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            prepare(url)
        round_name = load_answers(url, args.responses, args.seed)
        print(f"{args.responses:,} answers COPYed in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        filled = fill_all_levels(url)
        print(
            f"item levels filled in for {filled:,} answers in {time.perf_counter() - began:.1f} s "
            "(the periodic scan's work, spread over the round in production)"
        )
        out = Path(tmp) / "results.csv"
        seconds, peak, said = run_cli(url, round_name, out)
        print(f"(a) sipas analyze --round: {seconds:.2f} s wall, {peak:,.0f} MB peak; {said}")
        seconds, peak, said = run_cli(url, round_name, out, "--by", "gender", "--exclude-flagged")
        print(
            f"(b) sipas analyze --round --by gender --exclude-flagged: {seconds:.2f} s wall, "
            f"{peak:,.0f} MB peak; {said}"
        )
        if args.baseline:
            old, new = in_process(url, round_name, args.baseline)
            scale = args.responses / args.baseline
            print(
                f"(c) in-process on {args.baseline:,} answers: before issue 12 {old:.2f} s "
                f"(× {scale:.0f} ≈ {old * scale:.0f} s for {args.responses:,}); now {new:.2f} s "
                f"({old / new:.0f}× faster)"
            )
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
