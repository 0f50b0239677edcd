"""Benchmark of a whole PAR year at a province's scale (issue 14, item 8): 150 units × 100
sub-criteria × 3 evidence files each, filled through the services, then read over HTTP.

Run from the project root::

    .venv/bin/python benchmarks/par_year_scale.py [--units 150] [--criteria 100] [--files 3]
        [--file-bytes 4096] [--store local|database] [--database-url URL] [--workdir DIR]

The database is a fresh PostgreSQL database made on the server of ``--database-url`` (default
``TEST_DATABASE_URL``; dropped at the end) or, with ``--database-url sqlite``, a SQLite file.
Steps, each timed:

1. ``sipas db upgrade``'s migrations; ``--units`` departments; a catalog of the year whose
   self-assessed sub-criteria are ``--criteria`` (the shipped 2023 department catalog, with its
   Ministry-survey leaves turned self-assessed until there are enough).
2. Every unit's evidence: ``--files`` small files (PDF header and random bytes, ``--file-bytes``
   on average) per sub-criterion, each through `add_evidence` and its own commit, as the upload
   page does (the store writes durably, the row acknowledges).
3. Every unit's draft (`save_draft` with every points box), then its submission (`submit`).
4. Sở Nội vụ's view of the year as a service (`reminders.standings`: every sheet loaded).
5. gunicorn (deploy/gunicorn.conf.py, 1 worker) on the same database: one HTTP GET of a unit's
   sheet page (``--criteria`` rows, ``--criteria × --files`` files listed) and one of the
   overview page, after a warm-up GET of the login page.

Baselines in the same run: the same store's bare ``put`` of 3,000 files of the same sizes (no
database), and 3,000 bare INSERT + COMMIT of one short row into a scratch table.
Prints each step's time, the database's size, the evidence store's size, the process's peak RSS
and the gunicorn worker's, and the load average.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2023
TODAY = date(2023, 12, 1)
PASSWORD = "benchmark-password-1"
TOKEN = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')


def log(message: str) -> None:
    print(message, flush=True)


@contextmanager
def database(url: str, workdir: Path):  # type: ignore[no-untyped-def]
    """A fresh database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from survey_app.config import sqlite_url
    from survey_app.db import normalise_url

    if url == "sqlite":
        yield sqlite_url(workdir / "bench.sqlite")
        return
    name = f"sipas_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def catalog_csv(criteria: int) -> str:
    """The shipped 2023 department catalog with ``criteria`` self-assessed sub-criteria."""
    from scoring_bridge import load_catalog
    from survey_app.par.files import catalog_csv as write_csv

    text = write_csv(load_catalog("department", YEAR).unwrap())
    lines = text.splitlines()
    have = sum(1 for line in lines if line.endswith(",appraisal"))
    out = []
    for line in lines:
        if have < criteria and line.endswith(",ministry_survey"):
            line = line.removesuffix("ministry_survey") + "appraisal"
            have += 1
        out.append(line)
    if have < criteria:
        raise SystemExit(f"the catalog has only {have} sub-criteria to self-assess")
    return "\n".join(out) + "\n"


def evidence_bytes(mean: int) -> bytes:
    size = max(64, int(mean * (0.5 + secrets.randbelow(1000) / 1000)))
    return b"%PDF-1.4\n" + os.urandom(size)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_size(folder: Path) -> tuple[int, int, int]:
    """(files, bytes of content, bytes on disk) of the evidence folder."""
    files = content = disk = 0
    for path in folder.rglob("*"):
        if path.is_file():
            stat = path.stat()
            files += 1
            content += stat.st_size
            disk += stat.st_blocks * 512
    return files, content, disk


def database_size(session) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        total = session.scalar(text("SELECT pg_database_size(current_database())"))
        blobs = session.scalar(text("SELECT pg_total_relation_size('par_evidence_blobs')"))
        rows = session.scalar(text("SELECT pg_total_relation_size('par_evidence')"))
        return (
            f"{total / 2**20:,.1f} MiB (par_evidence {rows / 2**20:,.1f} MiB, "
            f"par_evidence_blobs {blobs / 2**20:,.1f} MiB)"
        )
    path = Path(bind.url.database)
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return f"{size / 2**20:,.1f} MiB (SQLite file with its WAL)"


