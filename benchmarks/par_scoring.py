"""Benchmark of ``sipas score`` end to end: 10,000 communes with every points row.

Run from the project root::

    .venv/bin/python benchmarks/par_scoring.py [--units 10000] [--formats csv,json,xlsx]
                                               [--workdir DIR] [--baseline REV]

It makes a private SQLite database (``sipas db upgrade``), writes the shipped 2023 catalogs
(``sipas par catalog-export``), a units file of ``--units`` communes (every 50th scored but not
ranked), a points file with every scored leaf of every unit (self and final points, a decimal
comma on some rows, ties in the totals) and a SIPAS results file (each unit's 8.1 input), then
times ``sipas score --year 2023 --units … --catalog … --points … --sipas … --out x.<format>`` as a
subprocess from its start to the file written, with its own peak RSS (``os.wait4``) and user CPU
seconds, and prints a table; with ``--baseline REV`` each format is also written by the same
command of an older revision (``git archive REV``, the same interpreter), e.g. ``main``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shlex
import sys
import tempfile
import time
from pathlib import Path

from runs import measure, source_tree

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2023


def sipas_command() -> list[str]:
    """``sipas`` of this checkout (``survey_app.cli.main`` has no ``__main__`` guard)."""
    return [sys.executable, "-c", "from survey_app.cli.main import main; main()"]


def environment(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return env


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """(wall seconds, peak RSS MiB, user CPU seconds, output) of one ``sipas`` run."""
    wall, rss, user, stdout, _ = measure([*sipas_command(), *args], env)
    return wall, rss, user, stdout


def generate(folder: Path, units: int, seed: int, env: dict[str, str]) -> dict[str, Path]:
    """The input files: catalogs (shipped), units, points (every scored leaf), SIPAS results."""
    catalog = folder / "catalog.csv"
    run(["par", "catalog-export", "--year", str(YEAR), "--out", str(catalog)], env)
    leaves = leaves_of(catalog, "commune")
    rng = random.Random(seed)
    codes = [f"X{i:05d}" for i in range(units)]
    with (folder / "units.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["code", "name", "unit_type", "ranked"])
        for i, code in enumerate(codes):
            writer.writerow([code, f"Xã số {i}", "commune", "false" if i % 50 == 7 else "true"])
    with (folder / "points.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["unit_code", "code", "self_points", "final_points", "note"])
        for code in codes:
            share = rng.choice([0.5, 0.75, 1.0]) if rng.random() < 0.3 else rng.random()
            for leaf, top in leaves:
                final = round(top * share * 4) / 4
                shown = f"{final:g}".replace(".", ",") if rng.random() < 0.1 else f"{final:g}"
                writer.writerow([code, leaf, f"{top:g}", shown, ""])
    with (folder / "sipas.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["unit_code", "level", "key", "estimate", "ci_low", "ci_high"])
        for code in codes:
            estimate = rng.uniform(60, 98)
            writer.writerow([code, "overall", "SIPAS", estimate, estimate - 3, estimate + 2])
    return {
        "units": folder / "units.csv",
        "catalog": catalog,
        "points": folder / "points.csv",
        "sipas": folder / "sipas.csv",
    }


def leaves_of(catalog: Path, unit_type: str) -> list[tuple[str, float]]:
    """(code, maximum) of every leaf scored from points (not from SIPAS) of ``unit_type``."""
    from survey_app.par.files import read_catalogs_csv

    result = read_catalogs_csv(catalog, year=YEAR)[unit_type]
    assert result.value is not None, result.problems
    return [(c.code, c.max_points) for c in result.value.leaves if c.source != "sipas"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--formats", default="csv,json,xlsx")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--baseline", metavar="REV", help="also time this revision's command")
    args = parser.parse_args()
    print("$", shlex.join([Path(sys.executable).name, *sys.argv]))
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    print("load:", Path("/proc/loadavg").read_text().split()[:3])
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="sipas-par-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = environment(folder / "bench.sqlite")
    run(["db", "upgrade"], env)
    start = time.perf_counter()
    files = generate(folder, args.units, args.seed, env)
    rows = sum(1 for _ in files["points"].open(encoding="utf-8")) - 1
    print(
        f"input: {args.units:,} communes, {rows:,} points rows "
        f"({files['points'].stat().st_size / 1e6:.0f} MB; generated in "
        f"{time.perf_counter() - start:.0f} s) in {folder}"
    )
    print("| output | revision | wall (start → file written) | peak RSS | user CPU | size |")
    print("|---|---|---|---|---|---|")
    runs = [("this checkout", env, "par")]
    if args.baseline:
        older = dict(env, PYTHONPATH=str(source_tree(args.baseline, folder)))
        runs.append((args.baseline, older, "par-baseline"))
    for fmt in args.formats.split(","):
        for name, run_env, stem in runs:
            out = folder / f"{stem}.{fmt}"
            wall, rss, user, _ = run(
                [
                    "score",
                    "--year",
                    str(YEAR),
                    *("--units", str(files["units"]), "--catalog", str(files["catalog"])),
                    *("--points", str(files["points"]), "--sipas", str(files["sipas"])),
                    *("--out", str(out)),
                ],
                run_env,
            )
            print(
                f"| {fmt} | {name} | {wall:.2f} s | {rss:.0f} MiB | {user:.2f} s | "
                f"{out.stat().st_size / 1e6:.1f} MB |",
                flush=True,
            )
    print("load:", Path("/proc/loadavg").read_text().split()[:3])
    if args.workdir is None:
        print(f"(files left in {folder}; delete it when done)")


if __name__ == "__main__":
    main()
