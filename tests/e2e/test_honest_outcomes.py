"""End to end: what bandcrawler reports after a failure is true, and says what to do next."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bandcrawler.demo.devserver import DevElasticsearch
from tests.support.commands import Deployment
from tests.support.servers import handler_server

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
