"""Scenario 3: the geocoder times out, throttles (429 + Retry-After), fails (5xx), answers
garbage or nothing. Concerts are recorded and persisted with the step pending and its reason;
resume completes them once it answers; the rate limit holds throughout (counted at the server).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.faults.conftest import (
    FULL,
    assert_same_state,
    drop_index,
    new_deployment,
    snapshot,
)
from tests.support.servers import handler_server

MIN_DELAY = 0.1  # BANDCRAWLER_GEOCODER_MIN_DELAY: at most 10 requests a second
FAILURES = ["timeout", "429", "500", "503", "garbage", "truncated", "html"]
FIGURES: dict[str, float] = {}


class FakeNominatim:
    """Answers like Nominatim's /search, failing as told; records when each request came."""

    def __init__(self):
        self.mode = "fail"
        self.times: list[float] = []
        self._kinds = itertools.cycle(FAILURES)
        self._lock = threading.Lock()

    def __call__(self, request):
        with self._lock:
            self.times.append(time.monotonic())
            kind = next(self._kinds) if self.mode == "fail" else "answer"
        if kind == "timeout":
            time.sleep(1.5)
        if kind in ("429", "500", "503"):
            request.send_response(int(kind))
            request.send_header("Retry-After", "1")
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        body = {"garbage": b"\x00\xff{{{", "truncated": b'[{"lat": "48.8', "timeout": b"[]",
                "html": b"<html>Bad Gateway</html>"}.get(kind)
        if body is None:
            body = json.dumps([{"lat": "50.0", "lon": "10.0", "display_name": "Somewhere",
                                "class": "place", "type": "city",
                                "addresstype": "city"}]).encode()
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def busiest_second(self) -> int:
        return max((sum(1 for u in self.times if t <= u < t + 1) for t in self.times), default=0)


def nominatim_at(url: str, *, timeout: float, min_delay: float) -> dict[str, str]:
    """The settings of a crawl that geocodes with the fake Nominatim at `url`."""
    return {"BANDCRAWLER_GEOCODER": "nominatim",
            "BANDCRAWLER_GEOCODER_OPTIONS": json.dumps(
                {"domain": url.removeprefix("http://"), "scheme": "http", "timeout": timeout}),
            "BANDCRAWLER_GEOCODER_MIN_DELAY": str(min_delay)}


def test_a_failing_geocoder_leaves_steps_pending_with_reasons_and_resume_completes_them(
        tmp_path, es_url, generated_site, reference):
    geocoder = FakeNominatim()
    with handler_server(geocoder) as url:
        deployment = new_deployment(tmp_path, es_url)
        deployment.env.update(nominatim_at(url, timeout=1, min_delay=MIN_DELAY))
        # One band (all of them with BANDCRAWLER_FAULTS_FULL=1): failures are not cached, so
        # each concert meets the slow, rate-limited geocoder.
        bands = generated_site.bands if FULL else generated_site.bands[:1]
        for name, website in bands:
            deployment.bandcrawler("band", "add", name, "--website", website)
        expected = {cid for cid, row in reference["concerts"].items()
                    if row["band"] in {name for name, _ in bands}}
        started = time.monotonic()
        crawl = deployment.crawl("jsonld")
        FIGURES["failing seconds"] = round(time.monotonic() - started, 1)
        try:
            assert "Traceback" not in crawl.stderr
            status = deployment.bandcrawler_json("saga", "status")
            assert status["concerts"] == len(expected)
            assert status["pending"].get("geocode", 0) > 0, status
            assert all(r["reason"] for r in status["reasons"])
            state = snapshot(deployment)
            assert set(state["concerts"]) == expected  # all persisted
            assert set(state["documents"]) == expected  # and indexed

            geocoder.mode = "answer"
            deployment.bandcrawler("saga", "resume")
            done = deployment.bandcrawler_json("saga", "status")
            assert done["complete"] == len(expected), done
            final = snapshot(deployment)
            assert set(final["concerts"]) == expected
            assert all(d["location"] for _, d in final["documents"].values())
            # The limiter spaces the calls it sends by MIN_DELAY; they are counted where they
            # arrive: one more for a window's edges, one more for a request that arrives
            # late, close to the next (seen on loaded machines). Without the limiter this
            # local server answers hundreds a second.
            FIGURES["requests"] = len(geocoder.times)
            FIGURES["busiest second"] = geocoder.busiest_second()
            assert geocoder.busiest_second() <= 1 / MIN_DELAY + 2, geocoder.busiest_second()
        finally:
            drop_index(deployment)


