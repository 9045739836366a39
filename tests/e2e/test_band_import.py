"""End to end: `bandcrawler band import` of a 30-name file with ambiguous and unknown names,
and of a ListenBrainz user, registers the right sources; a crawl of them finds the concerts;
importing again changes nothing."""

from __future__ import annotations

import json
import uuid

import pytest

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.e2e.test_band_commands import stored_types
from tests.support.band_sites import (
    Artist,
    FakeListenBrainz,
    FakeMusicBrainz,
    Sites,
    serve_sites,
)
from tests.support.commands import Deployment
from tests.support.servers import handler_server

CITIES = ["Paris", "Lyon", "Berlin", "Hamburg", "Munich", "Vienna", "Zurich", "Madrid",
          "Barcelona", "Lisbon", "Rome", "Milan", "Prague", "Warsaw", "Budapest", "Oslo",
          "Stockholm", "Copenhagen", "Helsinki", "Dublin", "Brussels", "Amsterdam", "Leipzig",
          "Marseille", "Bordeaux", "Toulouse"]
KNOWN = [f"Band {chr(65 + i)}{chr(97 + i)}" for i in range(24)]  # "Band Aa", "Band Bb", …
AMBIGUOUS = ["Echo", "Mirror", "Signal"]
UNKNOWN = ["Nobody Heard Of", "Zzyzx Road", "Not A Band"]


def mbid(n: int) -> str:
    return f"7a1b2c3d-0000-4000-8000-{n:012d}"


def homepage(name: str, n: int) -> tuple[str, str]:
    return "text/html", (f'<html><head><title>{name}</title></head><body><nav>'
                         f'<a href="/gen/{n}/">Home</a> <a href="/gen/{n}/tour/">Tour</a>'
                         "</nav><p>Official site.</p></body></html>")


def tour_page(name: str, n: int) -> tuple[str, str]:
    event = {"@context": "https://schema.org", "@type": "MusicEvent", "name": f"{name} live",
             "@id": f"/gen/{n}/tour/#1", "startDate": f"@@DAY+{10 + n}@@T20:00",
             "performer": {"@type": "MusicGroup", "name": name},
             "location": {"@type": "Place", "name": f"Hall {n}",
                          "address": {"@type": "PostalAddress", "addressLocality": CITIES[n]}}}
    return "text/html", (f'<html><head><script type="application/ld+json">{json.dumps(event)}'
                         "</script></head><body><h1>Tour</h1></body></html>")


@pytest.fixture(scope="module")
def world(tmp_path_factory, es_url):
    sites = Sites()
    with serve_sites(sites) as site:
        artists = []
        for n, name in enumerate([*KNOWN, "Extra One", "Extra Two"]):
            sites.pages[f"/gen/{n}/"] = homepage(name, n)
            sites.pages[f"/gen/{n}/tour/"] = tour_page(name, n)
            artists.append(Artist(mbid(n), name, [("official homepage", f"{site}/gen/{n}/")]))
        for n, name in enumerate(AMBIGUOUS, 100):
            artists += [Artist(mbid(n), name, country="GB"),
                        Artist(mbid(n + 50), name, country="US")]
        musicbrainz = FakeMusicBrainz(artists)
        listenbrainz = FakeListenBrainz({"listener": [
            ("Band Aa", mbid(0)), ("Extra One", mbid(24)), ("Extra Two", mbid(25))]})
        with handler_server(musicbrainz) as mb, handler_server(listenbrainz) as lb:
            tmp = tmp_path_factory.mktemp("import")
            alias = f"concerts-e2e-{uuid.uuid4().hex[:8]}"
            deployment = Deployment(f"sqlite:///{tmp / 'bandcrawler.db'}", es_url, alias)
            deployment.env.update(MUSICBRAINZ_API_URL=mb + "/ws/2", LISTENBRAINZ_API_URL=lb,
                                  MUSICBRAINZ_MIN_INTERVAL="0.01")
            names = tmp / "names.txt"
            names.write_text("# my bands\n" + "\n".join([*KNOWN, *AMBIGUOUS, *UNKNOWN]) + "\n")
            yield deployment, names, site, musicbrainz
    ConcertIndex(make_client(es_url), alias).drop()


def test_a_dry_run_registers_nothing(world):
    deployment, names, _site, _mb = world

    done = deployment.bandcrawler("band", "import", str(names), "--dry-run")

    assert "Dry run: nothing was registered." in done.stdout
    assert stored_types(deployment) == []


def test_importing_thirty_names_registers_the_known_and_lists_the_rest(world):
    deployment, names, site, musicbrainz = world

    done = deployment.bandcrawler("band", "import", str(names))

    assert "registered: 24" in done.stdout
    assert "ambiguous: 3" in done.stdout and "not found: 3" in done.stdout
    assert f"Echo (GB) [{mbid(100)}]; Echo (US) [{mbid(150)}]" in done.stdout
    for name in UNKNOWN:
        assert f"    {name}" in done.stdout
    bands = {b["name"]: b for b in deployment.bandcrawler_json("band", "list", "--status")}
    assert sorted(bands) == sorted(KNOWN)
    for n, name in enumerate(KNOWN):
        assert {(s["kind"], s["value"]) for s in bands[name]["status"]} == {
            ("musicbrainz", mbid(n)), ("website", f"{site}/gen/{n}/tour/")}
    assert all("bandcrawler/" in agent for agent in musicbrainz.user_agents)


def test_a_crawl_of_the_discovered_sources_finds_the_concerts(world):
    deployment, _names, _site, _mb = world

    deployment.crawl("jsonld")

    hits = deployment.bandcrawler_json("search", "--limit", "100")
    assert sorted(h["band"] for h in hits) == sorted(KNOWN)
    assert {h["venue"]["city"] for h in hits} == set(CITIES[:24])


def test_importing_again_changes_nothing(world):
    deployment, names, _site, _mb = world
    before = stored_types(deployment)

    done = deployment.bandcrawler("band", "import", str(names))

    assert "unchanged: 24" in done.stdout and "registered:" not in done.stdout
    assert stored_types(deployment) == before


def test_importing_a_listenbrainz_user_uses_their_mbids(world):
    deployment, _names, site, musicbrainz = world
    deployment.bandcrawler("band", "add", "Band Aa", "--mbid", mbid(0))  # known already
    asked = len(musicbrainz.paths)

    done = deployment.bandcrawler("band", "import", "--listenbrainz", "listener", "--top", "3")
    again = deployment.bandcrawler("band", "import", "--listenbrainz", "listener")

    assert "registered: 2" in done.stdout and "unchanged: 1" in done.stdout
    assert "unchanged: 3" in again.stdout
    bands = {b["name"]: b for b in deployment.bandcrawler_json("band", "list", "--status")}
    assert {(s["kind"], s["value"]) for s in bands["Extra Two"]["status"]} == {
        ("musicbrainz", mbid(25)), ("website", f"{site}/gen/25/tour/")}
    assert not any("query=" in path for path in musicbrainz.paths[asked:])  # no guessing
