"""Scenario 4b: `bandcrawler reindex`, again and again, while a crawl changes concerts.

Every concert already exists when the crawl starts, and the crawl changes many of them (time,
venue, status), so each rebuild reads concerts that the crawl then changes before the alias
swaps. Afterwards every document must be what a fresh reindex of the final store makes, at
the version of its stream, and every saga complete.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, func, select

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config
from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from bandcrawler.services.indexing import reindex
from bandcrawler.store.tables import events, saga
from tests.faults.conftest import drop_index, new_deployment, register, write_site
from tests.support.commands import ROOT
from tests.support.servers import static_server

SCRIPT = re.compile(r'(<script type="application/ld\+json">)(.*?)(</script>)', re.S)
REBUILDS = 3
SLOW_END_SECONDS = 2.0


def change_every_page(root: Path) -> int:
    """Move every second concert an hour later, rename every third venue and cancel every
    fifth concert, page by page in place; returns how many concerts changed."""
    changed = 0
    for page in sorted(root.rglob("page*.html")):
        html = page.read_text(encoding="utf-8")
        match = SCRIPT.search(html)
        assert match, page
        concerts = json.loads(match.group(2))
        for n, concert in enumerate(concerts):
            touched = False
            if n % 2 == 0:
                day, clock = concert["startDate"].split("T")
                concert["startDate"] = f"{day}T{(int(clock[:2]) + 1) % 24:02d}{clock[2:]}"
                touched = True
            if n % 3 == 0:
                concert["location"]["name"] += " (new room)"
                touched = True
            if n % 5 == 0:
                concert["eventStatus"] = "https://schema.org/EventCancelled"
                touched = True
            changed += touched
        body = match.group(1) + json.dumps(concerts) + match.group(3)
        page.write_text(html[:match.start()] + body + html[match.end():], encoding="utf-8")
    return changed


def documents(deployment) -> dict:
    client = make_client(deployment.env["ELASTICSEARCH_URL"])
    try:
        index = ConcertIndex(client, deployment.env["BANDCRAWLER_INDEX"])
        index.refresh()
        return index.documents()
    finally:
        client.close()


def stream_versions(deployment) -> dict[str, int]:
    engine = create_engine(deployment.env["BANDCRAWLER_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(events.c.stream_id, func.max(events.c.version))
                                .where(events.c.stream_id.like("concert-%"))
                                .group_by(events.c.stream_id)).all()
            incomplete = conn.execute(select(func.count()).select_from(saga).where(
                (saga.c.pending_step.is_not(None)) | (saga.c.indexed_version != saga.c.version)
            )).scalar()
    finally:
        engine.dispose()
    assert incomplete == 0, f"{incomplete} saga(s) incomplete"
    return {stream.removeprefix("concert-"): version for stream, version in rows}


def test_reindexes_during_a_crawl_that_changes_concerts_leave_what_a_fresh_reindex_makes(
        tmp_path, es_url, monkeypatch):
    # Each rebuild takes a while after it read the store (as a big index's final refresh
    # does), long enough for the crawl to record and index changes meanwhile.
    end_bulk_load = ConcertIndex.end_bulk_load

    def slow_end_bulk_load(self, index):
        time.sleep(SLOW_END_SECONDS)
        return end_bulk_load(self, index)

    monkeypatch.setattr(ConcertIndex, "end_bulk_load", slow_end_bulk_load)
    root = tmp_path / "site"
    names = write_site(root, bands=4, per_band=100, today=date.today())
    with static_server(root) as url:
        deployment = new_deployment(tmp_path, es_url)
        site = type("Site", (), {"bands": [(n, url + path) for n, path in names]})
        register(deployment, site)  # type: ignore[arg-type]
        deployment.crawl("jsonld")
        assert change_every_page(root) > 200
        crawl = subprocess.Popen(
            # A page every 0.5 s: the crawl changes concerts for ten seconds.
            [sys.executable, "-m", "scrapy", "crawl", "jsonld", "-s", "DOWNLOAD_DELAY=0.5",
             "-s", "RANDOMIZE_DOWNLOAD_DELAY=False", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "BANDCRAWLER_BULK_MAX_AGE=0.1", "-s", "BANDCRAWLER_BULK_MAX_DOCS=1",
             "-s", "CONCURRENT_REQUESTS=1"],
            cwd=ROOT, env=deployment.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        try:
            rebuilds = 0
            # In this process, back to back: many rebuilds overlap the crawl's writes.
            app = Bandcrawler(Config(database_url=deployment.env["BANDCRAWLER_DATABASE_URL"],
                                     elasticsearch_url=es_url,
                                     index_alias=deployment.env["BANDCRAWLER_INDEX"]))
            try:
                recorded = app.store.last_position()
                deadline = time.monotonic() + 120
                while app.store.last_position() == recorded:  # until the crawl changes some
                    assert crawl.poll() is None and time.monotonic() < deadline
                    time.sleep(0.05)
                # The last rebuild too runs while the crawl changes concerts: a write it
                # lost would be repaired by no later rebuild.
                while crawl.poll() is None and rebuilds < REBUILDS:
                    reindex(app.read_model, app.store)
                    rebuilds += 1
            finally:
                app.close()
            _, stderr = crawl.communicate(timeout=180)
            assert crawl.returncode == 0, stderr[-3000:]
            assert rebuilds == REBUILDS
            time.sleep(0.2)
            after_crawl = documents(deployment)
            versions = stream_versions(deployment)
            assert {i: v for i, (v, _) in after_crawl.items()} == versions
            deployment.bandcrawler("reindex")
            assert documents(deployment) == after_crawl
        finally:
            if crawl.poll() is None:
                crawl.kill()
                crawl.wait()
            if crawl.stderr and not crawl.stderr.closed:
                crawl.stderr.close()
            drop_index(deployment)
