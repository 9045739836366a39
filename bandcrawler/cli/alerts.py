"""What the alert subcommands do: watch, notify, calendar, changes, history."""

from __future__ import annotations

import argparse
import sys

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.cli.handlers import UserError
from bandcrawler.cli.output import (
    format_changes,
    format_history,
    format_pending,
    format_watch,
    print_json,
    watch_json,
)
from bandcrawler.services.watches import WatchError


def watch(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.services.watches import create_watch, load_watches, remove_watch

    try:
        if args.watch_command == "add":
            created = create_watch(app.store, args.name, _spec(app, args),
                                   backfill=args.backfill)
            print(f"Watch {created.name!r} created; it hears of changes from now on"
                  + (" (and of the concerts already known)" if args.backfill else "") + ".")
            print(format_watch(created))
        elif args.watch_command == "remove":
            remove_watch(app.store, args.name)
            print(f"Watch {args.name!r} removed.")
        elif args.watch_command == "show":
            print(format_watch(_watch(app, args.name), token=True))
        else:
            with app.engine.connect() as conn:
                watches = load_watches(conn)
            if args.json:
                print_json([watch_json(w) for w in watches])
            elif not watches:
                print("No watches. Add one: bandcrawler watch add NAME --near PLACE")
            for w in [] if args.json else watches:
                print(format_watch(w))
    except WatchError as exc:
        raise UserError(str(exc)) from None
    return 0


def _spec(app: Bandcrawler, args: argparse.Namespace) -> dict:
    lat, lon, place = args.lat, args.lon, None
    if (lat is None) != (lon is None):
        raise UserError("--lat and --lon go together")
    if args.near:
        try:
            found = app.locator.locate_place(args.near)
        except Exception as exc:  # noqa: BLE001 - any geocoder failure is the user's answer
            raise UserError(f"cannot place {args.near!r}: {exc}") from None
        lat, lon, place = found.latitude, found.longitude, args.near
    return {"bands": args.bands, "place": place, "lat": lat, "lon": lon,
            "radius_km": args.radius, "country": (args.country or "").upper() or None,
            "date_from": args.date_from and args.date_from.isoformat(),
            "date_to": args.date_to and args.date_to.isoformat(), "within_days": args.within,
            "changes": args.changes, "emails": args.email, "webhooks": args.webhook,
            "notify": args.notify}


def notify(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.notify.delivery import pending_deliveries
    from bandcrawler.services.notifications import notify as run_notify

    if not args.status:
        outcome = run_notify(app.store, app.config)
        print(f"Followed the log to position {outcome.position}: "
              f"{len(outcome.report.sent)} message(s) sent, "
              f"{len(outcome.report.failed)} failed (retried later).")
    pending = pending_deliveries(app.engine)
    if args.json:
        print_json(pending)
    elif args.status or pending:
        print(format_pending(pending))
    return 0


def calendar(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.services.calendars import band_calendar, watch_calendar

    if args.band:
        body = band_calendar(app.store, args.band)
    elif args.watch:
        body = watch_calendar(app.store, _watch(app, args.watch))
    else:
        raise UserError("name a watch (bandcrawler calendar WATCH) or --band NAME")
    sys.stdout.buffer.write(body)
    sys.stdout.flush()
    return 0


def changes(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.feeds.atom import changes_feed
    from bandcrawler.services.changes import list_changes

    chosen = _watch(app, args.watch) if args.watch else None
    try:
        found = list_changes(app.store, watch=chosen, band=args.band, since=args.since,
                             limit=args.limit)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.atom:
        title = f"bandcrawler: {chosen.name if chosen else args.band or 'all changes'}"
        sys.stdout.buffer.write(changes_feed(found, title=title,
                                             feed_id="urn:bandcrawler:changes"))
    elif args.json:
        print_json([c.to_json() for c in found])
    else:
        print(format_changes(found))
    return 0


def history(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.services.history import concert_history, resolve_concert

    concert_id = resolve_concert(app.store, args.concert)
    if concert_id is None:
        raise UserError(f"no concert known by {args.concert!r}")
    entries = concert_history(app.store, concert_id)
    if args.json:
        print_json({"concert_id": concert_id, "events": [e.to_json() for e in entries]})
    else:
        print(format_history(concert_id, entries))
    return 0


def _watch(app: Bandcrawler, name: str):
    from bandcrawler.services.watches import require_watch

    try:
        return require_watch(app.store, name)
    except WatchError as exc:
        raise UserError(str(exc)) from None


HANDLERS = {"watch": watch, "notify": notify, "calendar": calendar, "changes": changes,
            "history": history}
