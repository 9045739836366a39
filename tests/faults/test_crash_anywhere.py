"""Scenario 1: SIGKILL anywhere; the next crawl (or resume, or reindex) restores the reference.

Kills are injected with `bandcrawler/faults.py`: `BANDCRAWLER_KILL_AT=name:N` SIGKILLs the
process at the Nth pass through a named point, so each kill lands in a known phase (inside an
append before commit, between write-model rows and checkpoint, with a bulk batch taken out of
the buffer, after a bulk write before the saga heard of it, before the alias swap, in the
middle of resume), reproducibly, which a timer from outside cannot promise.

By default the kill points run as chains: one deployment is killed at each point of its
chain in turn (so recovery itself is killed too), then a clean run must reach the reference.
With BANDCRAWLER_FAULTS_FULL=1 every kill point also runs alone, compared after its own
recovery.
"""

from __future__ import annotations

import signal
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.conftest import (
    FULL,
    assert_same_state,
    drop_index,
    new_deployment,
    register,
    snapshot,
)

# Each run of a chain makes progress before it dies, and each point is one the next run
# still reaches: appends while concerts are left to record, write-model batches while events
# are left to apply, a bulk write while documents are pending (a kill before or after the
# write leaves them pending for the saga). By default two chains of seven, run side by side,
# kill at 14 distinct points of a crawl (20 with resume and reindex); the three longer
# chains with repeated points run with BANDCRAWLER_FAULTS_FULL=1.
CRAWL_CHAINS = [
    ["append:1", "append:40", "append:5", "append:25", "append:15", "persist:1",
     "persisted:1"],
    ["append:35", "append:20", "append:30", "persist:2", "bulk:1", "bulk_sent:1", "bulk:2"],
]
FULL_CRAWL_CHAINS = [
    ["append:1", "append:40", "append:40", "persist:1", "persisted:1"],
    ["persisted:1", "bulk:1", "bulk_sent:1", "bulk:1", "bulk_sent:1"],
    ["append:20", "append:30", "persist:2", "bulk:1", "bulk_sent:1"],
] if FULL else []
RESUME_CHAIN = ["resume:1", "bulk:1", "bulk_sent:1", "resume:1"]
REINDEX_CHAIN = ["bulk:1", "bulk_sent:1", "reindex_swap:1"]
SURVIVED = {"kills": 0, "distinct": set()}  # reported in RELIABILITY.md


def _crawl(deployment, kill_at: str | None):
    deployment.env.pop("BANDCRAWLER_KILL_AT", None)
    if kill_at:
        deployment.env["BANDCRAWLER_KILL_AT"] = kill_at
    done = deployment.run(sys.executable, "-m", "scrapy", "crawl", "jsonld",
                          "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                          "-s", "BANDCRAWLER_BULK_MAX_AGE=1", "-s", "BANDCRAWLER_BULK_MAX_DOCS=25",
                          check=not kill_at)
    deployment.env.pop("BANDCRAWLER_KILL_AT", None)
    return done


def _killed(done, command: str, point: str) -> None:
    assert done.returncode == -signal.SIGKILL, (point, done.returncode, done.stderr[-1500:])
    SURVIVED["kills"] += 1
    SURVIVED["distinct"].add((command, point))


def _crawl_chain(tmp_path, es_url, site, chain, reference, name):
    deployment = new_deployment(tmp_path, es_url, name)
    register(deployment, site)
    try:
        for point in chain:
            _killed(_crawl(deployment, point), "crawl", point)
        _crawl(deployment, None)
        assert_same_state(snapshot(deployment), reference)
    finally:
        drop_index(deployment)


def test_a_crawl_killed_at_any_point_is_restored_by_the_next_crawl(
        tmp_path, es_url, generated_site, reference):
    with ThreadPoolExecutor(2) as pool:  # two chains at a time on two cores
        runs = [pool.submit(_crawl_chain, tmp_path, es_url, generated_site, chain, reference,
                            f"chain{n}")
                for n, chain in enumerate(CRAWL_CHAINS + FULL_CRAWL_CHAINS)]
        _all_done(runs)


def _all_done(runs) -> None:
    """Wait for every chain; fail with each chain's error, not only the first one's."""
    errors = [error for error in (run.exception() for run in runs) if error is not None]
    assert not errors, "\n".join(f"{type(e).__name__}: {str(e)[:600]}" for e in errors)


@pytest.mark.skipif(not FULL, reason="each kill point alone: BANDCRAWLER_FAULTS_FULL=1")
def test_each_kill_point_alone_is_restored_by_the_next_crawl(
        tmp_path, es_url, generated_site, reference):
    points = sorted({p for chain in CRAWL_CHAINS + FULL_CRAWL_CHAINS for p in chain})
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(_crawl_chain, tmp_path, es_url, generated_site, [point], reference,
                            f"single{n}") for n, point in enumerate(points)]
        _all_done(runs)


def test_saga_resume_killed_at_any_point_is_finished_by_the_next_resume(
        tmp_path, es_url, generated_site, reference):
    deployment = new_deployment(tmp_path, "http://127.0.0.1:1")  # Elasticsearch down
    register(deployment, generated_site)
    _crawl(deployment, None)
    deployment.env["ELASTICSEARCH_URL"] = es_url
    try:
        for point in RESUME_CHAIN:
            deployment.env["BANDCRAWLER_KILL_AT"] = point
            _killed(deployment.bandcrawler("saga", "resume", check=False), "resume", point)
        deployment.env.pop("BANDCRAWLER_KILL_AT")
        deployment.bandcrawler("saga", "resume")
        assert_same_state(snapshot(deployment), reference)
    finally:
        drop_index(deployment)


def test_reindex_killed_at_any_point_leaves_the_alias_whole_and_the_next_reindex_completes(
        tmp_path, es_url, generated_site, reference):
    deployment = new_deployment(tmp_path, es_url)
    register(deployment, generated_site)
    _crawl(deployment, None)
    try:
        for point in REINDEX_CHAIN:
            deployment.env["BANDCRAWLER_KILL_AT"] = point
            _killed(deployment.bandcrawler("reindex", check=False), "reindex", point)
            deployment.env.pop("BANDCRAWLER_KILL_AT")
            # The alias still serves the whole old index.
            assert_same_state(snapshot(deployment), reference)
        deployment.bandcrawler("reindex")
        assert_same_state(snapshot(deployment), reference)
    finally:
        drop_index(deployment)