def fill(url: str, args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    from sqlalchemy import select, text

    from survey_app import create_app
    from survey_app.db import get_db, migrate
    from survey_app.db.models import Unit
    from survey_app.par import reminders
    from survey_app.par.evidence import Upload, add_evidence
    from survey_app.par.evidence_store import LocalStore, store_from_settings
    from survey_app.par.imports import import_catalogs
    from survey_app.par.self_assessment import load_sheet, save_draft, submit
    from survey_app.staff.users import create_user
    from survey_app.survey.units_import import ensure_unit_types, import_units

    figures: dict[str, object] = {}
    settings = {"EVIDENCE_STORE": args.store, "EVIDENCE_DIR": str(workdir / "evidence")}
    began = time.perf_counter()
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", **settings})
    rows = ["code,name,level,parent_code,ranked", "86,Tỉnh,province,,false"]
    rows += [f"U{n:03d},Đơn vị số {n},department,86,true" for n in range(args.units)]
    with app.app_context():
        with get_db().begin() as session:
            ensure_unit_types(session)
            assert import_units(session, "\n".join(rows).encode(), valid_from=date(2020, 1, 1)).ok
            outcome = import_catalogs(session, catalog_csv(args.criteria).encode(), "c.csv", YEAR)
            assert outcome.ok, outcome.problems
            create_user(session, "bench.admin", PASSWORD, "admin")
        figures["setup"] = time.perf_counter() - began
        log(f"set-up (migrations, {args.units} units, catalog): {figures['setup']:.1f} s")

        session = get_db().factory()
        units = session.scalars(select(Unit).where(Unit.code.like("U%")).order_by(Unit.code)).all()
        store = store_from_settings(app.config, session)
        per_file: list[float] = []
        began = time.perf_counter()
        for i, unit in enumerate(units):
            sheet = load_sheet(session, YEAR, unit)
            session.commit()
            own = sheet.own_rows[: args.criteria]
            for row in own:
                for n in range(args.files):
                    start = time.perf_counter()
                    upload = Upload(
                        row.code, f"tai-lieu-{n}.pdf", evidence_bytes(args.file_bytes), "cb"
                    )
                    add_evidence(
                        session, store, year=YEAR, unit=unit, upload=upload, max_bytes=10**7
                    )
                    session.commit()
                    per_file.append(time.perf_counter() - start)
            if (i + 1) % 25 == 0:
                log(
                    f"  {i + 1} units, {len(per_file):,} files, {time.perf_counter() - began:.0f} s"
                )
        figures["uploads"] = time.perf_counter() - began
        figures["files"] = len(per_file)
        log(
            f"evidence: {len(per_file):,} files in {figures['uploads']:.1f} s "
            f"({len(per_file) / figures['uploads']:.0f} files/s; per file p50 "
            f"{statistics.median(per_file) * 1000:.1f} ms, "
            f"p95 {percentile(per_file, 0.95) * 1000:.1f} ms)"
        )
        figures["per_file"] = per_file

        began = time.perf_counter()
        for unit in units:
            sheet = load_sheet(session, YEAR, unit)
            form = {f"points-{r.code}": f"{r.max_points / 2:g}" for r in sheet.own_rows}
            form.update({f"note-{r.code}": "Đã thực hiện theo kế hoạch" for r in sheet.own_rows})
            save_draft(session, sheet, form, "cb", TODAY)
            session.commit()
        figures["drafts"] = time.perf_counter() - began
        began = time.perf_counter()
        for unit in units[1:]:  # the first stays a draft: the sheet page shows its forms
            submit(session, load_sheet(session, YEAR, unit), "cb", TODAY)
            session.commit()
        figures["submits"] = time.perf_counter() - began
        log(
            f"drafts (every points box): {figures['drafts']:.1f} s; "
            f"submissions: {figures['submits']:.1f} s"
        )

        began = time.perf_counter()
        standing = reminders.standings(session, YEAR, TODAY)
        session.commit()
        figures["standings"] = time.perf_counter() - began
        log(
            f"Sở Nội vụ's view (every sheet loaded, {len(standing)} units): "
            f"{figures['standings']:.2f} s"
        )
        figures["database"] = database_size(session)
        if args.store == "local":
            files, content, disk = folder_size(workdir / "evidence")
            figures["store"] = (
                f"{files:,} files, {content / 2**20:,.1f} MiB of content, "
                f"{disk / 2**20:,.1f} MiB on disk"
            )
        else:
            figures["store"] = "in the database (par_evidence_blobs)"

        # baselines: the bare store, and bare INSERT + COMMIT
        sample = [evidence_bytes(args.file_bytes) for _ in range(3000)]
        bare = LocalStore(workdir / "baseline") if args.store == "local" else store
        began = time.perf_counter()
        for data in sample:
            bare.put(data)
            if args.store != "local":
                session.commit()
        figures["bare_store"] = (time.perf_counter() - began) / len(sample)
        session.execute(text("CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, v TEXT)"))
        session.commit()
        began = time.perf_counter()
        for n in range(3000):
            session.execute(text("INSERT INTO bench_baseline VALUES (:n, 'x')"), {"n": n})
            session.commit()
        figures["bare_commit"] = (time.perf_counter() - began) / 3000
        session.close()
    app.extensions["sipas_db"].engine.dispose()
    figures["rss"] = peak_rss_mib()
    return figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, method: str, path: str, cookies: dict, body: str = "") -> tuple:  # type: ignore[type-arg]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    start = time.perf_counter()
    conn.request(method, path, body=body or None, headers=headers)
    reply = conn.getresponse()
    data = reply.read()
    took = time.perf_counter() - start
    for value in reply.msg.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    conn.close()
    return reply.status, data, took


