"""Helpers of the benchmarks: one child process measured, an older revision's source tree.

``measure(args, env)`` runs a command and gives its own wall time, peak RSS and user CPU
(``os.wait4`` of that command, started by a small launcher: see :func:`measure`).
``source_tree("main", folder)`` extracts ``git archive main`` into a folder of ``folder``; a
command run with ``PYTHONPATH`` set to it imports the older ``survey_app``, ``analysis``, … (they
come before the installed checkout on the path), with the same interpreter and packages.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


PACKAGES = ("analysis", "questionnaires", "sampling", "scoring_bridge", "survey_app")


def source_tree(rev: str, folder: Path) -> Path:
    """``rev``'s files (``git archive``) under ``folder``, bytecode compiled; returns their root."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = folder / f"baseline-{commit}"
    if not target.exists():
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
        ).stdout
        target.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
        # compiled as the install compiles this checkout (Makefile), so neither pays for it
        packages = [p for p in PACKAGES if (target / p).is_dir()]
        subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], cwd=target)
    return target


_LAUNCHER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {usage.ru_utime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str, str]:
    """(wall seconds, peak RSS MiB, user CPU seconds, stdout, stderr) of one run of ``args``;
    SystemExit with its output when it fails.

    The command is started by a small launcher process, which reports its ``os.wait4`` usage:
    a child's ``ru_maxrss`` starts from the RSS of the process that forked it, so a benchmark
    holding a million answers would otherwise see its own size in every child's peak. It runs
    in the system's temporary folder, so that ``python -c`` finds its modules on
    ``PYTHONPATH``, not in the current folder."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".usage") as usage,
    ):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, usage.name, *args],
            env=env,
            stdout=out,
            stderr=err,
            cwd=tempfile.gettempdir(),
            check=False,
        )
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        fields = usage.read().split()
    if done.returncode != 0 or len(fields) != 2:
        raise SystemExit(f"{subprocess.list2cmdline(args)} failed:\n{stdout}\n{stderr}")
    return wall, int(fields[0]) / 1024, float(fields[1]), stdout, stderr
