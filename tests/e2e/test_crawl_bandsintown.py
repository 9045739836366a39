"""End to end: `scrapy crawl bandsintown` against a local server that answers like the
Bandsintown API (saved answers, a 404 for an unknown artist, a 429 with Retry-After), then
`bandcrawler` queries."""

from __future__ import annotations

import re
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.support.commands import Deployment
from tests.support.servers import handler_server, reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bandsintown"
# The app id the saved answers echo in their links, as the real API echoes the caller's.
APP_ID = "bc-7f3a9e21d4"
ANSWERS = {
    "Lumen Drift": "lumen_drift_events.json",  # 7 events, 1 with an impossible date
    "Harbour Lights": "harbour_lights_us_tour.json",  # 3 events, after one HTTP 429
    "Marrow & The Bloom": "marrow_bloom_festival.json",  # 1 festival, 40 names
    "Quiet Company": "empty.json",  # no upcoming events
    "Sonic Wreath": "error_object.json",  # HTTP 200 with an error object
}
RATE_LIMITED = "Harbour Lights"
UNKNOWN = "Nobody Knows Us"
CONCERTS = 6 + 3 + 1


class FakeBandsintownApi:
    """Answers `GET /artists/{name}/events?app_id=…&date=upcoming` from the saved answers."""

    def __init__(self):
        self.requests: list[tuple[str, dict[str, list[str]], float]] = []
        self._lock = threading.Lock()

    def __call__(self, handler) -> None:
        url = urlsplit(handler.path)
        query = parse_qs(url.query)
        match = re.fullmatch(r"/artists/([^/]+)/events", url.path)
        artist = unquote(match[1]) if match else None
        with self._lock:
            self.requests.append((artist, query, time.monotonic()))
            first_time = [r[0] for r in self.requests].count(artist) == 1
        if query.get("app_id") != [APP_ID]:
            return self._send(handler, 403, b'{"Message":"Forbidden"}')
        if artist not in ANSWERS:
            return self._send(handler, 404, b"{warn=Not found}", "text/plain")
        if artist == RATE_LIMITED and first_time:
            return self._send(handler, 429, b'{"errorMessage":"Rate exceeded"}',
                              headers={"Retry-After": "1"})
        return self._send(handler, 200, (FIXTURES / ANSWERS[artist]).read_bytes())

    def times(self, artist: str) -> list[float]:
        return [at for name, _, at in self.requests if name == artist]

    @staticmethod
    def _send(handler, status: int, body: bytes, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        reply(handler, body, f"{content_type}; charset=utf-8", status,
              (headers or {}).items())


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, es_url):
    api = FakeBandsintownApi()
    database_url = f"sqlite:///{tmp_path_factory.mktemp('e2e-bit') / 'bandcrawler.db'}"
    deployment = Deployment(database_url, es_url, f"concerts-e2e-{uuid.uuid4().hex[:8]}")
    with handler_server(api) as url:
        deployment.env.update({"BANDSINTOWN_API_URL": url, "BANDSINTOWN_APP_ID": APP_ID})
        for artist in ANSWERS:
            deployment.bandcrawler("band", "add", artist, "--bandsintown", artist)
        deployment.bandcrawler("band", "add", "Nobody Knows", "--bandsintown", UNKNOWN)
        deployment.bandcrawler("band", "add", "Website Only", "--website", f"{url}/site/")
        # At DEBUG Scrapy logs every request URL: the app id must be masked there too.
        crawl = deployment.crawl("bandsintown", "-s", "LOG_LEVEL=DEBUG")
        yield deployment, api, crawl
    ConcertIndex(make_client(es_url), deployment.env["BANDCRAWLER_INDEX"]).drop()


