"""Benchmark 7, command-line start-up: wall time of `bandcrawler --help`, `band list` and
`search --help` (each a fresh process, as a user runs it), against the bare baseline of a
Python that imports nothing (`python -c pass`).

Targets: `--help` under 0.3 s and `band list` under 0.5 s (medians, this machine).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.support import ROOT, Report, Target, arguments, median, say

COMMANDS = {
    "python_bare": ["-c", "pass"],
    "help": ["-m", "bandcrawler", "--help"],
    "search_help": ["-m", "bandcrawler", "search", "--help"],
    "band_list": ["-m", "bandcrawler", "band", "list"],
}


def wall_seconds(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=10, quick_runs=2)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ,
               "BANDCRAWLER_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bandcrawler.db'}"}
        wall_seconds(COMMANDS["band_list"], env)  # creates the schema; not timed
        say(f"{len(COMMANDS)} commands, {args.runs} fresh process(es) each")
        seconds = {name: median(wall_seconds(argv, env) for _ in range(args.runs))
                   for name, argv in COMMANDS.items()}
    report = Report("cli_startup", args, {"runs": args.runs})
    report.figures = {f"{name}_s": round(value, 3) for name, value in seconds.items()}
    report.targets = [Target("help_s", seconds["help"], "<=", 0.3),
                      Target("band_list_s", seconds["band_list"], "<=", 0.5)]
    report.emit()


if __name__ == "__main__":
    main()
