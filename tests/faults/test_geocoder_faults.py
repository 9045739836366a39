"""Scenario 3: the geocoder times out, throttles (429 + Retry-After), fails (5xx), answers
garbage or nothing. Concerts are recorded and persisted with the step pending and its reason;
resume completes them once it answers; the rate limit holds throughout (counted at the server).
"""

from __future__ import annotations

import itertools
import json
import threading
import time

from tests.faults.conftest import FULL, drop_index, new_deployment, snapshot
from tests.support.servers import handler_server

MIN_DELAY = 0.25  # BANDCRAWLER_GEOCODER_MIN_DELAY: at most 4 requests a second
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


def test_a_failing_geocoder_leaves_steps_pending_with_reasons_and_resume_completes_them(
        tmp_path, es_url, generated_site, reference):
    geocoder = FakeNominatim()
    with handler_server(geocoder) as url:
        deployment = new_deployment(tmp_path, es_url)
        deployment.env.update({
            "BANDCRAWLER_GEOCODER": "nominatim",
            "BANDCRAWLER_GEOCODER_OPTIONS": json.dumps(
                {"domain": url.removeprefix("http://"), "scheme": "http", "timeout": 1}),
            "BANDCRAWLER_GEOCODER_MIN_DELAY": str(MIN_DELAY),
        })
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
            # Limited to one request per MIN_DELAY (one more for a window's edges).
            FIGURES["requests"] = len(geocoder.times)
            FIGURES["busiest second"] = geocoder.busiest_second()
            assert geocoder.busiest_second() <= 1 / MIN_DELAY + 1, geocoder.busiest_second()
        finally:
            drop_index(deployment)
