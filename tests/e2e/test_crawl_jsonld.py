"""End to end: `scrapy crawl jsonld` over the bundled band sites, then `bandcrawler` queries.

The expected figures come from bandcrawler/demo_site/README.txt, which lists every event.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, func, select

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from bandcrawler.store.tables import concerts, events
from tests.e2e.conftest import register_demo_bands
from tests.support.commands import Deployment

# 45 events in the markup - 1 in a broken JSON block - 1 dated "TBA" - 1 listed twice.
CONCERTS = 42
PAST = 2


def _count(database_url: str, table) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(table)).scalar()
    engine.dispose()
    return n


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, es_url, site):
    database_url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'bandcrawler.db'}"
    deployment = Deployment(database_url, es_url, f"concerts-e2e-{uuid.uuid4().hex[:8]}")
    register_demo_bands(deployment, site)
    crawl = deployment.crawl("jsonld")
    yield deployment, database_url, crawl
    ConcertIndex(make_client(es_url), deployment.env["BANDCRAWLER_INDEX"]).drop()


def stat(crawl, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", crawl.stderr)
    return int(found.group(1)) if found else 0


def search(deployment: Deployment, *args: str) -> list[dict]:
    return deployment.bandcrawler_json("search", "--limit", "100", *args)


def test_the_crawl_records_each_concert_once(crawled):
    _, database_url, crawl = crawled
    assert _count(database_url, concerts) == CONCERTS
    assert stat(crawl, "bandcrawler/pages") == 9
    assert stat(crawl, "item_scraped_count") == CONCERTS + 1  # the duplicate is one concert


def test_bad_input_is_dropped_with_its_reason_in_the_stats(crawled):
    _, _, crawl = crawled
    assert stat(crawl, "bandcrawler/dropped/broken_jsonld") == 1
    assert stat(crawl, "bandcrawler/dropped/bad_start_date") == 1
    assert "Traceback" not in crawl.stderr


def test_robots_txt_is_obeyed(crawled):
    deployment, _, crawl = crawled
    assert stat(crawl, "robotstxt/forbidden") == 1
    assert not search(deployment, "--text", "FORBIDDEN", "--from", "2000-01-01")


def test_search_near_a_place_finds_upcoming_concerts_within_the_radius_nearest_first(crawled):
    deployment, _, _ = crawled
    hits = search(deployment, "--near", "Paris", "--radius", "100km")
    cities = {h["venue"]["city"] for h in hits}
    assert len(hits) == 9
    assert cities == {"Paris", "Saint-Denis", "Boulogne-Billancourt", "Saint-Cloud",
                      "Versailles"}
    distances = [h["distance_km"] for h in hits]
    assert distances == sorted(distances) and max(distances) <= 100
    assert all(h["local_date"] >= date.today().isoformat() for h in hits)
    wider = search(deployment, "--near", "Paris", "--radius", "150km")
    assert "Rouen" in {h["venue"]["city"] for h in wider}


def test_search_starts_from_today_unless_told_otherwise(crawled):
    deployment, _, _ = crawled
    assert len(search(deployment)) == CONCERTS - PAST
    assert len(search(deployment, "--from", "2000-01-01")) == CONCERTS
    soon = (date.today() + timedelta(days=10)).isoformat()
    hits = search(deployment, "--to", soon)
    assert hits and all(date.today().isoformat() <= h["local_date"] <= soon for h in hits)


def test_search_filters_by_band_country_status_and_text(crawled):
    deployment, _, _ = crawled
    assert {h["band"] for h in search(deployment, "--band", "kodiak static")} == {
        "Kodiak Static"}
    germany = search(deployment, "--country", "de")
    assert len(germany) == 4 and {h["venue"]["country"] for h in germany} == {"DE"}
    cancelled = search(deployment, "--status", "cancelled")
    assert {h["venue"]["city"] for h in cancelled} == {"Boulogne-Billancourt", "Montréal"}
    assert [h["venue"]["name"] for h in search(deployment, "--text", "Bataclan")] == [
        "Le Bataclan"]


def test_a_country_may_be_asked_for_by_name_as_the_site_wrote_it(crawled):
    deployment, _, _ = crawled
    by_code = search(deployment, "--country", "DE")
    assert by_code and search(deployment, "--country", "Germany") == by_code
    assert search(deployment, "--country", "deutschland") == by_code


def test_a_time_given_in_utc_is_shown_at_the_venue(crawled):
    deployment, _, _ = crawled
    webster = search(deployment, "--text", "Webster Hall")[0]
    assert webster["timezone"] == "America/New_York"
    assert webster["local_date"] == (date.today() + timedelta(days=149)).isoformat()
    assert webster["starts_at"].endswith("T00:30:00Z")


def test_the_readable_table_lists_concerts(crawled):
    deployment, _, _ = crawled
    table = deployment.bandcrawler("search", "--near", "Berlin", "--radius", "20km").stdout
    assert table.splitlines()[0].split()[:3] == ["DATE", "TIME", "BAND"]
    assert "Columbiahalle" in table and "Le Bataclan" not in table


def test_every_concert_completes_its_saga(crawled):
    deployment, _, _ = crawled
    status = deployment.bandcrawler_json("saga", "status")
    assert status["concerts"] == CONCERTS and status["complete"] == CONCERTS


def test_a_second_crawl_of_unchanged_pages_changes_nothing(crawled):
    deployment, database_url, _ = crawled
    index = ConcertIndex(make_client(deployment.env["ELASTICSEARCH_URL"]),
                         deployment.env["BANDCRAWLER_INDEX"])
    before_events, before_docs = _count(database_url, events), index.documents()
    again = deployment.crawl("jsonld")
    assert _count(database_url, events) == before_events
    assert stat(again, "bandcrawler/events/appended") == 0
    # every concert was complete: no step ran again for it
    assert stat(again, "bandcrawler/concerts/settled") == stat(again, "item_scraped_count")
    assert stat(again, "bandcrawler/index/indexed") == 0
    index.refresh()
    assert index.documents() == before_docs


def test_reindex_rebuilds_identical_documents_behind_the_alias(crawled):
    deployment, _, _ = crawled
    index = ConcertIndex(make_client(deployment.env["ELASTICSEARCH_URL"]),
                         deployment.env["BANDCRAWLER_INDEX"])
    old_index, before = index.current_index(), index.documents()
    deployment.bandcrawler("reindex")
    index.refresh()
    assert index.current_index() != old_index
    assert index.documents() == before
    assert len(before) == CONCERTS
