"""`bandcrawler demo`: crawl the bundled band websites end to end and query the result."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config, project_settings
from bandcrawler.demo.devserver import DevElasticsearch, free_port
from bandcrawler.demo.server import DemoSite

DEMO_QUERIES = (
    ("Upcoming concerts within 100 km of Paris", {"near": "Paris", "radius_km": 100.0}),
    ("Upcoming concerts in Germany", {"country": "DE"}),
    ("Cancelled or postponed, anywhere", {"status": ("cancelled", "postponed")}),
)


def run_demo(directory: str, overrides: dict[str, Any]) -> int:
    work = Path(directory).absolute()
    _fresh(work)
    settings = project_settings({
        "BANDCRAWLER_DATABASE_URL": f"sqlite:///{work / 'bandcrawler.db'}",
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING",
        **overrides,
    })
    es_server = None
    own_server = not os.environ.get("ELASTICSEARCH_URL") and "ELASTICSEARCH_URL" not in overrides
    if not own_server and "BANDCRAWLER_INDEX" not in overrides:
        # Someone else's cluster: keep to an alias of the demo's own, which it may reset.
        settings.set("BANDCRAWLER_INDEX", "concerts-demo", priority="cmdline")
    if own_server:
        es_server = DevElasticsearch(work / "elasticsearch", port=free_port(9200))
        es_server.start()
        print(f"Local Elasticsearch-compatible server (noida-db) at {es_server.url}")
        settings.set("ELASTICSEARCH_URL", es_server.url, priority="cmdline")
    with DemoSite() as site:
        print(f"Serving the demo band websites at {site.url}")
        app = Bandcrawler(Config.from_settings(settings))
        try:
            # The database is new, so its stream versions start again: so must the index.
            dropped = app.read_model.index.drop()
            if dropped:
                print(f"Reset the demo's index {app.config.index_alias!r}")
            _register_demo_bands(app, site)
            stats = _crawl(settings)
            _report(app, stats)
        finally:
            app.close()
    _explain(settings, es_server, work)
    return 0


def _fresh(work: Path) -> None:
    """A new database each run; the Elasticsearch data dir is reused (its server may run)."""
    work.mkdir(parents=True, exist_ok=True)
    for name in ("bandcrawler.db", "bandcrawler.db-wal", "bandcrawler.db-shm"):
        (work / name).unlink(missing_ok=True)
    shutil.rmtree(work / "tmp", ignore_errors=True)


def _register_demo_bands(app: Bandcrawler, site: DemoSite) -> None:
    from bandcrawler.services.bands import register_band

    for band in site.bands():
        register_band(app.store, app.write_model, band["name"],
                      [("website", site.url + band["website"])])


def _crawl(settings) -> dict[str, Any]:
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(settings)
    crawler = process.create_crawler("jsonld")
    process.crawl(crawler)
    process.start()
    return crawler.stats.get_stats() if crawler.stats else {}


def _report(app: Bandcrawler, stats: dict[str, Any]) -> None:
    from sqlalchemy import func, select

    from bandcrawler.search.queries import search
    from bandcrawler.store.tables import concerts

    with app.engine.connect() as conn:
        persisted = conn.execute(select(func.count()).select_from(concerts)).scalar()
    dropped = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
               if k.startswith("bandcrawler/dropped/")}
    saga = app.saga.summary()
    print("\nCrawl summary")
    print(f"  pages crawled         {stats.get('bandcrawler/pages', 0)}")
    print(f"  items scraped         {stats.get('item_scraped_count', 0)}")
    print(f"  items dropped         {sum(dropped.values())} {dropped or ''}")
    print(f"  concerts              {persisted}")
    print(f"  domain events         {app.store.last_position()} in the store "
          f"({stats.get('bandcrawler/events/appended', 0)} appended by this crawl)")
    print(f"  geocoded              {stats.get('bandcrawler/geocode/ok', 0)} ok, "
          f"{stats.get('bandcrawler/geocode/failed', 0)} failed, "
          f"{stats.get('bandcrawler/geocode/no_place', 0)} with no place")
    print(f"  indexed               {stats.get('bandcrawler/index/indexed', 0)} ok, "
          f"{stats.get('bandcrawler/index/failed', 0)} failed")
    print(f"  saga                  {saga['complete']} complete, "
          f"{saga['concerts'] - saga['complete']} pending {saga['pending'] or ''}")
    app.read_model.index.refresh()
    for title, query in DEMO_QUERIES:
        hits = []
        for status in _as_tuple(query.get("status")):
            filters = _filters(app, query, status)
            hits += search(app.elasticsearch, app.config.index_alias, filters)
        _print_hits(title, hits)


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _filters(app: Bandcrawler, query: dict[str, Any], status: str | None):
    from bandcrawler.search.queries import SearchFilters

    lat = lon = None
    if query.get("near"):
        place = app.locator.locate_place(query["near"])
        lat, lon = place.latitude, place.longitude
    return SearchFilters(lat=lat, lon=lon, radius_km=query.get("radius_km", 100.0),
                         date_from=date.today(), country=query.get("country"), status=status,
                         limit=50)


def _print_hits(title: str, hits) -> None:
    from bandcrawler.cli.output import format_hits

    print(f"\n{title}: {len(hits)}")
    print("  " + format_hits(hits).replace("\n", "\n  "))


def _explain(settings, es_server: DevElasticsearch | None, work: Path) -> None:
    es_url, alias = settings.get("ELASTICSEARCH_URL"), settings.get("BANDCRAWLER_INDEX")
    db_url = settings.get("BANDCRAWLER_DATABASE_URL")
    print(f"""
The database is {work / 'bandcrawler.db'}; Elasticsearch is at {es_url} (alias {alias!r}).
Query it yourself:
  curl -s '{es_url}/{alias}/_search?q=band:*&size=3&pretty'
  export BANDCRAWLER_DATABASE_URL='{db_url}' ELASTICSEARCH_URL='{es_url}'
  bandcrawler search --near Paris --radius 100km
  bandcrawler search --country DE --json
  bandcrawler saga status""")
    if es_server is not None:
        print(f"Stop the local Elasticsearch server with:\n  {es_server.stop_command}")
