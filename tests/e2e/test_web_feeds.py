"""The subscribable URLs over the demo: calendars read back with icalendar, Atom feeds, the
watch's secret token, a concert's history on its page, and 304s for polling clients."""

from __future__ import annotations

from xml.etree import ElementTree

import httpx
import icalendar
import pytest

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config
from bandcrawler.services.watches import require_watch

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def demo(demo_served):
    app = Bandcrawler(Config(database_url=demo_served.database_url,
                             elasticsearch_url="http://127.0.0.1:1"))
    try:
        token = require_watch(app.store, "Near Paris").token
    finally:
        app.close()
    return demo_served.url, token


def _events(answer) -> list:
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(answer.content).walk("VEVENT")


def test_a_search_as_a_calendar_has_the_searchs_concerts(demo):
    url, _ = demo
    params = {"near": "Paris", "radius": "100km"}
    ids = {c["concert_id"] for c in httpx.get(url + "/api/concerts", params=params).json()[
        "concerts"]}
    events = _events(httpx.get(url + "/calendar.ics", params=params))
    assert {str(e["UID"]).split("@")[0] for e in events} == ids
    cancelled = [e for e in events if str(e.get("STATUS")) == "CANCELLED"]
    assert cancelled, "the cancelled concert near Paris stays in the calendar, marked"


def test_one_concert_and_one_band_as_calendars(demo):
    url, _ = demo
    concert = httpx.get(url + "/api/concerts", params={"band": "Velvet Lanterns"}).json()[
        "concerts"][0]
    one = _events(httpx.get(url + f"/concerts/{concert['concert_id']}/calendar.ics"))
    assert len(one) == 1 and concert["concert_id"] in str(one[0]["UID"])
    band = _events(httpx.get(url + f"/bands/{concert['band_id']}/calendar.ics"))
    assert len(band) > 1
    assert httpx.get(url + "/bands/no-such-band/calendar.ics").status_code == 404


def test_a_watchs_calendar_and_feed_need_its_token(demo):
    url, token = demo
    events = _events(httpx.get(url + "/watches/Near Paris/calendar.ics", params={"token": token}))
    assert events
    feed = httpx.get(url + "/watches/Near Paris/feed.atom", params={"token": token})
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
    entries = ElementTree.fromstring(feed.content).findall(f"{ATOM}entry")
    assert entries, "the demo changed a concert near Paris after the watch was made"
    for path in ("calendar.ics", "feed.atom"):
        for params in ({}, {"token": "wrong"}, {"token": token[:-1]}):
            denied = httpx.get(url + f"/watches/Near Paris/{path}", params=params)
            assert denied.status_code == 404, (path, params)
            assert token not in denied.text
    assert httpx.get(url + "/watches/Someone else/feed.atom",
                     params={"token": token}).status_code == 404


def test_the_changes_feed_is_atom(demo):
    url, _ = demo
    feed = httpx.get(url + "/changes.atom")
    assert feed.status_code == 200
    root = ElementTree.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed" and root.findall(f"{ATOM}entry")


@pytest.mark.parametrize("path", ["/calendar.ics?near=Paris", "/changes.atom"])
def test_polling_an_unchanged_feed_is_a_304(demo, path):
    url, _ = demo
    first = httpx.get(url + path)
    again = httpx.get(url + path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_a_concert_page_shows_its_history_from_the_event_log(demo):
    url, _ = demo
    concert = httpx.get(url + "/api/concerts", params={"band": "Velvet Lanterns",
                                                       "near": "Paris", "radius": "5km"}
                        ).json()["concerts"][0]
    page = httpx.get(url + concert["page"]).text
    assert '<h2 id="history">History</h2>' in page
    assert "ConcertAnnounced</strong> by jsonld" in page
    assert "ConcertDetailsChanged" in page  # the demo moved this concert's time
    assert f'href="/concerts/{concert["concert_id"]}/calendar.ics"' in page


def test_feed_urls_refuse_unknown_parameters(demo):
    url, token = demo
    assert httpx.get(url + "/changes.atom", params={"x": "1"}).status_code == 400
    assert httpx.get(url + "/watches/Near Paris/feed.atom",
                     params={"token": token, "x": "1"}).status_code == 400
    assert httpx.get(url + "/calendar.ics", params={"limit": "0"}).status_code == 400
