"""End to end: `scrapy crawl musicbrainz` against a local server answering like the web service.

The crawl runs with the spider's own politeness settings (no `-s DOWNLOAD_DELAY=0`, which
would beat them: command-line settings outrank a spider's custom_settings), so it also shows
the one-request-per-second limit and the User-Agent MusicBrainz asks for.
"""

from __future__ import annotations

import re
import sys
import threading
import time
import uuid
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from bandcrawler.services.projections import catch_up
from tests.support.commands import Deployment
from tests.support.servers import handler_server, reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "musicbrainz"
MBID = "6a9b8c7d-1e2f-4a3b-9c8d-7e6f5a4b3c2d"
QUIET_MBID = "0b6a2f3c-1d4e-4f5a-8b6c-7d8e9f0a1b2c"  # an artist MusicBrainz does not know
CONTACT = "ops@bandcrawler.test"
PAGES = {"0": "paged_artist_page1.json", "4": "paged_artist_page2.json"}
CONCERTS = 7  # 8 events on two pages, one of them dated only "2019-11"


class MusicBrainzAPI:
    """Answers `/ws/2/event?artist=&offset=` from the fixtures; the first request for page 2
    gets MusicBrainz's rate-limit answer (503), as a busy server would."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, str, dict[str, list[str]], str]] = []
        self._lock = threading.Lock()
        self._throttled = False

    def __call__(self, handler) -> None:
        url = urlsplit(handler.path)
        query = parse_qs(url.query)
        if url.path != "/ws/2/event":
            return self._answer(handler, 404, "text/plain", b"not found")
        with self._lock:
            self.requests.append((time.monotonic(), url.path, query,
                                  handler.headers.get("User-Agent", "")))
            throttle = query.get("offset") == ["4"] and not self._throttled
            self._throttled = self._throttled or throttle
        if throttle:
            body = (FIXTURES / "rate_limited.html").read_bytes()
            return self._answer(handler, 503, "text/html", body)
        page = PAGES.get(query.get("offset", [""])[0])
        if query.get("artist") != [MBID] or page is None:
            body = (FIXTURES / "error_not_found.json").read_bytes()
            return self._answer(handler, 404, "application/json", body)
        body = (FIXTURES / page).read_bytes()
        self._answer(handler, 200, "application/json; charset=utf-8", body)

    @staticmethod
    def _answer(handler, status: int, content_type: str, body: bytes) -> None:
        reply(handler, body, content_type, status)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, es_url):
    database_url = f"sqlite:///{tmp_path_factory.mktemp('e2e-mb') / 'bandcrawler.db'}"
    deployment = Deployment(database_url, es_url, f"concerts-e2e-{uuid.uuid4().hex[:8]}")
    api = MusicBrainzAPI()
    with handler_server(api) as url:
        deployment.env["MUSICBRAINZ_API_URL"] = f"{url}/ws/2"
        deployment.env["MUSICBRAINZ_CONTACT"] = CONTACT
        deployment.bandcrawler("band", "add", "The Paper Lanterns", "--musicbrainz", MBID)
        deployment.bandcrawler("band", "add", "Quiet Ones", "--musicbrainz", QUIET_MBID)
        # `band add` rejects it now; a database from before that check may still hold one.
        register_unchecked(database_url, "Typo Band", "musicbrainz", "not-an-mbid")
        crawl = deployment.run(sys.executable, "-m", "scrapy", "crawl", "musicbrainz")
    yield deployment, api, crawl
    ConcertIndex(make_client(es_url), deployment.env["BANDCRAWLER_INDEX"]).drop()


def register_unchecked(database_url: str, name: str, kind: str, value: str) -> None:
    """Store a band's source as an older version of bandcrawler did, without today's checks."""
    from bandcrawler.domain import events as ev
    from bandcrawler.domain.identity import band_id_for, band_stream
    from bandcrawler.store.engine import make_engine
    from bandcrawler.store.event_store import EventStore
    from bandcrawler.store.repository import to_new_events
    from bandcrawler.store.write_model import WriteModelProjector

    engine = make_engine(database_url)
    store, band_id = EventStore(engine), band_id_for(name)
    decided = [ev.BandRegistered(band_id, name, "2025-01-01T00:00:00Z"),
               ev.BandSourceAdded(band_id, kind, value, "2025-01-01T00:00:00Z")]
    with engine.begin() as conn:
        store.append(conn, band_stream(band_id), to_new_events(decided, {}), 0)
    catch_up(WriteModelProjector(engine, store), store)
    engine.dispose()


def stat(crawl, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", crawl.stderr)
    return int(found.group(1)) if found else 0


def search(deployment: Deployment, *args: str) -> list[dict]:
    return deployment.bandcrawler_json("search", "--limit", "100", "--from", "2000-01-01",
                                       *args)


def test_both_pages_of_the_artist_are_fetched_and_every_dated_event_is_a_concert(crawled):
    deployment, api, crawl = crawled
    offsets = [q["offset"][0] for _, _, q, _ in api.requests if q["artist"] == [MBID]]
    assert offsets == ["0", "4", "4"]  # page 2 once more after the 503
    hits = search(deployment, "--band", "The Paper Lanterns")
    assert len(hits) == CONCERTS
    assert stat(crawl, "item_scraped_count") == CONCERTS
    assert stat(crawl, "bandcrawler/dropped/bad_start_date") == 1
    assert "Traceback" not in crawl.stderr


def test_requests_ask_for_events_with_places_and_performers(crawled):
    _, api, _ = crawled
    for _, path, query, _ in api.requests:
        assert path == "/ws/2/event"
        assert query["fmt"] == ["json"] and query["limit"] == ["100"]
        # "+" separates includes; a query string decodes it as a space
        assert set(query["inc"][0].split()) >= {"place-rels", "artist-rels"}


def test_the_api_is_asked_at_most_once_a_second(crawled):
    _, api, _ = crawled
    times = [at for at, _, _, _ in api.requests]
    assert len(times) == 4  # two pages, one retry, the unknown artist
    assert min(b - a for a, b in pairwise(times)) >= 0.95


def test_the_crawl_uses_no_deprecated_setting(crawled):
    _, _, crawl = crawled
    assert "ScrapyDeprecationWarning" not in crawl.stderr
    assert "RANDOMIZE_DOWNLOAD_DELAY" not in crawl.stderr


def test_the_user_agent_names_the_application_and_the_contact(crawled):
    _, api, _ = crawled
    for _, _, _, user_agent in api.requests:
        assert user_agent.startswith("bandcrawler/")
        assert user_agent.endswith(f"( {CONTACT} )")


def test_a_rate_limited_answer_is_retried(crawled):
    _, _, crawl = crawled
    assert stat(crawl, "retry/reason_count/503 Service Unavailable") == 1
    assert stat(crawl, "bandcrawler/pages") == 2


def test_a_bad_mbid_is_counted_and_an_unknown_artist_is_a_source_error(crawled):
    _, api, crawl = crawled
    assert stat(crawl, "bandcrawler/dropped/bad_mbid") == 1
    assert "not-an-mbid" in crawl.stderr
    assert not [q for _, _, q, _ in api.requests if q["artist"] == ["not-an-mbid"]]
    assert stat(crawl, "bandcrawler/source_errors/musicbrainz") == 1  # the 404


def test_venues_statuses_and_lineups_reach_the_index(crawled):
    deployment, _, _ = crawled
    [bataclan] = search(deployment, "--text", "Bataclan")
    assert bataclan["local_date"] == "2027-03-12" and bataclan["local_time"] == "20:00"
    assert bataclan["venue"]["city"] == "Paris" and bataclan["venue"]["country"] == "FR"
    assert bataclan["geo_precision"] == "source"
    assert bataclan["timezone"] == "Europe/Paris"
    assert bataclan["starts_at"] == "2027-03-12T19:00:00Z"
    assert bataclan["lineup"] == ["The Paper Lanterns", "Hollow Coves", "Koma Kids"]
    assert bataclan["url"] == "https://musicbrainz.org/event/b1f2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    assert bataclan["sources"] == ["musicbrainz"]
    [cancelled] = search(deployment, "--status", "cancelled")
    assert (cancelled["venue"]["name"], cancelled["venue"]["country"]) == ("Columbiahalle", "DE")
    assert {h["venue"]["city"] for h in search(deployment, "--country", "us")} == {"New York"}


def test_a_venue_without_coordinates_is_located_by_its_city(crawled):
    deployment, _, _ = crawled
    [mercury] = search(deployment, "--text", "Mercury Lounge")
    assert mercury["geo_precision"] == "city"
    assert mercury["timezone"] == "America/New_York"
    vienna = search(deployment, "--near", "Wien", "--radius", "20km")
    assert [h["title"] for h in vienna] == ["Donauinselfest 2027"]


def test_every_concert_completes_its_saga_even_with_nothing_to_locate(crawled):
    deployment, _, _ = crawled
    status = deployment.bandcrawler_json("saga", "status")
    assert status["concerts"] == CONCERTS and status["complete"] == CONCERTS
    # "[unknown]" has no venue at all, the secret show only a country: indexed, unlocated.
    unlocated = [h for h in search(deployment) if not h.get("location")]
    assert sorted(h["local_date"] for h in unlocated) == ["2027-05-08", "2027-06-05"]
