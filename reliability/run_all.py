"""``make reliability``: every reliability script in turn, each bounded in time; one summary.

    .venv/bin/python reliability/run_all.py [--only load,crash]

Exit status 1 when any script failed or overran its time limit.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    # (script, seconds it may take at most: its own length plus start-up, checks and margin)
    ("load.py", 150),
    ("crash.py", 150),
    ("db_restart.py", 150),
    ("two_instances.py", 150),
    ("backup_restore.py", 120),
)


def run(script: str, limit: float) -> tuple[str, float]:
    """Run one script in its own process group; its verdict and seconds."""
    began = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(HERE / script)], start_new_session=True)
    try:
        code = proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)  # the script's cleanup stops its servers
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        return f"FAIL (over {limit:.0f} s)", time.monotonic() - began
    return ("PASS" if code == 0 else f"FAIL (exit {code})"), time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated script names (no .py)")
    args = parser.parse_args()
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    chosen = [(s, t) for s, t in SCRIPTS if not wanted or s.removesuffix(".py") in wanted]
    if wanted - {s.removesuffix(".py") for s, _ in SCRIPTS}:
        parser.error(f"unknown script(s): {sorted(wanted)}; known: {[s for s, _ in SCRIPTS]}")
    began = time.monotonic()
    results = []
    for script, limit in chosen:
        verdict, seconds = run(script, limit)
        results.append((script, verdict, seconds))
        print(flush=True)
    total = time.monotonic() - began
    print("== reliability summary")
    for script, verdict, seconds in results:
        print(f"  {script:<20} {verdict:<22} {seconds:6.0f} s")
    failed = sum(1 for _, verdict, _ in results if verdict != "PASS")
    print(f"reliability: {len(results) - failed} passed, {failed} failed")
    print(f"total {total:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
