"""`python -m benchmarks.peak ARGS...` runs `scrapy ARGS...` in this process and prints the
process's peak RSS as it exits.

The peak is `VmHWM` of /proc/self/status, not the `ru_maxrss` a parent reads with `wait4`:
Linux carries the high-water mark of the memory a process had before `exec` into its
`ru_maxrss`, so the rusage of a crawl started by a benchmark reports at least the
benchmark's own peak (the GeoNames index, every page of the served site), whatever the crawl
itself used.
"""

from __future__ import annotations

import atexit
import re
import runpy
import sys
from pathlib import Path

PEAK_LINE = "bandcrawler-benchmark peak RSS KiB:"


def peak_rss_mib(log_text: str) -> float | None:
    """The peak this module printed into a crawl's log, in MiB (None if it printed none)."""
    found = re.findall(rf"^{re.escape(PEAK_LINE)} (\d+)$", log_text, re.M)
    return int(found[-1]) / 1024 if found else None


def _report() -> None:
    status = Path("/proc/self/status").read_text()
    peak = re.search(r"^VmHWM:\s+(\d+) kB$", status, re.M)
    print(f"{PEAK_LINE} {peak.group(1) if peak else 'unknown'}", flush=True)


if __name__ == "__main__":
    atexit.register(_report)
    sys.argv = ["scrapy", *sys.argv[1:]]
    runpy.run_module("scrapy", run_name="__main__", alter_sys=True)