def stat(crawl, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", crawl.stderr)
    return int(found.group(1)) if found else 0


def search(deployment: Deployment, *args: str) -> list[dict]:
    return deployment.bandcrawler_json("search", "--limit", "100", "--from", "2000-01-01", *args)


def by_venue(deployment: Deployment) -> dict[str, dict]:
    return {h["venue"]["name"] or "(online)": h for h in search(deployment)}


def test_every_bandsintown_name_is_asked_for_its_upcoming_events_with_the_app_id(crawled):
    _, api, _ = crawled
    asked = {artist for artist, _, _ in api.requests}
    assert asked == {*ANSWERS, UNKNOWN}
    assert all(query == {"app_id": [APP_ID], "date": ["upcoming"]}
               for _, query, _ in api.requests)


def test_the_crawl_records_every_usable_event_once(crawled):
    deployment, _, crawl = crawled
    assert stat(crawl, "item_scraped_count") == CONCERTS
    assert len(search(deployment)) == CONCERTS
    status = deployment.bandcrawler_json("saga", "status")
    assert status["concerts"] == CONCERTS and status["complete"] == CONCERTS
    assert "Traceback" not in crawl.stderr


def test_concerts_carry_the_venue_location_tickets_and_lineup_from_the_api(crawled):
    deployment, _, _ = crawled
    venues = by_venue(deployment)
    trabendo = venues["Le Trabendo"]
    assert trabendo["band"] == "Lumen Drift"
    assert trabendo["local_date"] == "2027-02-12" and trabendo["local_time"] == "20:00"
    assert trabendo["timezone"] == "Europe/Paris"
    assert trabendo["starts_at"].startswith("2027-02-12T19:00:00")  # 20:00 CET
    assert trabendo["venue"]["city"] == "Paris" and trabendo["venue"]["country"] == "FR"
    assert trabendo["location"] == {"lat": 48.8896, "lon": 2.3932}
    assert trabendo["geo_precision"] == "source"
    assert trabendo["ticket_url"] == "https://www.bandsintown.com/t/104987342"
    assert trabendo["url"] == "https://www.bandsintown.com/e/104987342"
    assert trabendo["lineup"] == ["Lumen Drift", "Saint Sadrill"]
    assert trabendo["sources"] == ["bandsintown"]
    steel = venues["Brooklyn Steel"]
    assert (steel["venue"]["city"], steel["venue"]["region"], steel["venue"]["country"]) == (
        "Brooklyn", "NY", "US")
    assert steel["timezone"] == "America/New_York"


def test_a_venue_without_coordinates_is_located_by_its_city(crawled):
    deployment, _, _ = crawled
    venues = by_venue(deployment)
    for name, city in (("Lucerna Music Bar", "Prague"), ("O2 Academy Islington", "London")):
        assert venues[name]["venue"]["city"] == city
        assert venues[name]["geo_precision"] == "city"
        assert venues[name]["location"] is not None
    assert venues["Lucerna Music Bar"]["venue"]["country"] == "CZ"
    assert venues["O2 Academy Islington"]["venue"]["country"] == "GB"


def test_a_festival_keeps_its_whole_lineup(crawled):
    deployment, _, _ = crawled
    [festival] = search(deployment, "--band", "Marrow & The Bloom")
    assert festival["title"] == "Lakeshore Drift Festival 2027"
    assert len(festival["lineup"]) == 40
    assert festival["lineup"][:3] == ["Marrow & The Bloom", "Fleet Foxes", "Big Thief"]
    assert festival["venue"]["region"] == "IL"


def test_statuses_written_into_titles_are_searchable(crawled):
    deployment, _, _ = crawled
    assert [h["venue"]["city"] for h in search(deployment, "--status", "cancelled")] == ["Lyon"]
    assert [h["venue"]["city"] for h in search(deployment, "--status", "postponed")] == [
        "Austin"]


def test_a_rate_limited_artist_is_asked_again_after_retry_after(crawled):
    deployment, api, crawl = crawled
    first, second = api.times(RATE_LIMITED)
    assert second - first >= 1.0
    assert stat(crawl, "bandcrawler/retry_after") == 1
    cities = {h["venue"]["city"] for h in search(deployment, "--band", RATE_LIMITED)}
    assert cities == {"Chicago", "Austin", "Seattle"}


def test_unknown_artists_and_error_answers_are_counted_not_fatal(crawled):
    _, _, crawl = crawled
    assert stat(crawl, "bandcrawler/source_errors/bandsintown") == 1  # the 404
    assert stat(crawl, "bandcrawler/dropped/bad_answer") == 1  # the error object
    assert stat(crawl, "bandcrawler/dropped/bad_start_date") == 1
    assert "Nobody Knows" in crawl.stderr


def test_the_app_id_is_never_logged_nor_stored(crawled):
    deployment, _, crawl = crawled
    assert APP_ID not in crawl.stderr and APP_ID not in crawl.stdout
    assert "events?app_id=***&date=upcoming" in crawl.stderr  # Scrapy's DEBUG lines, masked
    hits = search(deployment)
    assert not any(APP_ID in str(hit) for hit in hits)
