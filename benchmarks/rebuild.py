"""Benchmark 3, rebuild: `reindex` N concerts from the event store into a new index; the
baseline is the same work done with the client alone: `elasticsearch.helpers.bulk` of the same
final documents, precomputed, with the same actions (external versions), into a new index of
the same template on the same server, a refresh, and the alias moved to it (the old index
deleted in the same call), as `reindex` does. Each of them replaces a full index: an untimed
rebuild comes first, then rebuild and baseline take turns.

Target: the rebuild indexes at least 0.8x the baseline's documents per second.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from elasticsearch.helpers import bulk

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config
from bandcrawler.domain.view import concert_document
from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from bandcrawler.search.projector import fold_all_concerts
from bandcrawler.services.indexing import reindex
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.saga import Report as SagaReport
from benchmarks.event_store import workload
from benchmarks.support import Report, Target, arguments, elasticsearch, median, say

FULL = {"concerts": 100_000}
QUICK = {"concerts": 1_000}


def fill(app: Bandcrawler, concerts: int) -> None:
    """The events of `concerts` crawled concerts (listing, status for one in ten, location),
    and the saga rows a crawl leaves: every concert complete. Written with `append_many`
    (fast to set up; the reads do not care how the rows were written)."""
    store: EventStore = app.store
    for transaction in workload(int(concerts * 2.1), 200):
        with store.engine.begin() as conn:
            store.append_many(conn, transaction)
    states = [SagaReport(c.concert_id, c.version, True, c.version, c.version)
              for c in fold_all_concerts(store).values()]
    for start in range(0, len(states), 5000):
        app.saga.report_many(states[start:start + 5000])


def baseline(client, alias: str, documents: list[tuple[str, int, dict]]) -> tuple[float, float]:
    """The bare reindex: (seconds in all, of which the alias swap)."""
    target = ConcertIndex(client, alias).new_index()  # untimed, like the rebuild's
    old = list(client.indices.get_alias(name=alias).body)
    actions = ({"_op_type": "index", "_index": target, "_id": doc_id, "version": version,
                "version_type": "external", "_source": document}
               for doc_id, version, document in documents)
    started = time.perf_counter()
    ok, errors = bulk(client, actions, chunk_size=1000, raise_on_error=False)
    client.indices.refresh(index=target)
    swapping = time.perf_counter()
    client.indices.update_aliases(actions=[*({"remove_index": {"index": name}} for name in old),
                                           {"add": {"index": target, "alias": alias}}])
    ended = time.perf_counter()
    if errors or ok != len(documents):
        raise RuntimeError(f"baseline bulk: {ok} indexed, errors: {errors[:1]}")
    return ended - started, ended - swapping


def _time(owner: object, name: str, into: list[float]) -> None:
    """Note how long each call of `owner.name` takes."""
    method = getattr(owner, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - started)

    setattr(owner, name, timed)


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=3)
    sizes = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-rebuild-") as tmp, \
            elasticsearch() as es_url:
        config = Config(database_url=f"sqlite:///{Path(tmp) / 'bandcrawler.db'}",
                        elasticsearch_url=es_url, index_alias=f"bench-rebuild-{Path(tmp).name}")
        app = Bandcrawler(config)
        say(f"writing the events of {sizes['concerts']:,} concerts")
        fill(app, sizes["concerts"])
        documents = [(c.concert_id, c.version, concert_document(c))
                     for c in fold_all_concerts(app.store).values()]
        client = make_client(es_url, request_timeout=120)
        rebuild_times, baseline_times, baseline_swaps = [], [], []
        swaps: list[float] = []
        saga_reports: list[float] = []
        reindex(app.read_model, app.store)  # untimed: from here on every step replaces a full index
        _time(app.read_model.index, "swap_alias", swaps)
        _time(app.saga, "report_indexed", saga_reports)
        for number in range(args.runs):
            started = time.perf_counter()
            _, count = reindex(app.read_model, app.store)
            rebuild_times.append(time.perf_counter() - started)
            if count != len(documents):
                raise RuntimeError(f"rebuild indexed {count} of {len(documents)} concerts")
            elapsed, swapped = baseline(client, config.index_alias, documents)
            baseline_times.append(elapsed)
            baseline_swaps.append(swapped)
            say(f"run {number + 1}: rebuild {rebuild_times[-1]:.2f}s (swap {swaps[-1]:.2f}s), "
                f"baseline {elapsed:.2f}s (swap {swapped:.2f}s)")
        app.read_model.index.drop()
        client.close()
        app.close()
    rebuild_rate = len(documents) / median(rebuild_times)
    baseline_rate = len(documents) / median(baseline_times)
    report = Report("rebuild", args, {**sizes, "documents": len(documents)})
    before_swap = [r - s for r, s in zip(rebuild_times, swaps, strict=True)]
    baseline_before_swap = [b - s for b, s in zip(baseline_times, baseline_swaps, strict=True)]
    report.figures = {
        "baseline docs/s": baseline_rate,
        "bandcrawler reindex docs/s": rebuild_rate,
        "baseline s": median(baseline_times),
        "reindex s": median(rebuild_times),
        "reindex s per run": rebuild_times,
        "baseline s per run": baseline_times,
        # The swap waits for the server to settle what was just written (dev server: whole
        # seconds; alone it takes milliseconds): what each side spends before it.
        "reindex alias swap s": median(swaps),
        "baseline alias swap s": median(baseline_swaps),
        "ratio before the swap": median(baseline_before_swap) / median(before_swap),
        "saga report after the swap s": median(saga_reports),
    }
    report.targets = [Target("rate_ratio", rebuild_rate / baseline_rate, ">=", 0.8)]
    report.emit()


if __name__ == "__main__":
    main()
