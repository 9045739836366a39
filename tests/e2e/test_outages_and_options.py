"""End to end: Elasticsearch down during a crawl, one band only, bad arguments and settings."""

from __future__ import annotations

import json
import sys
import uuid

import pytest

from bandcrawler.demo.devserver import DevElasticsearch
from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.e2e.conftest import register_demo_bands
from tests.support.commands import Deployment
from tests.support.servers import handler_server


def test_with_elasticsearch_down_the_crawl_finishes_and_resume_completes_it(tmp_path, site):
    server = DevElasticsearch(tmp_path / "es")  # a free port, nothing listening yet
    deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", server.url,
                            "concerts")
    register_demo_bands(deployment, site)

    crawl = deployment.crawl("jsonld")

    status = deployment.bandcrawler_json("saga", "status")
    assert status["concerts"] == 42 and status["complete"] == 0
    assert status["pending"] == {"index": 42}
    assert all("unavailable" in r["reason"] for r in status["reasons"])
    assert "Traceback" not in crawl.stderr
    server.start()
    try:
        resumed = deployment.bandcrawler("saga", "resume")
        assert "42 indexed" in resumed.stdout
        assert deployment.bandcrawler_json("saga", "status")["complete"] == 42
        index = ConcertIndex(make_client(server.url), "concerts")
        index.refresh()
        assert len(index.documents()) == 42
        assert "0 concert(s)" in deployment.bandcrawler("saga", "resume").stdout
    finally:
        server.stop()


def test_the_band_argument_limits_the_crawl_to_that_band(tmp_path, site, es_url):
    alias = f"concerts-e2e-{uuid.uuid4().hex[:8]}"
    deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, alias)
    register_demo_bands(deployment, site)
    deployment.crawl("jsonld", "-a", "band=Kodiak Static")
    try:
        hits = deployment.bandcrawler_json("search", "--from", "2000-01-01", "--limit", "100")
        assert len(hits) == 10 and {h["band"] for h in hits} == {"Kodiak Static"}
    finally:
        ConcertIndex(make_client(es_url), alias).drop()


def test_band_add_is_idempotent_and_a_second_website_adds_a_source(tmp_path, es_url):
    deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, "unused")
    deployment.bandcrawler("band", "add", "Nightjar Radio", "--website", "https://a.example/")
    again = deployment.bandcrawler("band", "add", "Nightjar Radio", "--website",
                                   "https://a.example/")
    assert "already registered" in again.stdout
    deployment.bandcrawler("band", "add", "Nightjar Radio", "--website", "https://b.example/")
    assert deployment.bandcrawler_json("band", "list") == [{
        "band_id": "nightjar-radio", "name": "Nightjar Radio",
        "sources": {"website": ["https://a.example/", "https://b.example/"]}}]


def test_bad_arguments_get_one_line_and_exit_code_2(tmp_path, es_url):
    deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, "unused")
    for args in (("search", "--radius", "far"), ("search", "--from", "tomorrow"),
                 ("search", "--lat", "48.8"), ("frobnicate",), ("band", "add")):
        done = deployment.bandcrawler(*args, check=False)
        assert done.returncode == 2, args
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stderr.startswith("bandcrawler"), done.stderr


@pytest.mark.parametrize(("spider", "setting", "says"), [
    ("jsonld", ("BANDCRAWLER_MAX_ITEMS_IN_FLIGHT", "abc"),
     "BANDCRAWLER_MAX_ITEMS_IN_FLIGHT must be a number, got 'abc'"),
    ("bandsintown", ("BANDCRAWLER_RETRY_AFTER_MAX", "soon"),
     "BANDCRAWLER_RETRY_AFTER_MAX must be a number, got 'soon'"),
    ("ical", ("ELASTICSEARCH_TIMEOUT", "-1"), "ELASTICSEARCH_TIMEOUT must be at least"),
], ids=["items-in-flight", "retry-after-max", "elasticsearch-timeout"])
def test_a_setting_that_cannot_work_stops_the_crawl_with_one_line_and_exit_code_1(
        tmp_path, spider, setting, says):
    deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", "http://127.0.0.1:9",
                            "unused")
    deployment.env[setting[0]] = setting[1]

    crawl = deployment.run(sys.executable, "-m", "scrapy", "crawl", spider, check=False)

    assert crawl.returncode == 1, crawl.stderr[-3000:]
    assert "Traceback" not in crawl.stderr
    errors = [line for line in crawl.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and says in errors[0], errors
    assert not (tmp_path / "bandcrawler.db").exists()  # stopped before the store was opened


def test_a_database_that_cannot_be_reached_stops_the_crawl_with_one_line_and_exit_code_1(
        tmp_path):
    deployment = Deployment("postgresql://bandcrawler:s3cret-pw@127.0.0.1:9/nowhere",
                            "http://127.0.0.1:9", "unused")

    crawl = deployment.run(sys.executable, "-m", "scrapy", "crawl", "jsonld", check=False)

    assert crawl.returncode == 1, crawl.stderr[-3000:]
    assert "Traceback" not in crawl.stderr
    assert "s3cret-pw" not in crawl.stderr + crawl.stdout
    errors = [line for line in crawl.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and "database: " in errors[0] and "127.0.0.1" in errors[0], errors


def test_with_the_geocoder_failing_concerts_are_kept_and_resume_locates_them(
        tmp_path, site, es_url):
    answers = {"mode": "fail"}

    def nominatim(request):
        if answers["mode"] == "fail":
            request.send_error(503)
            return
        body = json.dumps([{"lat": "48.8566", "lon": "2.3522", "display_name": "Somewhere",
                            "class": "place", "type": "city", "addresstype": "city"}])
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.end_headers()
        request.wfile.write(body.encode())

    alias = f"concerts-e2e-{uuid.uuid4().hex[:8]}"
    with handler_server(nominatim) as geocoder_url:
        deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, alias)
        deployment.env.update({
            "BANDCRAWLER_GEOCODER": "nominatim",
            "BANDCRAWLER_GEOCODER_OPTIONS": json.dumps(
                {"domain": geocoder_url.removeprefix("http://"), "scheme": "http"}),
            "BANDCRAWLER_GEOCODER_MIN_DELAY": "0",
            "ELASTICSEARCH_PASSWORD": "do-not-print-me",
        })
        register_demo_bands(deployment, site)
        crawl = deployment.crawl("jsonld")
        try:
            status = deployment.bandcrawler_json("saga", "status")
            assert status["concerts"] == 42
            assert status["pending"]["geocode"] > 0
            assert any("unavailable" in r["reason"] for r in status["reasons"])
            assert "do-not-print-me" not in crawl.stderr + crawl.stdout
            persisted = deployment.bandcrawler_json("search", "--from", "2000-01-01",
                                                    "--limit", "100")
            assert len(persisted) == 42  # recorded, persisted and indexed all the same

            answers["mode"] = "answer"
            deployment.bandcrawler("saga", "resume")
            assert deployment.bandcrawler_json("saga", "status")["complete"] == 42
        finally:
            ConcertIndex(make_client(es_url), alias).drop()
