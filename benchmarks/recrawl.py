"""Benchmark 4, re-crawl: crawl the synthetic site with all pipelines, then crawl it again,
unchanged; the baseline is a crawl of the same site with no item pipelines.

Targets: the second crawl appends zero events and takes at most 1.1x the bare crawl.
"""

from __future__ import annotations

from benchmarks.support import (
    Report,
    Target,
    arguments,
    count_events,
    median,
    synthetic_site,
)

FULL = {"pages": 2000, "concerts": 10_000, "cities": 500}
QUICK = {"pages": 20, "concerts": 100, "cities": 20}


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=3, )
    sizes = QUICK if args.quick else FULL
    bare, again, appended = [], [], []
    with synthetic_site(sizes) as site:
        for run in range(args.runs):
            deployment = site.deployment()
            # The first crawl is setup, not timed.
            site.crawl(deployment, bare=False, label=f"run {run + 1} first crawl (setup)")
            before = count_events(deployment)
            for is_bare in (True, False) if run % 2 == 0 else (False, True):
                if is_bare:
                    bare.append(site.crawl(site.deployment(), bare=True,
                                           label=f"run {run + 1} bare"))
                else:
                    again.append(site.crawl(deployment, bare=False,
                                            label=f"run {run + 1} re-crawl"))
            appended.append(count_events(deployment) - before)
            deployment.drop_index()
    bare_wall = median(r.wall_seconds for r in bare)
    again_wall = median(r.wall_seconds for r in again)
    report = Report("recrawl", args, sizes)
    report.figures = {
        "bare crawl wall s": bare_wall,
        "re-crawl wall s": again_wall,
        "ratios per run": [a.wall_seconds / b.wall_seconds
                           for b, a in zip(bare, again, strict=True)],
        "bare crawl CPU s": median(r.cpu_seconds for r in bare),
        "re-crawl CPU s": median(r.cpu_seconds for r in again),
        "events appended by each re-crawl": appended,
        "re-crawl stat bandcrawler/events/appended": [
            int(r.stats.get("bandcrawler/events/appended", 0)) for r in again],
        "re-crawl stat bandcrawler/concerts/settled": [
            int(r.stats.get("bandcrawler/concerts/settled", 0)) for r in again],
    }
    report.targets = [Target("events_appended", max(appended), "<=", 0),
                      Target("wall_ratio", again_wall / bare_wall, "<=", 1.1)]
    report.emit()


if __name__ == "__main__":
    main()
