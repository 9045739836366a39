"""`bandcrawler demo`: crawl the bundled band websites end to end and query the result."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config, project_settings
from bandcrawler.demo.devserver import DevElasticsearch, free_port
from bandcrawler.demo.mailsink import MailSink
from bandcrawler.demo.server import DemoSite

DEMO_QUERIES = (
    ("Upcoming concerts within 100 km of Paris", {"near": "Paris", "radius_km": 100.0}),
    ("Upcoming concerts in Germany", {"country": "DE"}),
    ("Cancelled or postponed, anywhere", {"status": ("cancelled", "postponed")}),
)


DEMO_META = {"demo": True}


def run_demo(directory: str, overrides: dict[str, Any],
             serve_at: tuple[str, int] | None = None) -> int:
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
    with DemoSite() as site, MailSink(work / "mail") as inbox:
        print(f"Serving the demo band websites at {site.url}")
        settings.set("BANDCRAWLER_SMTP_URL", inbox.url, priority="cmdline")
        app = Bandcrawler(Config.from_settings(settings))
        try:
            # The database is new, so its stream versions start again: so must the index.
            dropped = app.read_model.index.drop()
            if dropped:
                print(f"Reset the demo's index {app.config.index_alias!r}")
            _register_demo_bands(app, site)

            def between(stats: dict[str, Any]) -> None:
                _report(app, stats)
                _watch_and_change(app, site)

            _crawl(settings, between)
            _report_alerts(app, inbox, work)
            if serve_at:  # the demo site stays up too: the concerts link to it
                from bandcrawler.web.serve import serve_forever
                from bandcrawler.web.settings import WebSettings

                _explain(settings, es_server, work)
                print(f"The demo site stays up at {site.url} meanwhile: `scrapy crawl jsonld` "
                      "(with the BANDCRAWLER_DATABASE_URL above) crawls its bands again.")
                serve_forever(app, WebSettings.from_settings(settings), *serve_at)
        finally:
            app.close()
    if not serve_at:
        _explain(settings, es_server, work)
        print("The demo site is no longer served, so its bands cannot be crawled again; "
              "`bandcrawler demo --serve` keeps it up.")
    return 0


def _fresh(work: Path) -> None:
    """A new database each run, unless it holds what the demo did not put there (it told the
    user to use it); the Elasticsearch data dir is reused (its server may run)."""
    work.mkdir(parents=True, exist_ok=True)
    foreign = _not_the_demos(work / "bandcrawler.db")
    if foreign:
        from bandcrawler.cli.handlers import UserError

        raise UserError(
            f"{work / 'bandcrawler.db'} holds bands the demo did not register or change "
            f"({', '.join(foreign[:5])}{', …' if len(foreign) > 5 else ''}); the demo will "
            "not delete it. Run it with another --dir, or delete that file yourself.")
    for name in ("bandcrawler.db", "bandcrawler.db-wal", "bandcrawler.db-shm"):
        (work / name).unlink(missing_ok=True)
    shutil.rmtree(work / "tmp", ignore_errors=True)


def _not_the_demos(database: Path) -> list[str]:
    """The bands in an existing demo database that someone else registered or changed."""
    if not database.exists():
        return []
    from sqlalchemy import create_engine

    from bandcrawler.store.event_store import EventStore

    # A plain engine, not make_engine: a database that is not the demo's is not migrated.
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            stored = list(EventStore(engine).read_category("band", conn=conn))
    except Exception:  # noqa: BLE001 - not a bandcrawler database: not the demo's either
        return [f"a file that is not the demo's database ({database.name})"]
    finally:
        engine.dispose()
    return sorted({e.stream_id.removeprefix("band-") for e in stored
                   if not (e.meta or {}).get("demo")})


def _register_demo_bands(app: Bandcrawler, site: DemoSite) -> None:
    from bandcrawler.services.bands import register_band

    for band in site.bands():
        register_band(app.store, app.write_model, band["name"],
                      [("website", site.url + band["website"])], meta=DEMO_META)


def _crawl(settings, between: Callable[[dict[str, Any]], None]) -> None:
    """Crawl, call `between` with the crawl's stats, crawl again (one reactor runs both)."""
    from scrapy.crawler import CrawlerProcess
    from twisted.internet import defer

    process = CrawlerProcess(settings)

    @defer.inlineCallbacks
    def twice():
        try:
            for round_ in (1, 2):
                crawler = process.create_crawler("jsonld")
                yield process.crawl(crawler)
                if round_ == 1:
                    between(crawler.stats.get_stats() if crawler.stats else {})
        finally:
            from twisted.internet import reactor

            reactor.stop()  # type: ignore[attr-defined]

    twice()
    process.start(stop_after_crawl=False)


# The demo's change between its two crawls: a concert in Paris starts 90 minutes later.
DEMO_CHANGE = ("/velvet-lanterns/tour.html", b'"startDate":"@@DAY+12@@T20:00:00+02:00"',
               b'"startDate":"@@DAY+12@@T21:30:00+02:00"')


def _watch_and_change(app: Bandcrawler, site: DemoSite) -> None:
    from bandcrawler.services.watches import create_watch

    paris = app.locator.locate_place("Paris")
    create_watch(app.store, "Near Paris", {
        "place": "Paris", "lat": paris.latitude, "lon": paris.longitude, "radius_km": 100.0,
        "emails": ["you@example.org"]})
    print("\nCreated the watch 'Near Paris' (within 100 km, e-mail to you@example.org);"
          "\nthe Velvet Lanterns' Paris concert now starts 90 minutes later. Crawling again…")
    site.edit(*DEMO_CHANGE)


def _report_alerts(app: Bandcrawler, inbox: MailSink, work: Path) -> None:
    from bandcrawler.services.calendars import watch_calendar
    from bandcrawler.services.watches import require_watch

    ics = work / "near-paris.ics"
    ics.write_bytes(watch_calendar(app.store, require_watch(app.store, "Near Paris")))
    print(f"\nAlerts: {len(inbox.messages)} e-mail(s) sent to the local SMTP server, "
          f"saved in {inbox.folder}")
    for message in inbox.messages:
        print(f"  Subject: {message['Subject']}\n  Message-ID: {message['Message-ID']}")
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        print("  " + text.strip().replace("\n", "\n  "))
    print(f"\nThe watch's calendar: {ics} (subscribe to it, or import it)")


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
  bandcrawler saga status
  bandcrawler watch list
  bandcrawler changes --watch 'Near Paris'
  bandcrawler calendar 'Near Paris' > near-paris.ics
See it on a map: bandcrawler serve, then open http://127.0.0.1:8080/
  (or run `bandcrawler demo --serve`, which keeps the page up at the end of the demo)""")
    if es_server is not None:
        print(f"Stop the local Elasticsearch server with:\n  {es_server.stop_command}")