class LearningNominatim:
    """Answers like Nominatim from a table of cities, with `[]` (no result) for the cities
    it does not know yet; counts its requests."""

    def __init__(self, cities: dict[str, dict], unknown: set[str]):
        self.cities, self.unknown = cities, unknown
        self.requests = 0

    def __call__(self, request):
        self.requests += 1
        query = parse_qs(urlsplit(request.path).query).get("q", [""])[0].casefold()
        known = [city for city in self.cities
                 if city.casefold() in query and city not in self.unknown]
        body = json.dumps([{**self.cities[city], "display_name": city, "class": "place",
                            "type": "city", "addresstype": "city"} for city in known[:1]])
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body.encode())))
        request.end_headers()
        request.wfile.write(body.encode())


def _without_failures(state: dict[str, Any], ids: set[str]) -> dict[str, Any]:
    """`state` restricted to `ids`, as if no ConcertGeocodingFailed had been recorded (such
    events are the one difference a recovered "not found" may leave behind)."""
    failed = {stream: sum(1 for _, t in versions if t == "ConcertGeocodingFailed")
              for stream, versions in state["streams"].items()}
    by_id = {stream.split("-", 1)[1]: n for stream, n in failed.items()}
    streams = {stream: list(enumerate((t for _, t in versions
                                       if t != "ConcertGeocodingFailed"), 1))
               for stream, versions in state["streams"].items()
               if stream.split("-", 1)[1] in ids}
    concerts = {cid: {**row, "version": row["version"] - by_id.get(cid, 0)}
                for cid, row in state["concerts"].items() if cid in ids}
    documents = {cid: (version - by_id.get(cid, 0),
                       {**doc, "version": doc["version"] - by_id.get(cid, 0)})
                 for cid, (version, doc) in state["documents"].items() if cid in ids}
    sagas = {cid: s for cid, s in state["sagas"].items() if cid in ids}
    return {"concerts": concerts, "streams": streams, "documents": documents, "sagas": sagas}


def test_a_place_the_geocoder_does_not_know_waits_out_its_ttl_then_resume_completes_it(
        tmp_path, es_url, generated_site, reference):
    # The fake answers each city where the reference (offline GeoNames) put it.
    cities = {row["venue_city"]: {"lat": str(row["latitude"]), "lon": str(row["longitude"]),
                                  "address": {"country_code": row["venue_country"].lower()}}
              for row in reference["concerts"].values()}
    geocoder = LearningNominatim(cities, unknown={"Praha"})
    name, website = generated_site.bands[0]
    expected = {cid for cid, row in reference["concerts"].items() if row["band"] == name}
    unknown = {cid for cid in expected if reference["concerts"][cid]["venue_city"] == "Praha"}
    with handler_server(geocoder) as url:
        deployment = new_deployment(tmp_path, es_url)
        deployment.env.update(nominatim_at(url, timeout=2, min_delay=0.02))
        deployment.env["BANDCRAWLER_GEOCODER_MISS_TTL"] = "3600"
        deployment.bandcrawler("band", "add", name, "--website", website)
        try:
            deployment.crawl("jsonld")
            status = deployment.bandcrawler_json("saga", "status")
            assert status["pending"] == {"geocode": len(unknown)}, status
            assert [r["reason"].split(" for ")[0] for r in status["reasons"]] == [
                "geocode: not_found: no match"] * len(unknown), status["reasons"]
            state = snapshot(deployment)
            assert set(state["concerts"]) == set(state["documents"]) == expected

            # Within the TTL, resume asks the cache, not the geocoder, even once it knows.
            geocoder.unknown.clear()
            asked = geocoder.requests
            # Still pending after it: resume says so with its exit code.
            assert deployment.bandcrawler("saga", "resume", check=False).returncode == 1
            assert geocoder.requests == asked
            assert deployment.bandcrawler_json("saga", "status")["pending"] == status["pending"]

            # Past the TTL (a one-second TTL, a second later), resume asks and completes.
            deployment.env["BANDCRAWLER_GEOCODER_MISS_TTL"] = "1"
            time.sleep(1.1)
            deployment.bandcrawler("saga", "resume")
            assert geocoder.requests == asked + len(unknown)  # one (detailed) query each
            FIGURES["not found, then resumed"] = len(unknown)
            assert_same_state(_without_failures(snapshot(deployment), expected),
                              _without_failures(reference, expected))
        finally:
            drop_index(deployment)
