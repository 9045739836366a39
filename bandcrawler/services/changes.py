"""The changes feed: every change people would call news, newest first, for a watch or band."""

from __future__ import annotations

from datetime import date

from bandcrawler.domain.changes import Change, replay, said_by, step_changes
from bandcrawler.domain.identity import band_id_for
from bandcrawler.domain.watch import Watch
from bandcrawler.notify.matching import news_for
from bandcrawler.services.history import read_streams
from bandcrawler.store.event_store import EventStore


def list_changes(store: EventStore, *, watch: Watch | None = None, band: str | None = None,
                 since: date | str | None = None, limit: int | None = None,
                 today: date | None = None) -> list[Change]:
    """Changes newest first: all of them, a band's, or those a watch hears of (after it
    was created, as its messages tell them) — since a day, if given."""
    band_id = band_id_for(band) if band else None
    floor = since.isoformat() if isinstance(since, date) else since
    with store.engine.connect() as conn:
        streams = read_streams(conn, None)
    found: list[Change] = []
    for stored in streams.values():
        for step in replay(stored):
            if band_id is not None and step.after["band_id"] != band_id:
                continue
            if watch is None:
                found += step_changes(step)
            elif watch.active_at(step.position):
                said = said_by(step.event, step.meta, step.position)
                found += news_for(watch, step.before, step.after,
                                  [(step.event, said)] if said else [], step.position,
                                  step.recorded_at, today or date.today())
    if floor:
        found = [c for c in found if c.at[:len(floor)] >= floor]
    found.sort(key=lambda c: (c.position, c.kind), reverse=True)
    return found[:limit] if limit else found

