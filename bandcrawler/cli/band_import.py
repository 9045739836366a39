"""`bandcrawler band import`: many bands from a file of names (or CSV) or a ListenBrainz user."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import sys
from dataclasses import dataclass

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.cli.handlers import UserError
from bandcrawler.cli.output import format_import_summary, shown
from bandcrawler.domain.band import artist_mbid
from bandcrawler.http_client import FetchError
from bandcrawler.services.discovery import Discoverer, Discovery


@dataclass(frozen=True)
class Entry:
    name: str
    mbid: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Outcome:
    name: str
    outcome: str  # registered, unchanged, ambiguous, not found, failed
    detail: str = ""


def read_entries(text: str) -> list[Entry]:
    """One name per line (blank lines and # comments skipped), or CSV with a header naming a
    `name` column and optional `mbid` and `website` columns."""
    lines = [line for line in text.splitlines() if line.strip()
             and not line.lstrip().startswith("#")]
    if not lines:
        return []
    header = [h.strip().lower() for h in next(csv.reader([lines[0]]))]
    if "name" not in header or len(header) < 2:
        return list({line.strip(): Entry(line.strip()) for line in lines}.values())
    entries = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines)), fieldnames=header):
        if row is None or row.get("name") in (None, "name"):
            continue
        name = (row.get("name") or "").strip()
        if name:
            entries[name] = Entry(name, (row.get("mbid") or "").strip() or None,
                                  (row.get("website") or "").strip() or None)
    return list(entries.values())


def run_import(app: Bandcrawler, args: argparse.Namespace, discoverer: Discoverer) -> int:
    if (args.file is None) == (args.listenbrainz is None):
        raise UserError("give one of FILE (- for stdin) and --listenbrainz USER")
    if not 1 <= args.top <= 1000:
        raise UserError("--top must be within 1..1000")
    if args.listenbrainz:
        entries = [Entry(name, mbid) for name, mbid in
                   discoverer.top_artists(args.listenbrainz, args.top)]
        origin = f"listenbrainz:{args.listenbrainz}"
    else:
        entries, origin = _read_file(args.file), f"import:{args.file}"
    outcomes = []
    for number, entry in enumerate(entries, 1):
        _progress(number, len(entries), entry.name)
        outcomes.append(_import_one(app, discoverer, entry, args.dry_run, origin))
    _progress(0, 0, "")
    print(format_import_summary(outcomes))
    if args.dry_run:
        print("Dry run: nothing was registered.")
    return 1 if any(o.outcome == "failed" for o in outcomes) else 0


def _read_file(path: str) -> list[Entry]:
    try:
        if path == "-":
            return read_entries(sys.stdin.read())
        with open(path, encoding="utf-8-sig") as file:
            return read_entries(file.read())
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None


def _import_one(app: Bandcrawler, discoverer: Discoverer, entry: Entry, dry_run: bool,
                origin: str) -> Outcome:
    from bandcrawler.cli.bands import format_discovery, register

    try:
        found = _discover(discoverer, entry)
        if isinstance(found, Outcome):
            return found
        if dry_run:
            print(format_discovery(found))
            return Outcome(entry.name, "registered" if found.usable else "failed",
                           "would register " + ", ".join(f"{f.kind} {f.value}"
                                                         for f in found.usable))
        with contextlib.redirect_stdout(io.StringIO()) as said:
            decided = register(app, entry.name, [], found, {"import": origin})
        print(said.getvalue(), end="")
        return Outcome(entry.name, "registered" if decided else "unchanged",
                       f"{sum(1 for f in found.usable)} source(s)")
    except (FetchError, UserError) as exc:
        return Outcome(entry.name, "failed", str(exc))


def _discover(discoverer: Discoverer, entry: Entry) -> Discovery | Outcome:
    if entry.mbid is not None:
        mbid = artist_mbid(entry.mbid)
        if mbid is None:
            return Outcome(entry.name, "failed", f"not a MusicBrainz artist id: {entry.mbid!r}")
        found = discoverer.artist(mbid, entry.name)
    elif entry.website is not None:
        return discoverer.website(entry.website, Discovery(entry.name))
    else:
        resolution = discoverer.search(entry.name)
        if resolution.chosen is None:
            detail = "; ".join(c.describe() for c in resolution.candidates)
            return Outcome(entry.name, resolution.status, detail)
        found = discoverer.artist(resolution.chosen.mbid, entry.name)
    if entry.website is not None:
        discoverer.website(entry.website, found)
    return found


def _progress(number: int, total: int, name: str) -> None:
    """One line on a terminal, rewritten per band; nothing when stderr is a file."""
    if not sys.stderr.isatty():
        return
    line = f"[{number}/{total}] {shown(name)}"[:78] if total else ""
    sys.stderr.write("\r" + line.ljust(79) + ("\r" if not total else ""))
    sys.stderr.flush()
