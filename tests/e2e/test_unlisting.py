"""End to end: a concert that a complete crawl no longer finds is unlisted, never deleted;
a crawl that could not read the whole listing unlists nothing."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.support.commands import Deployment
from tests.support.servers import handler_server

CITIES = {"A": "Paris", "B": "Lyon", "C": "Lille"}


def page(events: list[str], next_page: str | None = None) -> bytes:
    day = date.today() + timedelta(days=30)
    graph = [{"@type": "MusicEvent", "@id": f"https://band.example/shows/{name}",
              "name": f"Show {name}", "startDate": f"{day + timedelta(days=i)}T20:00",
              "location": {"@type": "Place", "name": f"Hall {name}",
                           "address": {"@type": "PostalAddress",
                                       "addressLocality": CITIES[name], "addressCountry": "FR"}}}
             for i, name in enumerate(events)]
    link = f'<a rel="next" href="{next_page}">Next</a>' if next_page else ""
    return (f'<html><head><script type="application/ld+json">{json.dumps(graph)}</script>'
            f"</head><body>{link}</body></html>").encode()


class Site:
    """A band site whose pages the test rewrites between crawls; a page may answer 500."""

    def __init__(self):
        self.pages: dict[str, bytes | int] = {}

    def __call__(self, request):
        body = self.pages.get(request.path, 404)
        if isinstance(body, int):
            request.send_error(body)
            return
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.end_headers()
        request.wfile.write(body)


@pytest.fixture
def band_site(tmp_path, es_url):
    site = Site()
    site.pages = {"/tour": page(["A", "B"], "/tour-2"), "/tour-2": page(["C"])}
    alias = f"concerts-e2e-{uuid.uuid4().hex[:8]}"
    with handler_server(site) as url:
        deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, alias)
        deployment.bandcrawler("band", "add", "The Band", "--website", f"{url}/tour")
        deployment.crawl("jsonld")
        yield site, deployment
    ConcertIndex(make_client(es_url), alias).drop()


def listed(deployment: Deployment) -> dict[str, bool]:
    hits = deployment.bandcrawler_json("search", "--all", "--limit", "100")
    return {h["venue"]["name"]: h["listed"] for h in hits}


def test_a_clean_crawl_unlists_what_the_source_no_longer_lists(band_site):
    site, deployment = band_site
    assert listed(deployment) == {"Hall A": True, "Hall B": True, "Hall C": True}
    site.pages["/tour"] = page(["A"], "/tour-2")

    crawl = deployment.crawl("jsonld")

    assert "'bandcrawler/concerts/unlisted': 1" in crawl.stderr
    assert listed(deployment) == {"Hall A": True, "Hall B": False, "Hall C": True}
    hall_b = deployment.bandcrawler_json("search", "--all", "--text", "Hall B")[0]
    assert hall_b["status"] == "scheduled"  # unlisted is not cancelled
    assert deployment.bandcrawler_json("saga", "status")["complete"] == 3


def test_a_crawl_that_could_not_read_every_page_unlists_nothing(band_site):
    site, deployment = band_site
    site.pages["/tour"] = page(["A"], "/tour-2")
    site.pages["/tour-2"] = 500

    crawl = deployment.crawl("jsonld")

    assert "bandcrawler/concerts/unlisted" not in crawl.stderr
    assert listed(deployment) == {"Hall A": True, "Hall B": True, "Hall C": True}


def test_a_concert_listed_again_is_listed_again(band_site):
    site, deployment = band_site
    site.pages["/tour"] = page(["A"], "/tour-2")
    deployment.crawl("jsonld")
    site.pages["/tour"] = page(["A", "B"], "/tour-2")

    deployment.crawl("jsonld")

    assert listed(deployment) == {"Hall A": True, "Hall B": True, "Hall C": True}


def test_search_hides_unlisted_concerts_unless_asked_and_marks_them(band_site):
    site, deployment = band_site
    site.pages["/tour"] = page(["A"], "/tour-2")
    deployment.crawl("jsonld")

    def venues(*args: str) -> list[str]:
        return sorted(h["venue"]["name"] for h in deployment.bandcrawler_json("search", *args))

    assert venues() == venues("--listed") == ["Hall A", "Hall C"]
    assert venues("--unlisted") == ["Hall B"]
    assert venues("--all") == ["Hall A", "Hall B", "Hall C"]
    assert [h["listed"] for h in deployment.bandcrawler_json("search", "--unlisted")] == [False]
    table = deployment.bandcrawler("search", "--all").stdout.splitlines()
    rows = {name: row for row in table for name in ("Hall A", "Hall B") if name in row}
    assert rows["Hall B"].endswith("scheduled (unlisted)")
    assert rows["Hall A"].endswith("scheduled")
    both = deployment.bandcrawler("search", "--listed", "--unlisted", check=False)
    assert both.returncode == 2 and "not allowed with" in both.stderr
