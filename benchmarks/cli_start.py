"""How long ``sipas --help`` and the file commands take to start, and what they import.

Usage: ``.venv/bin/python benchmarks/cli_start.py [--runs 7] [--baseline /path/to/other/checkout]``

Each command runs as the operator runs it, in a new process importing ``survey_app.cli.main``
and calling it, ``--runs`` times; the median and the best wall time are printed, with whether
Flask and SQLAlchemy were loaded. ``--baseline`` also runs ``--help`` from another checkout
(e.g. before a change) in the same run, just before this one's, so both see similar load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = (
    "import sys\n"
    "from survey_app.cli.main import main\n"
    "try:\n"
    "    main(sys.argv[1:], prog_name='sipas')\n"
    "except SystemExit:\n"
    "    pass\n"
    "loaded = ','.join(m for m in ('flask', 'sqlalchemy') if m in sys.modules)\n"
    "sys.stderr.write('LOADED ' + loaded + '\\n')\n"
)


def timed(args: list[str], root: Path, cwd: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(root), "DATABASE_URL": f"sqlite:///{cwd}/none/x.sqlite"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    loaded = next(
        (line[7:] for line in done.stderr.splitlines() if line.startswith("LOADED ")), "?"
    )
    return elapsed, loaded or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", type=Path, default=None)
    options = parser.parse_args()
    cwd = Path(tempfile.mkdtemp())
    (cwd / "populations.csv").write_text("unit_code,population\nA,1000\nB,3000\n", encoding="utf-8")
    commands = {
        "--help": ["--help"],
        "plan": ["plan", "--populations", "populations.csv", "--out", "plan.csv"],
        "questionnaire check": [
            "questionnaire",
            "check",
            str(ROOT / "questionnaires" / "definitions" / "sipas-2023" / "1.json"),
        ],
    }
    roots = {"this checkout": ROOT}
    if options.baseline is not None:
        roots = {"baseline": options.baseline.resolve(), **roots}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()}")
    for label, args in commands.items():
        for name, root in roots.items():
            if name == "baseline" and label != "--help":
                continue
            times, loaded = [], "?"
            for _ in range(options.runs):
                elapsed, loaded = timed(args, root, cwd)
                times.append(elapsed)
            print(
                f"sipas {label:<20} {name:<14} median {statistics.median(times):.2f} s, "
                f"best {min(times):.2f} s; loaded: {loaded}"
            )
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
