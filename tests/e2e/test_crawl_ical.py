"""End to end: `scrapy crawl ical` over feeds served locally, then `bandcrawler search`.

Two bands: the Velvet Lanterns publish a Google Calendar (8 events), Kodiak Static a feed from
their site's tour plugin (6 events, one dated "TBA" and one without a start). All dates are in
2031, so the searches start from 2000-01-01 only to be independent of today.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.support.commands import Deployment
from tests.support.servers import static_server

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ical"
CONCERTS = 8 + 4


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, es_url):
    database_url = f"sqlite:///{tmp_path_factory.mktemp('e2e-ical') / 'bandcrawler.db'}"
    deployment = Deployment(database_url, es_url, f"concerts-e2e-{uuid.uuid4().hex[:8]}")
    with static_server(FIXTURES) as url:
        deployment.bandcrawler("band", "add", "The Velvet Lanterns",
                               "--ical", f"{url}/google_calendar.ics")
        deployment.bandcrawler("band", "add", "Kodiak Static",
                               "--ical", f"{url}/band_site_plugin.ics")
        crawl = deployment.crawl("ical")
    try:
        yield deployment, crawl
    finally:
        ConcertIndex(make_client(es_url), deployment.env["BANDCRAWLER_INDEX"]).drop()


def stat(crawl, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", crawl.stderr)
    return int(found.group(1)) if found else 0


def search(deployment: Deployment, *args: str) -> list[dict]:
    return deployment.bandcrawler_json("search", "--from", "2000-01-01", "--limit", "100",
                                       *args)


def by_title(deployment: Deployment) -> dict[str, dict]:
    return {hit["title"]: hit for hit in search(deployment)}


def test_every_feed_is_read_and_every_good_event_is_scraped(crawled):
    _, crawl = crawled
    assert stat(crawl, "bandcrawler/feeds") == 2
    assert stat(crawl, "item_scraped_count") == CONCERTS
    assert "Traceback" not in crawl.stderr


def test_every_concert_is_indexed_and_completes_its_saga(crawled):
    deployment, _ = crawled
    assert len(search(deployment)) == CONCERTS
    status = deployment.bandcrawler_json("saga", "status")
    assert status["concerts"] == CONCERTS, status
    assert status["complete"] == CONCERTS, status


def test_the_broken_events_are_dropped_with_their_reasons_in_the_stats(crawled):
    _, crawl = crawled
    assert stat(crawl, "bandcrawler/dropped/bad_start_date") == 1
    assert stat(crawl, "bandcrawler/dropped/missing_start_date") == 1
    assert "Secret show, Hamburg" in crawl.stderr  # the log names the dropped event


def test_the_concerts_are_searchable_with_venue_city_country_status_and_local_time(crawled):
    deployment, _ = crawled
    hits = by_title(deployment)
    paris = hits["The Velvet Lanterns – Paris"]
    assert (paris["venue"]["name"], paris["venue"]["city"], paris["venue"]["country"]) == (
        "Le Bataclan", "Paris", "FR")
    # Written as 19:00 UTC; shown at the venue, in Paris winter time.
    assert (paris["local_date"], paris["local_time"]) == ("2031-03-14", "20:00")
    assert paris["timezone"] == "Europe/Paris" and paris["starts_at"].startswith(
        "2031-03-14T19:00")
    new_york = hits["The Velvet Lanterns – New York"]
    assert (new_york["venue"]["city"], new_york["venue"]["country"]) == ("New York", "US")
    assert (new_york["local_time"], new_york["starts_at"]) == ("20:00", "2031-05-11T00:00:00Z")
    lyon = hits["Kodiak Static, Lyon, Le Transbordeur"]
    assert (lyon["venue"]["name"], lyon["venue"]["city"]) == ("Le Transbordeur", "Lyon")
    assert (lyon["local_time"], lyon["starts_at"]) == ("20:30", "2031-09-21T18:30:00Z")
    assert hits["Kodiak Static, The Fillmore, Denver"]["local_time"] is None


def test_each_overridden_occurrence_is_its_own_concert(crawled):
    deployment, _ = crawled
    residency = [h for h in search(deployment, "--text", "residency")]
    assert sorted((h["local_date"], h["local_time"]) for h in residency) == [
        ("2031-04-06", "18:00"), ("2031-04-13", "21:00")]


def test_cancelled_and_tentative_events_have_their_status(crawled):
    deployment, _ = crawled
    cancelled = search(deployment, "--status", "cancelled")
    assert [(h["venue"]["city"], h["venue"]["country"]) for h in cancelled] == [
        ("Amsterdam", "NL")]
    assert by_title(deployment)["Kodiak Static @ La Cigale, Paris"]["status"] == "scheduled"


def test_search_by_band_and_country(crawled):
    deployment, _ = crawled
    kodiak = search(deployment, "--band", "Kodiak Static")
    assert sorted(h["venue"]["city"] for h in kodiak) == ["Berlin", "Denver", "Lyon", "Paris"]
    assert {h["venue"]["city"] for h in search(deployment, "--country", "GB")} == {"London"}
