"""The changes feed: every change people would call news, newest first, for a watch or band."""

from __future__ import annotations

from datetime import date

from bandcrawler.domain.changes import Change, changes_between, said_by
from bandcrawler.domain.concert import Concert
from bandcrawler.domain.identity import band_id_for
from bandcrawler.domain.view import concert_document
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
        concert = Concert(stored[0][0].concert_id)  # type: ignore[attr-defined]
        previous = None
        for event, version, position, meta, recorded in stored:
            concert.apply(event, version)
            current = concert_document(concert)
            if band_id is None or current["band_id"] == band_id:
                said = said_by(event, meta, position)
                pairs = [(event, said)] if said else []
                if watch is None:
                    found += changes_between(previous, current, pairs, position, recorded)
                elif watch.active_at(position):
                    found += news_for(watch, previous, current, pairs, position, recorded,
                                      today or date.today())
            previous = current
    if floor:
        found = [c for c in found if c.at[:len(floor)] >= floor]
    found.sort(key=lambda c: (c.position, c.kind), reverse=True)
    return found[:limit] if limit else found

