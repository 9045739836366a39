"""End to end (issue 12): one band's nights listed by its English website, a German feed
(Wien, München, Köln) and Bandsintown in UTC instants are one concert per night."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.support.commands import Deployment
from tests.support.servers import handler_server, reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "languages"
BAND = "The Lantern Choir"
APP_ID = "test-app-id-2718"


def serve(handler) -> None:
    url = urlsplit(handler.path)
    routes = {
        "/band/tour": ("tour.html", "text/html; charset=utf-8"),
        "/kalender/tour.ics": ("tour.ics", "text/calendar; charset=utf-8"),
        f"/bit/artists/{BAND}/events": ("bandsintown.json", "application/json"),
    }
    found = routes.get(unquote(url.path))
    if url.path.startswith("/bit/") and parse_qs(url.query).get("app_id") != [APP_ID]:
        found = None
    if found is None:
        handler.send_error(404)
        return
    name, content_type = found
    body = (FIXTURES / name).read_bytes()
    reply(handler, body, content_type)


@pytest.fixture(scope="module")
def nights(tmp_path_factory, es_url):
    alias = f"concerts-e2e-{uuid.uuid4().hex[:8]}"
    database = tmp_path_factory.mktemp("languages") / "bandcrawler.db"
    with handler_server(serve) as url:
        deployment = Deployment(f"sqlite:///{database}", es_url, alias)
        deployment.env.update({"BANDSINTOWN_API_URL": f"{url}/bit", "BANDSINTOWN_APP_ID": APP_ID})
        deployment.bandcrawler("band", "add", BAND, "--website", f"{url}/band/tour",
                               "--ical", f"{url}/kalender/tour.ics", "--bandsintown", BAND)
        for spider in ("jsonld", "ical", "bandsintown"):
            deployment.crawl(spider)
        hits = deployment.bandcrawler_json("search", "--from", "2031-01-01", "--limit", "100")
        yield deployment, hits
    ConcertIndex(make_client(es_url), alias).drop()


def test_three_nights_in_three_languages_and_two_time_notations_are_three_concerts(nights):
    _, hits = nights
    assert sorted((h["local_date"], h["venue"]["city"]) for h in hits) == [
        ("2031-03-14", "Vienna"), ("2031-03-15", "Munich"), ("2031-03-16", "Cologne")]
    assert all(h["sources"] == ["jsonld", "ical", "bandsintown"] for h in hits)


def test_a_utc_instant_is_read_at_the_venue(nights):
    _, hits = nights
    munich = next(h for h in hits if h["venue"]["city"] == "Munich")
    # 23:30 UTC on the 14th is half past midnight on the 15th in Munich.
    assert (munich["local_date"], munich["local_time"]) == ("2031-03-15", "00:30")
    assert munich["starts_at"] == "2031-03-14T23:30:00Z"


def test_recrawling_appends_nothing(nights):
    deployment, _ = nights
    for spider in ("jsonld", "ical", "bandsintown"):
        crawl = deployment.crawl(spider)
        assert re.search(r"'bandcrawler/events/appended': 0\b", crawl.stderr)
    assert deployment.bandcrawler_json("saga", "status")["complete"] == 3