def over_http(url: str, args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench",
        BASE_URL="http://127.0.0.1",
        EVIDENCE_STORE=args.store,
        EVIDENCE_DIR=str(workdir / "evidence"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESSLOG="",
        SIGNAL_SCAN_SECONDS="0",
        PYTHONPATH=str(ROOT),
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    conf = ROOT / "deploy" / "gunicorn.conf.py"
    with (workdir / "gunicorn.log").open("ab") as out:
        proc = subprocess.Popen(
            [str(gunicorn), "-c", str(conf), "survey_app:create_app()"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    figures: dict[str, object] = {}
    try:
        cookies: dict[str, str] = {}
        for _ in range(300):
            try:
                status, page, _ = request(port, "GET", "/admin/login", cookies)
                break
            except OSError:
                time.sleep(0.2)
        token = TOKEN.search(page.decode()).group(1)
        form = f"csrf_token={token}&username=bench.admin&password={PASSWORD}"
        assert request(port, "POST", "/admin/login", cookies, form)[0] == 302
        for name, path in (
            ("sheet", f"/admin/par/{YEAR}/self/U000"),
            ("overview", f"/admin/par/{YEAR}/self"),
        ):
            status, data, took = request(port, "GET", path, cookies)
            assert status == 200, (path, status)
            figures[name] = (took, len(data))
            log(f"GET {path}: {took * 1000:,.0f} ms, {len(data):,} bytes")
        worker = [
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit() and _parent(p) == proc.pid
        ]
        figures["worker_rss"] = max((_hwm(pid) for pid in worker), default=0.0)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return figures


def _parent(proc_dir: Path) -> int:
    try:
        return int(proc_dir.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _hwm(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--criteria", type=int, default=100)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--file-bytes", type=int, default=4096, help="mean size of one file")
    parser.add_argument("--store", choices=["local", "database"], default="local")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "sqlite"),
        help="a PostgreSQL server's URL (a database is made on it), or sqlite",
    )
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="par-year-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log(
        f"{args.units} units × {args.criteria} sub-criteria × {args.files} files "
        f"(~{args.file_bytes:,} B each), store {args.store}, "
        f"{'SQLite' if args.database_url == 'sqlite' else 'PostgreSQL'}; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; load average at start "
        f"{os.getloadavg()[0]:.1f}"
    )
    started = time.perf_counter()
    with database(args.database_url, workdir) as url:
        figures = fill(url, args, workdir)
        http_figures = over_http(url, args, workdir)
    total = time.perf_counter() - started
    per_file = figures["per_file"]
    log("")
    log("| step | figure |")
    log("|---|---|")
    log(f"| set-up: migrations, {args.units} units, the catalog | {figures['setup']:.1f} s |")
    log(
        f"| {figures['files']:,} evidence files, each `add_evidence` + COMMIT | "
        f"{figures['uploads']:.0f} s ({figures['files'] / figures['uploads']:.0f} files/s; "
        f"p50 {statistics.median(per_file) * 1000:.1f} ms, "
        f"p95 {percentile(per_file, 0.95) * 1000:.1f} ms) |"
    )
    log(
        f"| baselines: bare store `put` / bare INSERT + COMMIT | "
        f"{figures['bare_store'] * 1000:.1f} ms / {figures['bare_commit'] * 1000:.1f} ms per row |"
    )
    log(f"| {args.units} drafts, every points box and note | {figures['drafts']:.1f} s |")
    log(f"| {args.units - 1} submissions | {figures['submits']:.1f} s |")
    log(f"| Sở Nội vụ's view as a service (every sheet) | {figures['standings']:.2f} s |")
    for name in ("sheet", "overview"):
        took, size = http_figures[name]
        log(f"| GET the {name} page over HTTP (gunicorn) | {took * 1000:,.0f} ms, {size:,} B |")
    log(f"| database size | {figures['database']} |")
    log(f"| evidence store | {figures['store']} |")
    log(
        f"| peak RSS: this process / the gunicorn worker | {figures['rss']:.0f} MiB / "
        f"{http_figures['worker_rss']:.0f} MiB |"
    )
    log(f"| whole run | {total / 60:.1f} min; load average at the end {os.getloadavg()[0]:.1f} |")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
