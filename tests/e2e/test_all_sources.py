"""End to end: one band listed by its website, Bandsintown, an iCal feed and MusicBrainz.

Four real performances, seen eleven times across the four sources, are four concerts, each
naming every source that listed it; where sources disagree, the documented priority decides.
"""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.support.commands import Deployment
from tests.support.servers import handler_server, reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "all_sources"
BAND = "The Quiet Harbour"
MBID = "5f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
APP_ID = "test-app-id-3141"


def serve(handler) -> None:
    url = urlsplit(handler.path)
    query = parse_qs(url.query)
    routes = {
        "/band/tour": ("tour.html", "text/html; charset=utf-8"),
        "/band/tour.ics": ("tour.ics", "text/calendar; charset=utf-8"),
        f"/bit/artists/{BAND}/events": ("bandsintown.json", "application/json"),
        "/mb/event": ("musicbrainz.json", "application/json"),
    }
    found = routes.get(unquote(url.path))
    if url.path.startswith("/bit/") and query.get("app_id") != [APP_ID]:
        found = None
    if url.path == "/mb/event" and query.get("artist") != [MBID]:
        found = None
    if found is None:
        handler.send_error(404)
        return
    name, content_type = found
    body = (FIXTURES / name).read_bytes()
    reply(handler, body, content_type)


def appended(crawl) -> int:
    found = re.search(r"'bandcrawler/events/appended': (\d+)", crawl.stderr)
    return int(found.group(1)) if found else 0


@pytest.fixture(scope="module")
def every_source(tmp_path_factory, es_url):
    alias = f"concerts-e2e-{uuid.uuid4().hex[:8]}"
    database = tmp_path_factory.mktemp("all-sources") / "bandcrawler.db"
    with handler_server(serve) as url:
        deployment = Deployment(f"sqlite:///{database}", es_url, alias)
        deployment.env.update({"BANDSINTOWN_API_URL": f"{url}/bit", "BANDSINTOWN_APP_ID": APP_ID,
                               "MUSICBRAINZ_API_URL": f"{url}/mb"})
        deployment.bandcrawler("band", "add", BAND, "--website", f"{url}/band/tour",
                               "--ical", f"{url}/band/tour.ics", "--bandsintown", BAND,
                               "--musicbrainz", MBID)
        crawls = {spider: deployment.crawl(spider)
                  for spider in ("jsonld", "bandsintown", "ical", "musicbrainz")}
        concerts = {h["venue"]["city"]: h for h in deployment.bandcrawler_json(
            "search", "--from", "2031-01-01", "--limit", "100")}
        yield deployment, crawls, concerts
    ConcertIndex(make_client(es_url), alias).drop()


def test_every_spider_is_listed():
    listed = Deployment("sqlite://", "http://127.0.0.1:9", "x").run(
        sys.executable, "-m", "scrapy", "list").stdout.split()
    assert listed == ["bandsintown", "ical", "jsonld", "musicbrainz"]


def test_each_real_performance_is_one_concert_naming_every_source(every_source):
    _, crawls, concerts = every_source
    assert all(appended(crawl) > 0 for crawl in crawls.values())
    assert set(concerts) == {"Paris", "Lyon", "Berlin", "London"}
    assert concerts["Paris"]["sources"] == ["jsonld", "ical", "bandsintown", "musicbrainz"]
    assert concerts["Lyon"]["sources"] == ["jsonld", "ical", "bandsintown"]
    assert concerts["Berlin"]["sources"] == ["bandsintown", "musicbrainz"]
    assert concerts["London"]["sources"] == ["jsonld"]


def test_the_band_website_wins_a_conflicting_time(every_source):
    _, _, concerts = every_source
    paris = concerts["Paris"]
    assert (paris["local_date"], paris["local_time"]) == ("2031-05-01", "20:00")  # not 20:30
    assert paris["starts_at"] == "2031-05-01T18:00:00Z"
    assert paris["ticket_url"] == "https://tickets.example/quiet-harbour/paris"


def test_coordinates_from_a_source_beat_geocoding(every_source):
    _, _, concerts = every_source
    paris, berlin = concerts["Paris"], concerts["Berlin"]
    assert paris["geo_precision"] == "source"
    assert paris["location"] == {"lat": 48.8822, "lon": 2.3403}  # MusicBrainz's place
    assert berlin["geo_precision"] == "source" and berlin["timezone"] == "Europe/Berlin"
    assert concerts["London"]["geo_precision"] == "city"


def test_a_cancellation_from_any_source_counts(every_source):
    _, _, concerts = every_source
    assert concerts["Lyon"]["status"] == "cancelled"  # only the iCal feed says so
    assert concerts["Paris"]["status"] == "scheduled"


def test_recrawling_sources_that_disagree_appends_nothing(every_source):
    deployment, _, _ = every_source
    again = [deployment.crawl(spider) for spider in ("bandsintown", "jsonld")]
    assert [appended(crawl) for crawl in again] == [0, 0]
    assert deployment.bandcrawler_json("saga", "status")["complete"] == 4


def test_reindex_gives_the_same_merged_documents(every_source):
    deployment, _, _ = every_source
    index = ConcertIndex(make_client(deployment.env["ELASTICSEARCH_URL"]),
                         deployment.env["BANDCRAWLER_INDEX"])
    before = index.documents()
    deployment.bandcrawler("reindex")
    index.refresh()
    assert index.documents() == before and len(before) == 4
