"""Scenario 4: `bandcrawler reindex` while a crawl is writing.

The alias swap is atomic: a reader polling the alias never sees it empty, missing or with
fewer documents than before; documents written during the rebuild are in the new index at
the end, which equals the clean reference.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time

from bandcrawler.search.client import make_client
from tests.faults.conftest import assert_same_state, drop_index, new_deployment, register, snapshot
from tests.support.commands import ROOT

FIGURES: dict[str, int] = {}


def test_reindex_during_a_crawl_is_atomic_and_keeps_every_write(
        tmp_path, es_url, generated_site, reference):
    deployment = new_deployment(tmp_path, es_url)
    register(deployment, generated_site)
    alias = deployment.env["BANDCRAWLER_INDEX"]
    client = make_client(es_url)
    counts: list[int] = []
    errors: list[str] = []
    stop = threading.Event()

    def read_alias():
        while not stop.is_set():
            try:
                if client.indices.exists_alias(name=alias):
                    counts.append(client.count(index=alias)["count"])
                elif counts:
                    errors.append("alias missing")
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                errors.append(repr(exc)[:200])
            time.sleep(0.02)

    crawl = subprocess.Popen(
        # A page every 0.4 s: the crawl writes for several seconds, whatever the machine.
        [sys.executable, "-m", "scrapy", "crawl", "jsonld", "-s", "DOWNLOAD_DELAY=0.4",
         "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "BANDCRAWLER_BULK_MAX_AGE=0.2",
         "-s", "BANDCRAWLER_BULK_MAX_DOCS=10", "-s", "CONCURRENT_REQUESTS=1"],
        cwd=ROOT, env=deployment.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    reader = threading.Thread(target=read_alias, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not counts or counts[-1] < 1:
            assert time.monotonic() < deadline and crawl.poll() is None, "crawl too fast/slow"
            time.sleep(0.05)
        rebuilds = 0
        while crawl.poll() is None and rebuilds < 3:
            deployment.bandcrawler("reindex")
            rebuilds += 1
        _, stderr = crawl.communicate(timeout=180)
        assert crawl.returncode == 0, stderr[-3000:]
        time.sleep(0.5)
        stop.set()
        reader.join()
        FIGURES.update(rebuilds=rebuilds, reads=len(counts))
        assert rebuilds >= 1
        assert not errors, errors[:5]
        drops = [(a, b) for a, b in itertools.pairwise(counts) if b < a]
        assert not drops, f"the alias went backwards: {drops[:5]}"
        assert_same_state(snapshot(deployment), reference)
    finally:
        stop.set()
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
        if crawl.stderr and not crawl.stderr.closed:
            crawl.stderr.close()
        client.close()
        drop_index(deployment)
