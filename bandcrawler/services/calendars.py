"""Calendars and feeds of a watch, a band or any set of concerts (CLI and web share them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from bandcrawler.domain.identity import band_id_for
from bandcrawler.domain.watch import Watch
from bandcrawler.feeds.atom import changes_feed
from bandcrawler.feeds.ical import calendar
from bandcrawler.services.changes import list_changes
from bandcrawler.services.history import sequences, timelines
from bandcrawler.store.event_store import EventStore


def watch_calendar(store: EventStore, watch: Watch, today: date | None = None) -> bytes:
    """Every concert the watch is about (cancelled ones too), each with its SEQUENCE."""
    chosen = [{**t.concert, "sequence": t.sequence} for t in timelines(store)
              if watch.matches(t.concert, today or date.today())]
    return calendar(_by_date(chosen), name=f"bandcrawler: {watch.name}")


def band_calendar(store: EventStore, band: str) -> bytes:
    band_id = band_id_for(band)
    chosen = [{**t.concert, "sequence": t.sequence} for t in timelines(store)
              if t.concert["band_id"] == band_id]
    return calendar(_by_date(chosen), name=f"bandcrawler: {band}")


def concerts_calendar(store: EventStore, concerts: Iterable[Mapping[str, Any]], *,
                      name: str) -> bytes:
    """A calendar of concerts found elsewhere (search hits: their public views)."""
    chosen = list(concerts)
    numbers = sequences(store, [c["concert_id"] for c in chosen])
    return calendar([{**c, "sequence": numbers.get(c["concert_id"], 0)} for c in chosen],
                    name=name)


def watch_feed(store: EventStore, watch: Watch, *, link: str | None = None,
               limit: int = 200) -> bytes:
    return changes_feed(list_changes(store, watch=watch, limit=limit),
                        title=f"bandcrawler: {watch.name}",
                        feed_id=f"urn:bandcrawler:watch:{watch.watch_id}", link=link)


def _by_date(concerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(concerts, key=lambda c: (c.get("local_date") or "", c["concert_id"]))
