"""Discovery against local servers answering like band sites, MusicBrainz and ListenBrainz:
what it finds on each kind of site, the one HTTP client's retries, rate limit and robots.txt."""

from __future__ import annotations

import pytest

from bandcrawler.http_client import FetchError, HttpClient
from bandcrawler.services.discovery import Discoverer, Discovery
from tests.support.band_sites import Artist, FakeListenBrainz, FakeMusicBrainz, Sites, serve_sites
from tests.support.servers import handler_server

UA = "bandcrawler-test/1 ( test@example.org )"
MBID = "3b5b5c9e-0d1f-4a52-9a3e-6f9f7a1d2c01"
OTHER_MBID = "3b5b5c9e-0d1f-4a52-9a3e-6f9f7a1d2c02"


@pytest.fixture(scope="module")
def sites():
    served = Sites()
    with serve_sites(served) as url:
        yield served, url


def discoverer(api: str = "http://127.0.0.1:9/ws/2", bandsintown: bool = False,
               interval: float = 0.0) -> Discoverer:
    client = HttpClient(UA, timeout=5, backoff=0.05,
                        min_interval={"127.0.0.1": interval} if interval else {})
    return Discoverer(client, api, bandsintown_usable=bandsintown)


def found(url: str, homepage: str, bandsintown: bool = False) -> tuple[set, list[str]]:
    result = discoverer(bandsintown=bandsintown).website(url + homepage, Discovery("x"))
    return {(f.kind, f.value.replace(url, ""), not f.why_not) for f in result.found}, \
        result.notes


# What a person reading each fixture site sees as the places its dates live.
EXPECTED = {
    "/wordpress/": {("website", "/wordpress/events/", True),
                    ("ical", "/wordpress/events/?ical=1", True)},
    "/squarespace/": {("website", "/squarespace/tour", True)},
    "/wix/": {("bandsintown", "id_15551234", True)},
    "/songkick/": {("songkick", "424242", False)},
    "/bandcamp/": {("songkick", "8800123", False)},
    "/gcal/": {("ical", "https://calendar.google.com/calendar/ical/nachtfalter.band%40gmail.com"
                        "/public/basic.ics", True),
               ("ical", "https://calendar.google.com/calendar/ical/c_8f3d0e1b2a%40group."
                        "calendar.google.com/public/basic.ics", True)},
    "/deep/": {("website", "/deep/live/konzerte/", True)},
    "/jsonly/": set(),
}


@pytest.mark.parametrize("homepage", sorted(EXPECTED))
def test_discovery_finds_where_each_kind_of_site_keeps_its_dates(sites, homepage):
    _served, url = sites

    assert found(url, homepage, bandsintown=True)[0] == EXPECTED[homepage]


def test_the_webcal_link_on_the_events_calendar_page_is_the_same_feed_once(sites):
    _served, url = sites
    kinds, _notes = found(url, "/wordpress/")

    assert sorted(k for k, _v, _u in kinds) == ["ical", "website"]


def test_a_link_in_bio_page_leads_to_the_tour_page_on_the_band_s_own_site(sites):
    _served, url = sites
    other = url.replace("127.0.0.1", "localhost")
    result = discoverer(bandsintown=True).website(url + "/linkinbio/", Discovery("x"))

    assert {(f.kind, f.value) for f in result.found} == {
        ("website", f"{other}/bio-tour/"), ("bandsintown", "id_3300777")}


def test_a_script_drawn_tour_page_is_reported_as_needing_javascript(sites):
    _served, url = sites
    _found, notes = found(url, "/jsonly/")

    assert f"{url}/jsonly/tour/: needs JavaScript; no source found" in notes


def test_a_bandsintown_widget_is_found_but_not_usable_without_an_app_id(sites):
    _served, url = sites
    result = discoverer(bandsintown=False).website(url + "/wix/", Discovery("x"))

    assert result.usable == []
    assert "BANDSINTOWN_APP_ID is not set" in result.found[0].why_not


