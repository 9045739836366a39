"""Benchmark 1, pipeline overhead: crawl a synthetic band site with the `jsonld` spider (a) with
no item pipelines and (b) with all of them (offline geocoder, SQLite, Elasticsearch).

Targets: (b) takes at most 1.3x the wall time of (a); the pipeline sustains 1,000 concerts/s,
that is (b) takes no more than a millisecond per concert longer than (a).
"""

from __future__ import annotations

from benchmarks.support import (
    Report,
    Target,
    arguments,
    median,
    saga_summary,
    synthetic_site,
)

FULL = {"pages": 2000, "concerts": 10_000, "cities": 500}
QUICK = {"pages": 20, "concerts": 100, "cities": 20}


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=3, )
    sizes = QUICK if args.quick else FULL
    bare, full = [], []
    with synthetic_site(sizes) as site:
        for run in range(args.runs):
            # Alternate the order, so that drift on a noisy machine hits both alike.
            for is_bare in (True, False) if run % 2 == 0 else (False, True):
                deployment = site.deployment()
                done = site.crawl(deployment, bare=is_bare,
                                  label=f"run {run + 1} {'bare' if is_bare else 'full'}")
                if done.items != sizes["concerts"]:
                    raise RuntimeError(f"{done.items} items scraped of {sizes['concerts']}")
                if not is_bare:
                    summary = saga_summary(deployment)
                    if summary["complete"] != sizes["concerts"]:
                        raise RuntimeError(f"not every concert completed its saga: {summary}")
                    deployment.drop_index()
                (bare if is_bare else full).append(done)
    bare_wall = median(r.wall_seconds for r in bare)
    full_wall = median(r.wall_seconds for r in full)
    extra = median(f.wall_seconds - b.wall_seconds for b, f in zip(bare, full, strict=True))
    rate = sizes["concerts"] / extra if extra > 0 else float("inf")
    report = Report("pipeline_overhead", args, sizes)
    report.figures = {
        "bare crawl wall s (a)": bare_wall,
        "full crawl wall s (b)": full_wall,
        "ratios per run": [f.wall_seconds / b.wall_seconds
                           for b, f in zip(bare, full, strict=True)],
        "bare crawl CPU s": median(r.cpu_seconds for r in bare),
        "full crawl CPU s": median(r.cpu_seconds for r in full),
        "bare concerts/s (spider open to close)": median(r.items / r.elapsed_seconds
                                                         for r in bare),
        "full concerts/s (spider open to close)": median(r.items / r.elapsed_seconds
                                                         for r in full),
        "pipeline concerts/s = concerts / (b - a)": rate,
        "full crawl peak RSS MiB": median(r.max_rss_mib for r in full),
    }
    report.targets = [Target("wall_ratio", full_wall / bare_wall, "<=", 1.3),
                      Target("pipeline_concerts_per_s", rate, ">=", 1000)]
    report.emit()


if __name__ == "__main__":
    main()
