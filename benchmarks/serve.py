"""Benchmark 7, serve: `bandcrawler serve`'s page and API search answers, side by side with the
raw Elasticsearch query they make (the official client, the same query from
`search/queries.py`, on the same server and index), one client and then 10 at once.

Targets: serve adds at most 20% over the raw query at the median and at p95, one client and
10 concurrent; the page's first response is under 100 KB (before the map library and tiles).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx

from bandcrawler.demo.devserver import free_port, wait_for_http
from bandcrawler.search.bulk import BulkIndexer
from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from bandcrawler.search.queries import SearchFilters, build_query
from benchmarks.support import ROOT, Report, Target, arguments, elasticsearch, say

FULL = {"concerts": 100_000, "requests": 300}
QUICK = {"concerts": 1_000, "requests": 20}
CLIENTS = 10
PARIS = (48.85341, 2.3488)  # where the offline geocoder puts "Paris"
CITIES = [("Paris", "FR", 48.8566, 2.3522), ("Lyon", "FR", 45.7640, 4.8357),
          ("Berlin", "DE", 52.5200, 13.4050), ("Hamburg", "DE", 53.5511, 9.9937),
          ("Madrid", "ES", 40.4168, -3.7038), ("Milano", "IT", 45.4642, 9.1900),
          ("Praha", "CZ", 50.0755, 14.4378), ("Wien", "AT", 48.2082, 16.3738),
          ("Amsterdam", "NL", 52.3676, 4.9041), ("Lille", "FR", 50.6292, 3.0573),
          ("Saint-Denis", "FR", 48.9362, 2.3574), ("Versailles", "FR", 48.8049, 2.1204)]
# (what the page or API is asked, the same search as SearchFilters)
SEARCHES = {
    "page": ("/?near=Paris&radius=100km",
             SearchFilters(lat=PARIS[0], lon=PARIS[1], radius_km=100, date_from=date.today())),
    "api": ("/api/concerts?near=Paris&radius=100km",
            SearchFilters(lat=PARIS[0], lon=PARIS[1], radius_km=100, date_from=date.today())),
    "api_by_date": ("/api/concerts?country=DE",
                    SearchFilters(country="DE", date_from=date.today())),
}


def documents(count: int):
    """Concerts spread evenly over western and central Europe (35..60 N, 10 W..25 E), so
    that "within 100 km of Paris" is a few hundred of 100,000, as in real listings."""
    rng = random.Random(7)
    for n in range(count):
        city, country, _, _ = rng.choice(CITIES)
        day = (date.today() + timedelta(days=rng.randrange(365))).isoformat()
        yield {
            "concert_id": f"c{n:07}", "band_id": f"b{n % 5000}", "band": f"Band {n % 5000}",
            "title": f"Band {n % 5000} live in {city}", "local_date": day,
            "local_time": f"{18 + n % 4}:{(n % 2) * 30:02}", "timezone": "Europe/Paris",
            "status": "cancelled" if n % 20 == 0 else "scheduled", "listed": True,
            "venue": {"name": f"Hall {n % 300}", "city": city, "country": country},
            "location": {"lat": rng.uniform(35, 60), "lon": rng.uniform(-10, 25)},
            "geo_precision": "venue", "lineup": [f"Band {n % 5000}"],
            "url": f"https://band{n % 5000}.example/tour", "sources": ["jsonld"],
            "updated_at": "2026-11-01T10:00:00+00:00", "version": 1}


def fill(es_url: str, alias: str, count: int) -> None:
    client = make_client(es_url, request_timeout=120)
    index = ConcertIndex(client, alias)
    index.ensure()
    indexer = BulkIndexer(client, alias)
    failed = 0
    for doc in documents(count):
        indexer.add(doc["concert_id"], doc["version"], doc)
        if indexer.pending() >= 2000:
            failed += len(indexer.flush().failed)
    failed += len(indexer.flush().failed)
    index.refresh()
    found = client.count(index=alias)["count"]
    client.close()
    if failed or found != count:
        raise RuntimeError(f"indexed {found} of {count} concerts ({failed} failed)")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def timed(call, count: int, clients: int) -> list[float]:
    """Latencies in ms of `count` calls from `clients` threads at once."""
    def one(_):
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(count)))


def measure(es_url: str, alias: str, base: str, requests: int) -> tuple[dict, list[Target]]:
    es = make_client(es_url)
    figures: dict = {}
    targets: list[Target] = []
    http = httpx.Client(base_url=base, timeout=60,
                        limits=httpx.Limits(max_connections=CLIENTS * 2))
    page = http.get(SEARCHES["page"][0])
    figures["page first response bytes"] = len(page.content)
    targets.append(Target("page_kb", len(page.content) / 1000, "<=", 100))
    for name, (path, filters) in SEARCHES.items():
        query = build_query(filters)

        def raw(query=query):
            es.search(index=alias, **query)

        def served(path=path):
            if http.get(path).status_code != 200:
                raise RuntimeError(f"{path} did not answer 200")

        for clients in (1, CLIENTS):
            timed(raw, 5, clients), timed(served, 5, clients)  # warm up
            raw_ms, serve_ms = [], []
            for _ in range(3):  # interleaved rounds: both see the same machine
                raw_ms += timed(raw, requests // 3, clients)
                serve_ms += timed(served, requests // 3, clients)
            label = f"{name} x{clients}"
            for stat, pick in (("median", statistics.median),
                               ("p95", lambda v: percentile(v, 95))):
                figures[f"{label} raw {stat} ms"] = pick(raw_ms)
                figures[f"{label} serve {stat} ms"] = pick(serve_ms)
                targets.append(Target(f"{name}_x{clients}_{stat}_ratio",
                                      pick(serve_ms) / pick(raw_ms), "<=", 1.2))
            say(f"{label}: raw median {statistics.median(raw_ms):.1f} ms, "
                f"serve median {statistics.median(serve_ms):.1f} ms")
    http.close()
    es.close()
    return figures, targets


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=1, extra=lambda parser: parser.add_argument(
        "--concerts", type=int, help=f"how many (default {FULL['concerts']:,}, "
                                     f"{QUICK['concerts']:,} with --quick)"))
    sizes = dict(QUICK if args.quick else FULL)
    sizes["concerts"] = args.concerts or sizes["concerts"]
    alias = f"bench-serve-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp, \
            elasticsearch() as es_url:
        say(f"indexing {sizes['concerts']:,} concerts")
        started = time.perf_counter()
        fill(es_url, alias, sizes["concerts"])
        say(f"indexed in {time.perf_counter() - started:.0f}s; starting bandcrawler serve")
        port = free_port()
        env = {**os.environ, "ELASTICSEARCH_URL": es_url, "BANDCRAWLER_INDEX": alias,
               "BANDCRAWLER_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bandcrawler.db'}"}
        server = subprocess.Popen([sys.executable, "-m", "bandcrawler", "serve", "--port",
                                   str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_http(base + "/static/site.css", timeout=60)
            figures, targets = measure(es_url, alias, base, sizes["requests"])
        finally:
            server.terminate()
            server.wait(30)
            client = make_client(es_url)
            ConcertIndex(client, alias).drop()
            client.close()
    report = Report("serve", args, {**sizes, "clients": CLIENTS})
    report.figures = figures
    report.targets = targets
    report.emit()


if __name__ == "__main__":
    main()