def test_robots_txt_is_obeyed_for_band_sites(sites):
    served, url = sites
    served.robots = "User-agent: *\nDisallow: /deep/live/\n"
    served.requests.clear()
    try:
        result = discoverer().website(url + "/deep/", Discovery("x"))
    finally:
        served.robots = ""

    assert result.found == []
    assert f"could not read {url}/deep/live/: robots.txt disallows it" in result.notes
    assert not any(r.startswith("/deep/live") for r in served.requests)


def test_musicbrainz_url_rels_lead_to_the_homepage_s_sources(sites):
    _served, site = sites
    fake = FakeMusicBrainz([Artist(MBID, "The Pressed Flowers", [
        ("official homepage", site + "/wordpress/"),
        ("bandsintown", "https://www.bandsintown.com/a/777"),
        ("social network", "https://www.instagram.com/pressedflowers")])])
    with handler_server(fake) as api:
        result = discoverer(api + "/ws/2", bandsintown=True).artist(MBID)

    assert result.name == "The Pressed Flowers"
    assert {(f.kind, f.value.replace(site, "")) for f in result.usable} == {
        ("musicbrainz", MBID), ("bandsintown", "id_777"), ("website", "/wordpress/events/"),
        ("ical", "/wordpress/events/?ical=1")}
    assert any("instagram" in note and "social page" in note for note in result.notes)
    assert all(agent == UA for agent in fake.user_agents)


def test_a_name_two_artists_share_is_ambiguous_and_an_unknown_one_is_not_found():
    fake = FakeMusicBrainz([Artist(MBID, "Echo", disambiguation="UK"),
                            Artist(OTHER_MBID, "Echo", disambiguation="US"),
                            Artist("3b5b5c9e-0d1f-4a52-9a3e-6f9f7a1d2c03", "Echo Park")])
    with handler_server(fake) as api:
        ambiguous = discoverer(api + "/ws/2").search("Echo")
        unknown = discoverer(api + "/ws/2").search("Nobody Knows Us")
        single = discoverer(api + "/ws/2").search("echo park")

    assert ambiguous.status == "ambiguous" and len(ambiguous.candidates) == 2
    assert unknown.status == "not found"
    assert single.chosen is not None and single.chosen.name == "Echo Park"


def test_a_503_with_retry_after_is_waited_for_and_retried():
    fake = FakeMusicBrainz([Artist(MBID, "Echo")], busy=2)
    with handler_server(fake) as api:
        result = discoverer(api + "/ws/2").search("Echo")

    assert result.chosen is not None
    assert len(fake.arrivals) == 3
    assert fake.arrivals[1] - fake.arrivals[0] >= 0.95  # Retry-After: 1


def test_a_server_busy_for_longer_than_the_retries_is_one_clear_error():
    fake = FakeMusicBrainz(busy=10)
    with handler_server(fake) as api, pytest.raises(FetchError, match="HTTP 503 after 4 tries"):
        discoverer(api + "/ws/2").search("Echo")


def test_a_malformed_musicbrainz_answer_is_one_clear_error():
    fake = FakeMusicBrainz(broken=True)
    with handler_server(fake) as api, pytest.raises(FetchError, match="not JSON"):
        discoverer(api + "/ws/2").search("Echo")


def test_the_musicbrainz_rate_limit_holds_across_calls_of_one_client():
    fake = FakeMusicBrainz([Artist(MBID, "Echo")])
    with handler_server(fake) as api:
        one = discoverer(api + "/ws/2", interval=0.4)
        for name in ("Echo", "Echo", "Nobody"):
            one.search(name)
        one.artist(MBID)

    gaps = [b - a for a, b in zip(fake.arrivals, fake.arrivals[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= 0.39


def test_a_listenbrainz_user_s_top_artists_come_with_their_mbids():
    fake = FakeListenBrainz({"rob": [("Echo", MBID), ("No Id Band", None), ("Third", None)]})
    with handler_server(fake) as api:
        client = discoverer()
        client.listenbrainz_api = api
        top = client.top_artists("rob", 2)
        with pytest.raises(FetchError, match="knows no user"):
            client.top_artists("nobody", 2)

    assert top == [("Echo", MBID), ("No Id Band", None)]
