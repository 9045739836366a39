"""Benchmark 7, command-line start-up: wall time of `bandcrawler --help`, `band list` and
`search --help` (each a fresh process, as a user runs it), against the bare baseline of a
Python that imports nothing (`python -c pass`).

Targets: `--help` under 0.3 s and `band list` under 0.5 s (medians, this machine).
"""

from __future__ import annotations

import os
import resource
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


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds, and the CPU seconds (user + system) of the process: on a shared, busy
    machine the CPU time is what the command itself costs, the wall time what a user waits."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=10, quick_runs=2)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ,
               "BANDCRAWLER_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bandcrawler.db'}"}
        run_once(COMMANDS["band_list"], env)  # creates the schema; not timed
        say(f"{len(COMMANDS)} commands, {args.runs} fresh process(es) each")
        runs = {name: [run_once(argv, env) for _ in range(args.runs)]
                for name, argv in COMMANDS.items()}
    seconds = {name: median(wall for wall, _ in done) for name, done in runs.items()}
    cpu = {name: median(used for _, used in done) for name, done in runs.items()}
    report = Report("cli_startup", args, {"runs": args.runs})
    report.figures = {f"{name}_s": round(value, 3) for name, value in seconds.items()}
    report.figures.update({f"{name}_cpu_s": round(value, 3) for name, value in cpu.items()})
    report.figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    report.targets = [Target("help_s", seconds["help"], "<=", 0.3),
                      Target("band_list_s", seconds["band_list"], "<=", 0.5)]
    report.emit()


if __name__ == "__main__":
    main()
