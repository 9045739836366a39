"""Benchmark 1, pipeline overhead: crawl a synthetic band site with the `jsonld` spider (a) with
no item pipelines and (b) with all of them (offline geocoder, SQLite, Elasticsearch).

Targets: (b) takes at most 1.3x the wall time of (a); (b) sustains 1,000 concerts/s.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks import site
from benchmarks.support import (
    Deployment,
    Report,
    Target,
    arguments,
    elasticsearch,
    median,
    say,
    serve_directory,
    warm_offline_geocoder,
)

FULL = {"pages": 2000, "concerts": 10_000, "cities": 500}
QUICK = {"pages": 20, "concerts": 100, "cities": 20}


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=3)
    sizes = QUICK if args.quick else FULL
    warm = warm_offline_geocoder()
    say(f"offline geocoder index ready in {warm:.2f}s (warmed before any timing)")
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp, elasticsearch() as es_url:
        root = Path(tmp)
        bands = site.generate(root / "site", **sizes)
        bare, full = [], []
        with serve_directory(root / "site") as url:
            websites = [(b.name, url + b.path) for b in bands]
            for run in range(args.runs):
                # Alternate the order, so that drift on a noisy machine hits both alike.
                order = (True, False) if run % 2 == 0 else (False, True)
                for is_bare in order:
                    deployment = Deployment(Path(tempfile.mkdtemp(dir=root)), es_url)
                    deployment.register(websites)
                    done = deployment.crawl(bare=is_bare, label="bare" if is_bare else "full")
                    _check(done, sizes["concerts"], is_bare)
                    (bare if is_bare else full).append(done)
                    say(f"run {run + 1} {'bare' if is_bare else 'full'}: "
                        f"{done.wall_seconds:.2f}s wall, {done.elapsed_seconds:.2f}s crawl, "
                        f"{done.items} items")
                    if not is_bare:
                        deployment.drop_index()
    bare_wall = median(r.wall_seconds for r in bare)
    full_wall = median(r.wall_seconds for r in full)
    rate = median(r.items / r.elapsed_seconds for r in full)
    report = Report("pipeline_overhead", args, {**sizes, "bands": len(bands)})
    report.figures = {
        "bare crawl wall s (a)": bare_wall,
        "full crawl wall s (b)": full_wall,
        "bare crawl s, spider open to close": median(r.elapsed_seconds for r in bare),
        "full crawl s, spider open to close": median(r.elapsed_seconds for r in full),
        "ratios per run": [f.wall_seconds / b.wall_seconds for b, f in zip(bare, full,
                                                                          strict=True)],
        "bare concerts/s": median(r.items / r.elapsed_seconds for r in bare),
        "full concerts/s": rate,
        "full crawl peak RSS MiB": median(r.max_rss_mib for r in full),
    }
    report.targets = [Target("wall_ratio", full_wall / bare_wall, "<=", 1.3),
                      Target("concerts_per_s", rate, ">=", 1000)]
    report.emit()


def _check(done, concerts: int, bare: bool) -> None:
    if done.items != concerts:
        raise RuntimeError(f"expected {concerts} items, the crawl scraped {done.items}")
    if not bare and done.stats.get("bandcrawler/saga/complete", 0) != concerts:
        raise RuntimeError(f"not every concert completed its saga: {done.stats}")


if __name__ == "__main__":
    main()
