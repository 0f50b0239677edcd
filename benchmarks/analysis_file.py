"""Benchmark of ``sipas analyze --responses FILE.csv`` end to end, beside samplics, in one run.

Run from the project root::

    .venv/bin/python benchmarks/analysis_file.py [--rows 1000000] [--units 150] [--workdir DIR]
                                                 [--old] [--no-samplics] [--baseline REV]
                                                 [--repeat 3]

It writes a responses export (the export's columns, UTF-8 with BOM; answers from
``analysis_million.py``'s generator; ``benchmarks/responses_csv.py``), makes a private SQLite
database (``sipas db upgrade``), then times, in the same run:

(a) ``sipas analyze --responses FILE --questionnaire sipas-2023@1 --out results.csv`` as a
    subprocess (process start to results file written), its own peak RSS (``os.wait4``) and
    user CPU seconds; with ``--old`` also the row-by-row reader it replaced, in a subprocess
    too (slow: tens of seconds per million rows); with ``--baseline REV`` also the same command
    of an older revision (``git archive REV``, run with the same interpreter), e.g. ``main``;
(b) the core in this process: reading the file by columns plus ``analyze_sipas``;
(c) samplics' ``TaylorEstimator(ratio)`` doing only the per-unit item shares on the same answers
    (as ``analysis_million.py`` calls it),

and prints a table with the machine's load before and after. With ``--repeat N`` (default 3)
each command runs N times, the baseline's runs alternating with this revision's, and samplics N
times: the table shows the median wall time (the range beside it), the median peak RSS and
user CPU; the ratio divides the two medians. On a 2-core machine whose speed drifts ±15 % from
one minute to the next, one run of a one-second command says little.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from analysis_million import generate, samplics_item_ratios  # noqa: E402
from responses_csv import write_responses_csv  # noqa: E402
from runs import measure, source_tree  # noqa: E402

OLD_PATH = """
import sys
from pathlib import Path
from analysis import analyze_sipas
from questionnaires.registry import get_questionnaire
from survey_app.results.analysis_input import read_responses_file, to_sipas_data
from survey_app.results.files import write_results
q = get_questionnaire("sipas-2023", 1)
pops = dict(line.split(",") for line in Path(sys.argv[3]).read_text().split()[1:])
pops = {k: int(v) for k, v in pops.items()}
table = read_responses_file(Path(sys.argv[1]))
data = to_sipas_data(table, q, unit_types={}, populations=pops)
write_results(analyze_sipas(data), Path(sys.argv[2]))
"""


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def child(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MiB, user CPU seconds) of one subprocess."""
    wall, rss, user, _, _ = measure(args, env)
    return wall, rss, user


def summary(runs: list[tuple[float, float, float]]) -> tuple[str, float, float, float]:
    """(shown wall, median wall, median RSS, median user CPU) of repeated runs."""
    walls = [r[0] for r in runs]
    shown = f"{median(walls):.2f} s"
    if len(runs) > 1:
        shown += f" ({min(walls):.2f}–{max(walls):.2f})"
    return shown, median(walls), median(r[1] for r in runs), median(r[2] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--old", action="store_true", help="also time the row-by-row reader")
    parser.add_argument("--no-samplics", action="store_true")
    parser.add_argument("--baseline", metavar="REV", help="also time this revision's command")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (median)")
    args = parser.parse_args()
    args.repeat = max(1, args.repeat)
    print("$", shlex.join([Path(sys.executable).name, *sys.argv]))
    print(
        f"Python {platform.python_version()}, numpy {version('numpy')}, pyarrow "
        f"{version('pyarrow')}, samplics {version('samplics')}, {os.cpu_count()} cores"
    )
    print(f"load before: {load()}")
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="sipas-analysis-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"responses-{args.rows}.csv"
    start = time.perf_counter()
    data = generate(args.rows, args.units, args.seed)
    if not path.exists():
        write_responses_csv(data, path)
    print(
        f"file: {args.rows:,} answers × {len(data.item_ids)} items, {args.units} units, "
        f"{path.stat().st_size / 1e6:.0f} MB ({time.perf_counter() - start:.0f} s to make)"
    )
    populations = folder / "populations.csv"
    populations.write_text(
        "unit_code,population\n"
        + "".join(f"{code},{n}\n" for code, n in (data.populations or {}).items()),
        encoding="utf-8",
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite'}"
    sipas = [sys.executable, "-c", "from survey_app.cli.main import main; main()"]
    child([*sipas, "db", "upgrade"], env)
    rows: list[tuple[str, str, float, float | None, float | None]] = []
    out = folder / "results.csv"
    command = [
        *sipas,
        *("analyze", "--responses", str(path), "--questionnaire", "sipas-2023@1"),
        *("--populations", str(populations), "--out", str(out)),
    ]
    older = dict(env, PYTHONPATH=str(source_tree(args.baseline, folder))) if args.baseline else None
    ours, theirs = [], []
    for _ in range(args.repeat):
        ours.append(child(command, env))
        if older is not None:
            theirs.append(child(command, older))
    rows.append(("`sipas analyze --responses` (subprocess, start → file written)", *summary(ours)))
    if older is not None:
        name = f"the same command at {args.baseline} (baseline, subprocess)"
        rows.append((name, *summary(theirs)))
    if args.old:
        wall, rss, user = child(
            [sys.executable, "-c", OLD_PATH, str(path), str(out), str(populations)], env
        )
        old = "row-by-row reader it replaced (subprocess)"
        rows.append((old, f"{wall:.2f} s", wall, rss, user))

    from analysis import analyze_sipas
    from questionnaires.registry import get_questionnaire
    from survey_app.results.responses_checks import read_sipas_input

    questionnaire = get_questionnaire("sipas-2023", 1)
    start, cpu = time.perf_counter(), time.process_time()
    parsed, _ = read_sipas_input(path, questionnaire, unit_types={}, populations=data.populations)
    read = time.perf_counter() - start
    analyze_sipas(parsed)
    core, core_cpu = time.perf_counter() - start, time.process_time() - cpu
    rows.append(
        (
            f"in-process core: read by columns ({read:.2f} s) + analyze_sipas",
            f"{core:.2f} s",
            core,
            None,
            None,
        )
    )
    print(f"(in-process core CPU: {core_cpu:.2f} s over the threads)")
    if not args.no_samplics:
        times = [samplics_item_ratios(data, len(data.unit_codes))[0] for _ in range(args.repeat)]
        shown, samplics, _, _ = summary([(t, 0.0, 0.0) for t in times])
        name = "samplics TaylorEstimator(ratio), per-unit item shares only (in process)"
        rows.append((name, shown, samplics, None, None))
    print("| what | wall | peak RSS | user CPU |")
    print("|---|---|---|---|")
    for name, shown, _, rss_mib, user_cpu in rows:
        shown_rss = "" if rss_mib is None else f"{rss_mib:,.0f} MiB"
        shown_cpu = "" if user_cpu is None else f"{user_cpu:.2f} s"
        print(f"| {name} | {shown} | {shown_rss} | {shown_cpu} |")
    if not args.no_samplics:
        ratio = rows[-1][2] / rows[0][2]
        print(f"samplics ÷ `sipas analyze` end to end (medians of {args.repeat}): {ratio:.1f}×")
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
