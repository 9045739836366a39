"""Benchmark 5, memory: peak RSS of the crawl process with all pipelines at a small and a large
synthetic site; the same for crawls with no item pipelines, as the baseline of what Scrapy and
the spider grow by.

Target: at most 1.2x from the small to the large crawl (memory does not grow with the crawl).

The peak is the crawl process's own high-water mark (`VmHWM`, printed by the process itself as
it exits: benchmarks/peak.py says why not `ru_maxrss`).
"""

from __future__ import annotations

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
                    done = deployment.crawl(bare=is_bare, label=label,
                                            settings=None if is_bare else site.full_settings)
                    if done.items != sizes["concerts"]:
                        raise RuntimeError(f"{done.items} items of {sizes['concerts']}")
                    say(f"{label}: {done.wall_seconds:.2f}s wall, {done.elapsed_seconds:.2f}s "
                        f"crawl, {done.items} items, {done.cpu_seconds:.1f}s CPU, peak RSS "
                        f"{done.max_rss_mib:.1f} MiB")
                    peaks.setdefault((kind, sizes["concerts"]), []).append(done.max_rss_mib)
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
    main()
