"""End to end on real scrapyd: the project deployed as an egg with scrapyd-deploy, jobs
enqueued by `bandcrawler schedule`, several crawl processes writing one store at once.

The reference is a plain single-process `scrapy crawl jsonld`; every parallel run must end
with exactly the same concerts, events and documents (timestamps aside)."""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import create_engine, select

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from bandcrawler.store.tables import concerts, events
from tests.e2e.conftest import register_demo_bands
from tests.support.commands import Deployment
from tests.support.postgres import postgres_schema_url, requires_postgres
from tests.support.scrapyd import PROJECT, Scrapyd

CONCERTS = 42  # see tests/e2e/test_crawl_jsonld.py and bandcrawler/demo_site/README.txt
CLOCK_FIELDS = {"first_seen", "updated_at", "at"}


def snapshot(database_url: str, es_url: str, alias: str) -> dict:
    """What a crawl leaves behind, without the clock: rows, streams, documents."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = {r.concert_id: {k: v for k, v in r._mapping.items() if k not in CLOCK_FIELDS}
                for r in conn.execute(select(concerts))}
        streams: dict[str, list] = {}
        for e in conn.execute(select(events).order_by(events.c.position)):
            data = {k: v for k, v in e.data.items() if k not in CLOCK_FIELDS}
            streams.setdefault(e.stream_id, []).append((e.version, e.type, data))
        positions = conn.execute(select(events.c.position).order_by(events.c.position)
                                 ).scalars().all()
    engine.dispose()
    es = make_client(es_url)
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, size=500, query={"match_all": {}})["hits"]["hits"]
    es.close()
    documents = {h["_id"]: {k: v for k, v in h["_source"].items() if k not in CLOCK_FIELDS}
                 for h in hits}
    return {"rows": rows, "streams": streams, "documents": documents,
            "events": len(positions), "gap_free": positions == list(range(1, len(positions) + 1))}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, es_url, site):
    """One process, one spider, one machine: the result every other setup must equal."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'bandcrawler.db'}"
    alias = f"concerts-ref-{uuid.uuid4().hex[:8]}"
    deployment = Deployment(database_url, es_url, alias)
    register_demo_bands(deployment, site)
    deployment.crawl("jsonld")
    yield snapshot(database_url, es_url, alias)
    ConcertIndex(make_client(es_url), alias).drop()


def assert_same_result(found: dict, reference: dict) -> None:
    assert len(reference["rows"]) == CONCERTS
    assert found["gap_free"]
    assert set(found["rows"]) == set(reference["rows"])  # zero lost, zero extra concerts
    assert found["rows"] == reference["rows"]
    assert found["streams"] == reference["streams"]  # zero duplicate (or missing) events
    assert found["events"] == reference["events"]
    assert found["documents"] == reference["documents"]


def assert_clean_logs(scrapyd: Scrapyd, jobs: list[dict]) -> None:
    for job in jobs:
        log = scrapyd.log(job)
        assert "database is locked" not in log
        assert "Traceback" not in log, log[-3000:]
        assert not re.search(r"\] ERROR:", log), log[-3000:]
        assert "Spider closed (finished)" in log


def node_env(deployment: Deployment) -> dict[str, str]:
    """scrapyd's jobs get the store and the read model from scrapyd's own environment."""
    return {**deployment.env, "BANDCRAWLER_LOG_LEVEL": "INFO"}


