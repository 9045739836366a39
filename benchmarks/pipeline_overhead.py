"""Benchmark 1, pipeline overhead: crawl a synthetic band site with the `jsonld` spider (a) with
no item pipelines and (b) with all of them (offline geocoder, SQLite, Elasticsearch).

Targets: (b) takes at most 1.3x the wall time of (a); the pipeline sustains 1,000 concerts/s,
that is (b) takes no more than a millisecond per concert longer than (a).

Also measured, without a target: (c) the crawl with BANDCRAWLER_PROJECT_INLINE=false while
`bandcrawler follow` runs in a second process, timed from the crawl's start until the
follower has caught up (every saga complete).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from benchmarks.support import (
    ROOT,
    Report,
    Target,
    arguments,
    median,
    saga_summary,
    say,
    synthetic_site,
)

FULL = {"pages": 2000, "concerts": 10_000, "cities": 500}
QUICK = {"pages": 20, "concerts": 100, "cities": 20}


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=3, )
    sizes = QUICK if args.quick else FULL
    bare, full = [], []
    followed: list[float] = []
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
            deployment = site.deployment()
            followed.append(_crawl_then_follow(deployment, sizes["concerts"], run + 1))
            deployment.drop_index()
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
        "crawl without inline projections + follower, until caught up, wall s (c)":
            median(followed),
        "(c) / (a)": median(followed) / bare_wall,
    }
    report.targets = [Target("wall_ratio", full_wall / bare_wall, "<=", 1.3),
                      Target("pipeline_concerts_per_s", rate, ">=", 1000)]
    report.emit()


def _crawl_then_follow(deployment, concerts: int, run: int) -> float:
    """(c): the seconds from the crawl's start until a follower started beside it caught up."""
    log = (deployment.workdir / f"run {run} follow.log").open("w")
    follower = subprocess.Popen([sys.executable, "-m", "bandcrawler", "follow", "--poll", "0.2"],
                                cwd=ROOT, env=deployment.env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        started = time.perf_counter()
        done = deployment.crawl(bare=False, label=f"run {run} follow",
                                settings={"BANDCRAWLER_PROJECT_INLINE": "false"})
        crawled = time.perf_counter() - started
        if done.items != concerts:
            raise RuntimeError(f"{done.items} items scraped of {concerts}")
        while saga_summary(deployment)["complete"] < concerts:
            if follower.poll() is not None:
                raise RuntimeError(f"the follower exited {follower.returncode}")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        follower.send_signal(signal.SIGTERM)
        follower.wait(timeout=60)
        log.close()
    say(f"run {run} follow: crawl {crawled:.2f}s, caught up after {elapsed:.2f}s")
    return elapsed


if __name__ == "__main__":
    main()
