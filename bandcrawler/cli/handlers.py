"""What each `bandcrawler` subcommand does (arguments: parser.py; printing: output.py)."""

from __future__ import annotations

import argparse

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.cli.output import (
    format_duplicates,
    format_hits,
    format_parsed,
    format_saga,
    print_json,
)
from bandcrawler.config import Config, command_settings, project_settings


class UserError(Exception):
    """Something the user can fix; printed as one line, exit code 1."""


def run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from bandcrawler.demo.run import run_demo

        return run_demo(args.dir, dict(args.settings),
                        serve_at=(args.host, args.port) if args.serve else None)
    if args.command == "parse":
        return parse(project_settings(dict(args.settings)), args)
    app = Bandcrawler(Config.from_settings(command_settings(dict(args.settings))))
    try:
        from bandcrawler.cli import alerts

        handler = {"band": band, "search": search, "saga": saga, "reindex": reindex,
                   "follow": follow, "schedule": schedule, "serve": serve,
                   "duplicates": duplicates,
                   **alerts.HANDLERS}
        return handler[args.command](app, args)
    finally:
        app.close()


def band(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.cli.bands import run_band

    return run_band(app, args, lambda: project_settings(dict(args.settings)))


def search(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.search.queries import SearchFilters
    from bandcrawler.search.queries import search as run_search

    lat, lon = args.lat, args.lon
    if args.near:
        try:
            place = app.locator.locate_place(args.near)
        except Exception as exc:  # noqa: BLE001 - any geocoder failure is the user's answer
            raise UserError(f"cannot place {args.near!r}: {exc}") from None
        lat, lon = place.latitude, place.longitude
    filters = SearchFilters(lat=lat, lon=lon, radius_km=args.radius, date_from=args.date_from,
                            date_to=args.date_to, band=args.band, country=args.country,
                            status=args.status, text=args.text, limit=args.limit,
                            listed=args.listed)
    try:
        hits = run_search(app.elasticsearch, app.config.index_alias, filters)
    except Exception as exc:  # noqa: BLE001 - transport errors become one line
        from bandcrawler.search.client import redact_url

        raise UserError(f"search failed at {redact_url(app.config.elasticsearch_url)}: "
                        f"{type(exc).__name__}: {exc}"[:400]) from None
    if args.json:
        print_json([{**h.source, "listed": h.source.get("listed", True),
                     "distance_km": h.distance_km} for h in hits])
        return 0
    print(format_hits(hits))
    return 0


def saga(app: Bandcrawler, args: argparse.Namespace) -> int:
    if args.saga_command == "resume":
        from bandcrawler.services.resume import resume_pending

        outcome = resume_pending(app, due_only=args.due)
        print(f"Resumed {outcome['attempted']} concert(s): {outcome['indexed']} indexed, "
              f"{outcome['index_failed']} failed to index; "
              f"{outcome['still_pending']} still pending.")
        if outcome["still_pending"] and outcome["next_due"]:
            print(f"Next retry due at {outcome['next_due']}.")
        if outcome["tried_still_pending"]:
            # cron and scripts see the failure, not only the words.
            raise UserError(f"{outcome['tried_still_pending']} of the concert(s) tried still "
                            f"pending: {outcome['reason'] or 'not yet run'}")
        return 0
    summary = app.saga.summary()
    if args.json:
        print_json(summary)
        return 0
    print(format_saga(summary))
    return 0


def reindex(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.services.indexing import reindex as rebuild_index

    try:
        index, count = rebuild_index(app.read_model, app.store)
    except Exception as exc:  # noqa: BLE001 - transport errors become one line
        raise UserError(f"reindex failed: {type(exc).__name__}: {exc}"[:400]) from None
    print(f"Indexed {count} concert(s) into {index}; alias {app.config.index_alias!r} "
          f"now points to it.")
    return 0


def follow(app: Bandcrawler, args: argparse.Namespace) -> int:
    """Run every projection (write model, index, alerts) and send the alerts that are due,
    until SIGTERM or SIGINT (the batch in hand is finished first)."""
    import logging
    import signal
    import threading

    from bandcrawler.notify.delivery import deliver_due
    from bandcrawler.services.notifications import channel_settings
    from bandcrawler.services.projections import follow as follow_log

    logging.basicConfig(level=app.config.log_level,
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    logging.getLogger(__name__).info("Following the event store (poll every %ss)", args.poll)
    channels = channel_settings(app.config)
    follow_log(app.projections(), app.store, stop=stop, poll_seconds=args.poll,
               once=args.once, after_round=lambda: deliver_due(
                   app.engine, channels, retry_seconds=app.config.notify_retry_seconds))
    return 0


def schedule(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.services.scheduling import (
        ScrapydClient,
        ScrapydError,
        crawls_with_work,
        schedule_crawls,
        select_spiders,
        source_spiders,
    )

    try:
        spiders = select_spiders(source_spiders(project_settings(dict(args.settings))),
                                 args.spider)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    crawls = crawls_with_work(app.store, spiders, per_band=args.per_band)
    if not crawls:
        print("Nothing to schedule: no registered band has a source these spiders read "
              f"({', '.join(spiders)}).")
        return 0
    client = ScrapydClient.from_environment(args.scrapyd)
    try:
        outcome = schedule_crawls(client, args.project, crawls)
    except ScrapydError as exc:
        raise UserError(str(exc)) from None
    for crawl, job in outcome.scheduled:
        print(f"Scheduled {crawl.label} as job {job}")
    for crawl in outcome.skipped:
        print(f"Skipped {crawl.label}: already pending or running")
    print(f"{len(outcome.scheduled)} job(s) scheduled, {len(outcome.skipped)} skipped "
          f"on {client.url} (project {args.project}).")
    return 0


def serve(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.web.serve import serve_forever
    from bandcrawler.web.settings import WebSettings

    web = WebSettings.from_settings(project_settings(dict(args.settings)))
    serve_forever(app, web, args.host, args.port)
    return 0


def parse(settings, args: argparse.Namespace) -> int:
    """Run one source's parser on a file or a URL (fetched once); exit 1 when nothing was found."""
    from functools import partial

    from bandcrawler.cli.fetch import FetchError, read_source
    from bandcrawler.config import recurrence_horizon
    from bandcrawler.extract import ical
    from bandcrawler.extract.sources import guess_kind, parse_source

    horizon = recurrence_horizon(settings)
    try:
        body, url = read_source(args.source, settings.get("USER_AGENT"))
    except FetchError as exc:
        raise UserError(str(exc)) from None
    kind = args.kind or guess_kind(url, body)
    reader = partial(ical.parse_events, horizon_months=horizon) if kind == "ical" else None
    items, rejected = parse_source(kind, body, url, reader)
    if args.json:
        print_json({"items": items, "rejected": rejected})
    else:
        print(format_parsed(kind, items, rejected))
    return 0 if items else 1


def duplicates(app: Bandcrawler, args: argparse.Namespace) -> int:
    """Report concerts that the identity rule would make one; changes nothing."""
    from bandcrawler.services.duplicates import recorded_twice

    groups = recorded_twice(app.engine)
    if args.json:
        print_json(groups)
    else:
        print(format_duplicates(groups))
    return 0
