"""End to end: what bandcrawler reports after a failure is true, and says what to do next."""

from __future__ import annotations

import json
import re
import sys
import uuid
from datetime import date, timedelta

import pytest

from bandcrawler.demo.devserver import DevElasticsearch
from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.support.commands import Deployment
from tests.support.servers import free_port, handler_server

DAY = date.today() + timedelta(days=40)


def music_event(name: str, location: object | None) -> dict:
    event = {"@type": "MusicEvent", "@id": f"https://band.example/shows/{name}",
             "name": name, "startDate": f"{DAY}T20:00"}
    if location is not None:
        event["location"] = location
    return event


def hall_in(city: str, country: str) -> dict:
    return {"@type": "Place", "name": f"{city} Hall",
            "address": {"@type": "PostalAddress", "addressLocality": city,
                        "addressCountry": country}}


def serve_page(events: list[dict]):
    body = (f'<html><head><script type="application/ld+json">{json.dumps(events)}</script>'
            "</head><body></body></html>").encode()

    def handle(request):
        if request.path != "/tour":
            request.send_error(404)
            return
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.end_headers()
        request.wfile.write(body)

    return handler_server(handle)


@pytest.fixture
def es_down(tmp_path):
    """A deployment whose Elasticsearch is not running (a free port, nothing listening)."""
    server = DevElasticsearch(tmp_path / "es")
    return Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", server.url, "concerts")


def test_resume_with_elasticsearch_still_down_fails_and_says_why_and_when(es_down):
    with serve_page([music_event("Paris", hall_in("Paris", "FR")),
                     music_event("Lyon", hall_in("Lyon", "FR"))]) as url:
        es_down.bandcrawler("band", "add", "The Band", "--website", f"{url}/tour")
        es_down.crawl("jsonld")

    resumed = es_down.bandcrawler("saga", "resume", check=False)

    assert resumed.returncode == 1, resumed
    assert "2 failed to index" in resumed.stdout
    assert resumed.stderr.strip().splitlines()[-1] == (
        "bandcrawler: error: 2 of the concert(s) tried still pending: "
        "index: unavailable: ConnectionError: connection refused")
    assert "Traceback" not in resumed.stderr
    status = es_down.bandcrawler("saga", "status").stdout
    assert status.splitlines()[-1].split("× ")[1] == (
        "index: unavailable: ConnectionError: connection refused")
    due = es_down.bandcrawler("saga", "resume", "--due", check=False)
    assert due.returncode == 0 and "Resumed 0 concert(s)" in due.stdout
    assert "Next retry due at 20" in due.stdout


def test_a_crawl_with_elasticsearch_down_says_so_in_one_readable_line(es_down):
    with serve_page([music_event("Paris", hall_in("Paris", "FR"))]) as url:
        es_down.bandcrawler("band", "add", "The Band", "--website", f"{url}/tour")
        crawl = es_down.crawl("jsonld")

    problems = [line for line in crawl.stderr.splitlines()
                if " ERROR: " in line or " WARNING: " in line or "Traceback" in line]
    assert len(problems) == 1, problems
    message = problems[0].split(" WARNING: ", 1)[1]
    assert message == ("Elasticsearch did not take 1 document(s): unavailable: ConnectionError: "
                       "connection refused; they stay pending (bandcrawler saga resume)")


def stat(crawl, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", crawl.stderr)
    return int(found.group(1)) if found else 0


ISLINGTON = "Upper Street, London N1 2UD, United Kingdom"  # valid schema.org: address as text


def test_a_concert_is_never_counted_located_without_a_place(tmp_path, es_url):
    alias = f"concerts-e2e-{uuid.uuid4().hex[:8]}"
    deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, alias)
    text_address = {"@type": "Place", "name": "Union Chapel", "address": ISLINGTON}
    with serve_page([music_event("Paris", hall_in("Paris", "FR")),
                     music_event("Islington", text_address),
                     music_event("Nowhere", None)]) as url:
        deployment.bandcrawler("band", "add", "The Band", "--website", f"{url}/tour")
        crawl = deployment.crawl("jsonld")
    try:
        docs = {d["title"]: d for d in deployment.bandcrawler_json("search", "--all")}
        status = deployment.bandcrawler_json("saga", "status")
    finally:
        ConcertIndex(make_client(es_url), alias).drop()

    assert set(docs) == {"Paris", "Islington", "Nowhere"}
    located = {title for title, doc in docs.items() if doc.get("location")}
    assert stat(crawl, "bandcrawler/geocode/ok") == len(located)
    assert stat(crawl, "bandcrawler/geocode/no_place") == 1 and "Nowhere" not in located
    # Reading a text address is the parser's work; until it can, the concert waits, saying why.
    unlocated = {"Islington"} - located
    assert stat(crawl, "bandcrawler/geocode/failed") == len(unlocated)
    assert status["pending"] == ({"geocode": 1} if unlocated else {})
    assert status["complete"] == 3 - len(unlocated)
    if unlocated:
        reason = status["reasons"][0]["reason"]
        assert reason.startswith(f"geocode: not_found: no city in {ISLINGTON!r}")


def test_a_site_that_is_down_or_missing_is_one_line_per_band_and_url(tmp_path, es_url):
    deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, "unused")
    down = f"http://127.0.0.1:{free_port()}/tour"  # nothing listens there
    deployment.bandcrawler("band", "add", "Down Band", "--website", down)
    with serve_page([]) as url:
        deployment.bandcrawler("band", "add", "Gone Band", "--website", f"{url}/moved")
        crawl = deployment.crawl("jsonld")

    problems = [line for line in crawl.stderr.splitlines()
                if " ERROR: " in line or " WARNING: " in line or "Traceback" in line]
    assert len(problems) == 2, problems
    assert any(f"Could not read {down} for Down Band: Connection" in line for line in problems)
    assert any(f"Could not read {url}/moved for Gone Band: HTTP 404" in line
               for line in problems), problems


@pytest.mark.parametrize("argument", ["bands=Kodiak Static", "start=x", "logger=x"])
def test_a_spider_argument_that_would_replace_its_own_attribute_is_refused(tmp_path, argument):
    deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", "http://127.0.0.1:9",
                            "unused")
    crawl = deployment.run(sys.executable, "-m", "scrapy", "crawl", "jsonld", "-a", argument,
                           check=False)

    assert crawl.returncode == 2
    assert "Traceback" not in crawl.stderr
    errors = [line for line in crawl.stderr.splitlines() if " ERROR: " in line]
    name = argument.split("=")[0]
    assert len(errors) == 1 and f"Spider argument {name!r} is not one jsonld takes" in errors[0]
    assert errors[0].endswith("the one it takes is -a band=NAME")
