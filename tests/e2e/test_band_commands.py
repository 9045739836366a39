"""End to end: `bandcrawler band add/discover/list/remove` as a user runs them."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, select

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from bandcrawler.store.tables import events
from tests.support.band_sites import Artist, FakeMusicBrainz, Sites, serve_sites
from tests.support.commands import Deployment
from tests.support.servers import handler_server

MBID = "6c3e1b52-8f0a-4e43-9d5b-2b7f1a0c9e11"


@pytest.fixture
def deployment(tmp_path, es_url):
    alias = f"concerts-e2e-{uuid.uuid4().hex[:8]}"
    served = Sites()
    fake = FakeMusicBrainz()
    with serve_sites(served) as site, handler_server(fake) as api:
        deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, alias)
        deployment.env.update(MUSICBRAINZ_API_URL=api + "/ws/2", MUSICBRAINZ_MIN_INTERVAL="0",
                              BANDCRAWLER_HTTP_BACKOFF="0.01")
        deployment.site, deployment.musicbrainz = site, fake  # type: ignore[attr-defined]
        yield deployment
    ConcertIndex(make_client(es_url), alias).drop()


def stored_types(deployment: Deployment) -> list[str]:
    engine = create_engine(deployment.env["BANDCRAWLER_DATABASE_URL"])
    with engine.connect() as conn:
        types = list(conn.execute(select(events.c.type).order_by(events.c.position)).scalars())
    engine.dispose()
    return types


def test_band_add_without_a_source_and_without_discovery_says_what_to_add(deployment):
    done = deployment.bandcrawler("band", "add", "Nobody", "--no-discover", check=False)

    assert done.returncode == 1
    assert "no source given for 'Nobody': add --website URL, --ical URL" in done.stderr
    assert deployment.bandcrawler_json("band", "list", "--status") == []


def test_band_add_of_a_name_musicbrainz_does_not_know_registers_nothing(deployment):
    done = deployment.bandcrawler("band", "add", "Nobody", check=False)

    assert done.returncode == 1
    assert "MusicBrainz knows no artist called 'Nobody'" in done.stderr
    assert deployment.bandcrawler_json("band", "list", "--status") == []


def test_an_invalid_musicbrainz_id_is_rejected_when_added(deployment):
    done = deployment.bandcrawler("band", "add", "X", "--musicbrainz", "12345", check=False)

    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "not a MusicBrainz artist id: '12345'" in done.stderr
    assert stored_types(deployment) == []


def test_band_add_by_name_alone_registers_what_musicbrainz_and_the_site_name(deployment):
    deployment.musicbrainz.artists.append(Artist(MBID, "The Pressed Flowers", [
        ("official homepage", deployment.site + "/wordpress/"),
        ("songkick", "https://www.songkick.com/artists/1-pressed-flowers")]))

    done = deployment.bandcrawler("band", "add", "the pressed flowers")

    assert "skipped https://www.songkick.com/artists/1-pressed-flowers" in done.stdout
    [band] = deployment.bandcrawler_json("band", "list", "--status")
    assert {(s["kind"], s["value"].replace(deployment.site, ""), s["discovered_from"])
            for s in band["status"]} == {
        ("musicbrainz", MBID, f"musicbrainz:{MBID}"),
        ("website", "/wordpress/events/", f"website:{deployment.site}/wordpress/events/"),
        ("ical", "/wordpress/events/?ical=1", f"website:{deployment.site}/wordpress/"),
    }
    assert "added source website" in done.stdout


def test_an_ambiguous_name_lists_the_candidates_and_registers_nothing(deployment):
    deployment.musicbrainz.artists += [
        Artist(MBID, "Echo", disambiguation="UK shoegaze", country="GB", begin="1990"),
        Artist("6c3e1b52-8f0a-4e43-9d5b-2b7f1a0c9e12", "Echo", country="US")]

    done = deployment.bandcrawler("band", "add", "Echo", check=False)

    assert done.returncode == 1
    assert "'Echo' is ambiguous; choose one with --mbid" in done.stderr
    assert f"Echo (UK shoegaze, GB, since 1990) [{MBID}]" in done.stderr
    assert stored_types(deployment) == []


def test_website_discovery_registers_each_source_the_site_names_once(deployment):
    site = deployment.site
    deployment.bandcrawler("band", "add", "Kellerkind", "--website", site + "/deep/",
                           "--discover")
    again = deployment.bandcrawler("band", "add", "Kellerkind", "--website", site + "/deep/",
                                   "--discover")

    [band] = deployment.bandcrawler_json("band", "list", "--status")
    assert [(s["kind"], s["value"]) for s in band["status"]] == [
        ("website", site + "/deep/live/konzerte/")]
    assert "already registered" in again.stdout


def test_adding_a_source_to_a_band_says_added_source_to(deployment):
    deployment.bandcrawler("band", "add", "Marée", "--website", "https://maree.example/")

    done = deployment.bandcrawler("band", "add", "Marée", "--ical",
                                  "https://maree.example/feed.ics")

    assert done.stdout.strip() == "added source ical https://maree.example/feed.ics to Marée"


def test_removing_a_source_and_a_band_are_events_and_its_concerts_stay_unlisted(deployment):
    site = deployment.site
    deployment.bandcrawler("band", "add", "Harbour Lights", "--website",
                           site + "/squarespace/tour", "--ical", "https://x.example/a.ics")
    deployment.crawl("jsonld")
    assert len(deployment.bandcrawler_json("search")) == 2

    one = deployment.bandcrawler("band", "remove", "Harbour Lights", "--ical",
                                 "https://x.example/a.ics")
    both = deployment.bandcrawler("band", "remove", "Harbour Lights")

    assert one.stdout.strip() == ("removed source ical https://x.example/a.ics from "
                                  "Harbour Lights")
    assert "removed Harbour Lights; its 2 concert(s) stay in the log" in both.stdout
    assert deployment.bandcrawler_json("band", "list", "--status") == []
    types = stored_types(deployment)
    assert "BandSourceRemoved" in types and "BandRemoved" in types
    removed = deployment.bandcrawler_json("search", "--all")
    assert len(removed) == 2 and {h["listed"] for h in removed} == {False}
    assert deployment.bandcrawler_json("search") == []  # upcoming searches show the listed
    again = deployment.bandcrawler("band", "remove", "Harbour Lights", check=False)
    assert again.returncode == 1 and "no band 'harbour-lights' is registered" in again.stderr


def test_band_list_shows_per_source_when_it_was_crawled_and_what_it_gave(deployment):
    site = deployment.site
    deployment.bandcrawler("band", "add", "Harbour Lights", "--website",
                           site + "/squarespace/tour")
    before = deployment.bandcrawler("band", "list").stdout
    deployment.crawl("jsonld")

    after = deployment.bandcrawler("band", "list").stdout

    assert "never crawled" in before
    assert "2 concert(s), read completely" in after and "last crawled 20" in after


def test_the_sources_discovered_on_a_site_crawl_into_its_concerts(deployment):
    deployment.bandcrawler("band", "add", "The Pressed Flowers", "--website",
                           deployment.site + "/wordpress/", "--discover")

    deployment.crawl("jsonld")
    deployment.crawl("ical")

    hits = deployment.bandcrawler_json("search")
    by_source = {source: sorted((h["local_date"], h["venue"]["name"]) for h in hits
                                if source in h["sources"]) for source in ("jsonld", "ical")}
    assert len(by_source["jsonld"]) == 2 and by_source["ical"] == by_source["jsonld"]
    assert sorted(h["venue"]["city"] for h in hits if "jsonld" in h["sources"]) == [
        "Glasgow", "Leeds"]


def test_band_discover_shows_and_registers_only_with_yes(deployment):
    site = deployment.site + "/squarespace/"
    shown = deployment.bandcrawler("band", "discover", "Harbour Lights", "--website", site)
    assert "Nothing registered; add --yes" in shown.stdout
    assert deployment.bandcrawler_json("band", "list") == []

    deployment.bandcrawler("band", "discover", "Harbour Lights", "--website", site, "--yes")

    assert deployment.bandcrawler_json("band", "list")[0]["sources"] == {
        "website": [deployment.site + "/squarespace/tour"]}
