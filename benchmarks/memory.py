"""Benchmark 5, memory: peak RSS of the crawl process with all pipelines at a small and a large
synthetic site; the same for crawls with no item pipelines, as the baseline of what Scrapy and
the spider grow by.

Target: at most 1.2x from the small to the large crawl (memory does not grow with the crawl).

The peak is the crawl process's own high-water mark (`VmHWM` of /proc/self/status, printed by
the process itself as it exits), not `ru_maxrss`: Linux carries the high-water mark of the
memory a process had before `exec` into its `ru_maxrss`, so the rusage of a crawl started by
this benchmark reports at least this benchmark's own peak (the GeoNames index and every page
of the served site, which grows with the site), whatever the crawl itself used.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from benchmarks.support import (
    Report,
    Target,
    arguments,
    median,
    say,
    synthetic_site,
)

# The same 100 bands (so the same concurrency) with 2 or 40 pages each: only the length of
# the crawl differs.
FULL = ({"pages": 200, "concerts": 1_000, "cities": 500, "pages_per_band": 2},
        {"pages": 4000, "concerts": 20_000, "cities": 500, "pages_per_band": 40})
QUICK = ({"pages": 20, "concerts": 100, "cities": 20, "pages_per_band": 2},
         {"pages": 100, "concerts": 500, "cities": 20, "pages_per_band": 10})

# `python -m benchmarks.memory --peak-of PYTHON -m scrapy ARGS...` runs Scrapy in this process
# and prints this line with the process's peak RSS when it exits.
PEAK_OF = "--peak-of"
PEAK_LINE = "bandcrawler-benchmark peak RSS KiB:"
WRAPPER = (sys.executable, "-m", "benchmarks.memory", PEAK_OF)


def run_with_peak(command: list[str]) -> None:
    """Run `PYTHON -m scrapy ARGS...` in this process; print its VmHWM at exit."""
    import atexit
    import runpy

    if command[1:3] != ["-m", "scrapy"]:
        raise SystemExit(f"{PEAK_OF} runs `python -m scrapy ...`, not {command}")

    def report() -> None:
        status = Path("/proc/self/status").read_text()
        peak = re.search(r"^VmHWM:\s+(\d+) kB$", status, re.M)
        print(f"{PEAK_LINE} {peak.group(1) if peak else 'unknown'}", flush=True)

    atexit.register(report)
    sys.argv = ["scrapy", *command[3:]]
    runpy.run_module("scrapy", run_name="__main__", alter_sys=True)


def peak_rss_mib(log: Path) -> float:
    found = re.findall(rf"^{re.escape(PEAK_LINE)} (\d+)$", log.read_text(errors="replace"), re.M)
    if not found:
        raise RuntimeError(f"no peak RSS in {log} (not on Linux?)")
    return int(found[-1]) / 1024


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=1)
    small, large = QUICK if args.quick else FULL
    peaks: dict[tuple[str, int], list[float]] = {}
    for sizes in (small, large):
        with synthetic_site(sizes) as site:
            for run in range(args.runs):
                # The quick size (CI) skips the baseline crawls: it only keeps this working.
                for is_bare in (False,) if args.quick else (True, False):
                    kind = "bare" if is_bare else "full"
                    label = f"{sizes['concerts']} concerts {kind} run {run + 1}"
                    deployment = site.deployment()
                    done = deployment.crawl(bare=is_bare, label=label, wrapper=WRAPPER,
                                            settings=None if is_bare else site.full_settings)
                    if done.items != sizes["concerts"]:
                        raise RuntimeError(f"{done.items} items of {sizes['concerts']}")
                    peak = peak_rss_mib(deployment.workdir / f"{label}.log")
                    say(f"{label}: {done.wall_seconds:.2f}s wall, {done.elapsed_seconds:.2f}s "
                        f"crawl, {done.items} items, {done.cpu_seconds:.1f}s CPU, peak RSS "
                        f"{peak:.1f} MiB (rusage, with this benchmark's own memory: "
                        f"{done.max_rss_mib:.0f} MiB)")
                    peaks.setdefault((kind, sizes["concerts"]), []).append(peak)
                    if not is_bare:
                        deployment.drop_index()
    peak = {key: median(values) for key, values in peaks.items()}
    n_small, n_large = small["concerts"], large["concerts"]
    report = Report("memory", args, {"small": n_small, "large": n_large})
    report.figures = {f"{kind} crawl of {n:,} concerts, peak RSS MiB": value
                      for (kind, n), value in sorted(peak.items())}
    if ("bare", n_small) in peak:
        report.figures["bare growth, large / small"] = (peak["bare", n_large]
                                                        / peak["bare", n_small])
    report.targets = [Target("full_growth", peak["full", n_large] / peak["full", n_small],
                             "<=", 1.2)]
    report.emit()


if __name__ == "__main__":
    if sys.argv[1:2] == [PEAK_OF]:
        run_with_peak(sys.argv[2:])
    else:
        main()