def test_scheduled_parallel_jobs_on_scrapyd_equal_a_single_crawl(tmp_path, es_url, site,
                                                                  reference):
    database_url = f"sqlite:///{tmp_path / 'bandcrawler.db'}"  # absolute, as documented
    alias = f"concerts-scrapyd-{uuid.uuid4().hex[:8]}"
    deployment = Deployment(database_url, es_url, alias)
    bands = register_demo_bands(deployment, site)
    started = time.monotonic()

    with Scrapyd(tmp_path / "scrapyd", node_env(deployment), max_proc=4) as scrapyd:
        assert scrapyd.call("listprojects.json", auth=False)["http_status"] == 401
        scrapyd.deploy()
        assert scrapyd.call("listspiders.json", project=PROJECT)["spiders"] == [
            "bandsintown", "ical", "jsonld", "musicbrainz"]
        deployment.env.update(scrapyd.credentials)

        first = deployment.bandcrawler("schedule", "--scrapyd", scrapyd.url, "--per-band")
        second_started = datetime.now()  # scrapyd's job times are this machine's local time
        second = deployment.bandcrawler("schedule", "--scrapyd", scrapyd.url, "--per-band")
        second_ended = datetime.now()
        jobs = scrapyd.wait_until_idle(expected_finished=len(bands))
        elapsed = time.monotonic() - started

    assert first.stdout.count("Scheduled jsonld") == len(bands) == 4
    assert scrapyd.password not in first.stdout + first.stderr
    finished = jobs["finished"]
    assert {j["spider"] for j in finished} == {"jsonld"}
    # The second call skips each band whose job is still pending or running, and schedules
    # a band again only once its job has ended: usually it skips all four, but how many
    # have ended by then depends on the machine's load.
    again = second.stdout.count("Scheduled jsonld")
    assert f"{again} job(s) scheduled, {len(bands) - again} skipped" in second.stdout
    by_band: dict[str, list[datetime]] = {}
    for job in finished:  # job ids are <spider>.<band id>.<hex>
        by_band.setdefault(job["id"].split(".")[1], []).append(
            datetime.fromisoformat(job["end_time"]))
    assert len(by_band) == len(bands) and len(finished) == len(bands) + again
    for ends in by_band.values():
        if len(ends) == 1:  # skipped: its job had not ended when the second call began
            assert ends[0] > second_started
        else:  # scheduled again: its first job had ended by then
            assert len(ends) == 2 and min(ends) < second_ended
    assert max_parallel(finished) >= 2
    assert_clean_logs(scrapyd, finished)
    found = snapshot(database_url, es_url, alias)
    assert_same_result(found, reference)
    saga = deployment.bandcrawler_json("saga", "status")
    assert saga["complete"] == saga["concerts"] == CONCERTS
    print(f"\nscrapyd (SQLite): {len(finished)} jobs ({again} scheduled again by the second "
          f"call), {len(found['rows'])} concerts, {found['events']} events, {elapsed:.1f}s, "
          f"at most {max_parallel(finished)} jobs at once")
    ConcertIndex(make_client(es_url), alias).drop()


def max_parallel(jobs: list[dict]) -> int:
    """The most jobs that ran at the same moment."""
    moments = Counter()
    for job in jobs:
        moments[job["start_time"]] += 1
        moments[job["end_time"]] -= 1
    running = most = 0
    for _, change in sorted(moments.items()):
        running += change
        most = max(most, running)
    return most


@requires_postgres
def test_two_scrapyd_nodes_sharing_postgresql_and_elasticsearch_equal_a_single_crawl(
        tmp_path, es_url, site, reference):
    alias = f"concerts-nodes-{uuid.uuid4().hex[:8]}"
    with postgres_schema_url() as database_url:
        deployment = Deployment(database_url, es_url, alias)
        names = register_demo_bands(deployment, site)
        started = time.monotonic()
        with Scrapyd(tmp_path / "a", node_env(deployment)) as a, \
                Scrapyd(tmp_path / "b", node_env(deployment)) as b:
            a.deploy()
            b.deploy()
            # Node a: bands 1-3; node b: bands 3-4 (3 overlaps) and, at the same time, a
            # whole-spider job crawling all four again.
            plan = [(a, names[0]), (a, names[1]), (a, names[2]), (b, names[2]),
                    (b, names[3]), (b, None)]
            for node, band in plan:
                form = {"project": PROJECT, "spider": "jsonld"}
                if band is not None:
                    form["band"] = band
                assert node.call("schedule.json", post=form)["status"] == "ok"
            finished = [*a.wait_until_idle(3)["finished"], *b.wait_until_idle(3)["finished"]]
            elapsed = time.monotonic() - started
            assert_clean_logs(a, a.jobs()["finished"])
            assert_clean_logs(b, b.jobs()["finished"])
            found = snapshot(database_url, es_url, alias)
            saga = deployment.bandcrawler_json("saga", "status")
    assert len(finished) == 6
    assert_same_result(found, reference)
    assert saga["complete"] == saga["concerts"] == CONCERTS
    print(f"\ntwo scrapyd nodes (PostgreSQL): {len(finished)} jobs, {len(found['rows'])} "
          f"concerts, {found['events']} events, {elapsed:.1f}s")
    ConcertIndex(make_client(es_url), alias).drop()
