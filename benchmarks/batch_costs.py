"""What one new concert costs the pipelines: thread hops, store transactions, reads of `events`.

`python -m benchmarks.batch_costs` crawls a one-page site with one concert (all pipelines,
offline geocoder, SQLite, Elasticsearch) in a child process that counts, from the first hop
of a pipeline onwards: calls of `CrawlContext.run` (a hop to a worker thread) and of what
`CrawlContext.waiting_on` gives (a hop from one worker thread to another), by thread;
writing transactions (`BEGIN IMMEDIATE` on SQLite) and reads (`BEGIN`); and SELECTs on
`events`. Counts, not timings: they hold on a busy machine.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

from benchmarks.support import (
    CRAWL_SETTINGS,
    Deployment,
    Report,
    Target,
    arguments,
    elasticsearch,
    say,
    serve_directory,
)

COUNTS: Counter[str] = Counter()
WHERE: Counter[str] = Counter()  # with --where: each count by the step that made it


def _named(fn) -> str:
    fn = getattr(fn, "func", fn)  # a functools.partial
    return f"{fn.__module__.removeprefix('bandcrawler.')}.{fn.__qualname__}"


def _step() -> str:
    """The outermost bandcrawler function on this thread's stack below the runtime's own:
    which step (pipeline, extension, projection) a statement or a hop belongs to."""
    import traceback

    steps = [f"{Path(frame.filename).parent.name}/{Path(frame.filename).stem}.{frame.name}"
             for frame in traceback.extract_stack()
             if "/bandcrawler/" in frame.filename
             and "/pipelines/context.py" not in frame.filename]
    return steps[0] if steps else "?"


def _count_in_child(args: list[str]) -> None:
    """Run `scrapy crawl` in this process with the counters installed; print them."""
    import atexit

    from scrapy.cmdline import execute
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from bandcrawler.pipelines import context

    started = [False]
    run = context.CrawlContext.run

    async def counting_run(self, thread, fn, *a, **kw):
        started[0] = True
        COUNTS[f"hops to {thread}"] += 1
        COUNTS["hops"] += 1
        WHERE[f"hop to {thread} for {_named(fn)}"] += 1
        return await run(self, thread, fn, *a, **kw)

    context.CrawlContext.run = counting_run  # type: ignore[method-assign]
    waiting_on = context.CrawlContext.waiting_on

    def counting_waiting_on(self, thread):
        call = waiting_on(self, thread)

        def counted(fn, *a):
            COUNTS[f"hops to {thread}"] += 1
            COUNTS["hops"] += 1
            WHERE[f"hop to {thread} for {_named(fn)}"] += 1
            return call(fn, *a)

        return counted

    context.CrawlContext.waiting_on = counting_waiting_on  # type: ignore[method-assign]

    @event.listens_for(Engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, parameters, ctx, many):
        if not started[0]:
            return
        text = " ".join(statement.split()).upper()
        if text == "BEGIN IMMEDIATE":
            kind = "writing transactions"
        elif text == "BEGIN":
            kind = "read transactions"
        elif text.startswith("SELECT") and " FROM EVENTS" in text:
            kind = "reads of events"
        else:
            return
        COUNTS[kind] += 1
        if os.environ.get("BATCH_COSTS_WHERE"):
            WHERE[f"{kind} in {_step()}"] += 1

    atexit.register(lambda: print("COUNTS " + json.dumps(dict(COUNTS)), flush=True))
    atexit.register(lambda: print("WHERE " + json.dumps(dict(WHERE)), flush=True))
    execute(["scrapy", "crawl", "jsonld", *args])


SIZES = {"pages": 1, "concerts": 1, "cities": 1}


def main() -> None:
    import subprocess

    args = arguments(__doc__.split("\n")[0], runs=1, extra=lambda parser: parser.add_argument(
        "--where", action="store_true", help="also print each count by the step that made it"))

    from benchmarks import site

    with tempfile.TemporaryDirectory(prefix="bench-costs-") as tmp, elasticsearch() as es_url:
        root = Path(tmp)
        bands = site.generate(root / "site", **SIZES, pages_per_band=1)
        with serve_directory(root / "site") as url:
            deployment = Deployment(root, es_url)
            deployment.register([(b.name, url + b.path) for b in bands])
            options = [a for n, v in CRAWL_SETTINGS.items() for a in ("-s", f"{n}={v}")]
            done = subprocess.run([sys.executable, "-m", "benchmarks.batch_costs", "--child",
                                   *options], cwd=Path(__file__).resolve().parents[1],
                                  env={**deployment.env, **({"BATCH_COSTS_WHERE": "1"}
                                                            if args.where else {})},
                                  capture_output=True, text=True,
                                  check=True)
            deployment.drop_index()
    line = next(x for x in done.stdout.splitlines() if x.startswith("COUNTS "))
    counts = json.loads(line.removeprefix("COUNTS "))
    report = Report("batch_costs", args, SIZES)
    report.figures = dict(sorted(counts.items()))
    # No more than before the projections runner (measured at e63a7a0 with this script).
    report.targets = [Target("hops", counts.get("hops", 0), "<=", 10),
                      Target("writing_transactions", counts.get("writing transactions", 0),
                             "<=", 5),
                      Target("reads_of_events", counts.get("reads of events", 0), "<=", 9)]
    if args.where:
        where = json.loads(next(x for x in done.stdout.splitlines()
                                if x.startswith("WHERE ")).removeprefix("WHERE "))
        for name, n in sorted(where.items()):
            say(f"  {n} {name}")
    report.emit()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _count_in_child(sys.argv[2:])
    else:
        main()
