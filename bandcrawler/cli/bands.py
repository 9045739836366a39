"""The `bandcrawler band …` subcommands: add, discover, import, list, remove."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.cli.handlers import UserError
from bandcrawler.cli.output import format_band_list, print_json, shown
from bandcrawler.domain import events as ev
from bandcrawler.domain.band import SOURCE_KINDS, artist_mbid
from bandcrawler.services.bands import band_statuses, register_band, remove_band, remove_source

if TYPE_CHECKING:  # discovery's parsers (lxml, extruct) load only for the commands using them
    from bandcrawler.services.discovery import Discovery, Resolution

NO_SOURCE = ("no source given for {name!r}: add --website URL, --ical URL, --bandsintown "
             "ARTIST or --musicbrainz MBID (or leave out --no-discover to look it up in "
             "MusicBrainz)")


def run_band(app: Bandcrawler, args: argparse.Namespace, settings: Callable[[], Any]) -> int:
    """`settings()` gives the Scrapy settings, built only for the commands that go online."""
    if args.band_command == "list":
        statuses = band_statuses(app.store)
        if args.json:
            print_json([_band_json(s, args.status) for s in statuses])
        else:
            print(format_band_list(statuses))
        return 0
    if args.band_command == "remove":
        return _remove(app, args)
    from bandcrawler.http_client import FetchError
    from bandcrawler.services.discovery import make_discoverer

    discoverer = make_discoverer(settings())
    try:
        if args.band_command == "import":
            from bandcrawler.cli.band_import import run_import

            return run_import(app, args, discoverer)
        if args.band_command == "discover":
            return _discover(app, args, discoverer)
        return _add(app, args, discoverer)
    except FetchError as exc:
        raise UserError(str(exc)) from None


def _band_json(status, with_status: bool) -> dict:
    """The band as `band list --json` has always shown it; each source's origin and last
    crawl under `status` with --status."""
    shown = {"band_id": status.band_id, "name": status.name, "sources": {}}
    for source in status.sources:
        shown["sources"].setdefault(source.kind, []).append(source.value)
    if with_status:
        shown["status"] = [asdict(source) for source in status.sources]
    return shown


def _given(args: argparse.Namespace) -> list[tuple[str, str]]:
    return [(kind, value) for kind in SOURCE_KINDS for value in getattr(args, kind)]


def _add(app: Bandcrawler, args: argparse.Namespace, discoverer) -> int:
    given = _given(args)
    if args.mbid and artist_mbid(args.mbid) is None:
        raise UserError(f"not a MusicBrainz artist id: {args.mbid!r}")
    if args.no_discover and (args.discover or args.mbid):
        raise UserError("--no-discover cannot go with --discover or --mbid")
    if not given and args.no_discover:
        raise UserError(NO_SOURCE.format(name=args.name))
    found = None
    if args.discover and not args.website:
        raise UserError("--discover reads the --website pages: give at least one")
    if args.discover:
        from bandcrawler.services.discovery import Discovery

        found = Discovery(args.name)
        for url in args.website:
            discoverer.website(url, found)
        given = [(k, v) for k, v in given if k != "website"]
    elif not given:
        found = _look_up(args.name, args.mbid, discoverer)
    if found is not None:
        print(format_discovery(found))
    register(app, args.name, given, found)
    return 0


def _discover(app: Bandcrawler, args: argparse.Namespace, discoverer) -> int:
    if args.website:
        from bandcrawler.services.discovery import Discovery

        found = discoverer.website(args.website, Discovery(args.name))
    else:
        found = _look_up(args.name, args.mbid, discoverer)
    print(format_discovery(found))
    if args.yes:
        register(app, args.name, [], found)
    elif found.usable:
        print("Nothing registered; add --yes to register these.")
    return 0


def _look_up(name: str, mbid: str | None, discoverer) -> Discovery:
    if mbid is not None:
        checked = artist_mbid(mbid)
        if checked is None:
            raise UserError(f"not a MusicBrainz artist id: {mbid!r}")
        return discoverer.artist(checked, name)
    resolution = discoverer.search(name)
    chosen = resolution.chosen or _ask(resolution)
    return discoverer.artist(chosen.mbid, name)


def _ask(resolution: Resolution):
    if not resolution.candidates:
        raise UserError(f"MusicBrainz knows no artist called {resolution.name!r}; give its "
                        "sources (--website URL, …) instead")
    listing = "\n".join(f"  {i}. {shown(c.describe())}  score {c.score}"
                        for i, c in enumerate(resolution.candidates, 1))
    if not sys.stdin.isatty():
        raise UserError(f"{resolution.name!r} is ambiguous; choose one with --mbid:\n"
                        f"{listing}")
    print(f"{resolution.name!r} may be any of:\n{listing}")
    answer = input(f"Which one (1-{len(resolution.candidates)}, Enter for none)? ").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(resolution.candidates):
        raise UserError("nothing chosen; nothing registered")
    return resolution.candidates[int(answer) - 1]


def register(app: Bandcrawler, name: str, given: list[tuple[str, str]],
             found: Discovery | None, meta: dict | None = None) -> list[ev.DomainEvent]:
    """Register the given and the usable found sources; print what changed."""
    usable = found.usable if found is not None else []
    sources = given + [(f.kind, f.value) for f in usable]
    origins = {(f.kind, f.value): f.discovered_from for f in usable}
    if not sources:
        raise UserError(f"nothing bandcrawler can crawl was found for {name!r}; nothing "
                        "registered")
    try:
        band_id, decided = register_band(app.store, app.write_model, name, sources, origins,
                                         meta)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    for event in decided:
        if isinstance(event, ev.BandRegistered):
            print(f"registered {shown(name)} as {band_id}")
        elif isinstance(event, ev.BandSourceAdded):
            print(f"added source {event.kind} {shown(event.value)} to {shown(name)}")
    if not decided:
        print(f"{name}: already registered with these sources ({band_id})")
    return decided


def format_discovery(found: Discovery) -> str:
    lines = [f"Found for {shown(found.name)}" + (f" (MusicBrainz {found.mbid})" if found.mbid
                                                 else "") + ":"]
    for item in found.found:
        state = f"not registered: {item.why_not}" if item.why_not else "crawlable"
        lines.append(f"  {item.kind:<12} {shown(item.value)}  ({state}; from "
                     f"{shown(item.discovered_from)})")
    lines += [f"  note: {shown(note)}" for note in found.notes]
    return "\n".join(lines)


def _remove(app: Bandcrawler, args: argparse.Namespace) -> int:
    from bandcrawler.services.projections import catch_up
    from bandcrawler.services.resume import resume_pending
    from bandcrawler.services.unlisting import withdraw_band_concerts

    given = _given(args)
    try:
        if given:
            for kind, value in given:
                remove_source(app.store, app.write_model, args.name, kind, value)
                print(f"removed source {kind} {value} from {args.name}")
            return 0
        band_id = remove_band(app.store, app.write_model, args.name)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    withdrawn = withdraw_band_concerts(app.concerts, band_id, {"command": "band remove"})
    for concert_id, version in withdrawn.items():
        app.saga.report(concert_id, version=version)
    catch_up(app.write_model, app.store)
    outcome = resume_pending(app, concert_ids=list(withdrawn)) if withdrawn else None
    print(f"removed {args.name}; its {len(withdrawn)} concert(s) stay in the log, marked "
          "unlisted" + ("" if outcome is None or not outcome["still_pending"] else
                        f" ({outcome['still_pending']} not yet in the index: see saga status)"))
    return 0
