"""Use cases on concerts: record sources' listings, locate concerts; one or a batch."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import Connection

from bandcrawler.domain.concert import (
    Concert,
    Listing,
    decide_geocoded,
    decide_geocoding_failed,
    decide_listing,
)
from bandcrawler.domain.events import DomainEvent
from bandcrawler.domain.identity import (
    concert_id_for,
    concert_stream,
    natural_key,
    source_key,
    town_natural_key,
)
from bandcrawler.services.streams import (
    ConcertCache,
    Decided,
    append_decided,
    fold_decided,
    known_concert_ids,
    read_concerts,
)
from bandcrawler.services.unit_of_work import MAX_CONFLICT_RETRIES, retry_on_conflict
from bandcrawler.store.event_store import ConcurrencyError, EventStore, utc_now
from bandcrawler.store.repository import remember_keys_many

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class Recorded:
    """What recording a listing did. `concert` (the state after it) is read-only: with a
    cache, the cache holds it."""

    concert_id: str
    version: int
    appended: int
    concert: Concert
    # Nothing new, and the concert's every step is done at this version (see
    # `record_crawled_listings`): nothing is left to do for it.
    settled: bool = False


class Locator(Protocol):
    def locate(self, *, city: str | None = None, region: str | None = None,
               country: str | None = None, address: str | None = None,
               venue_name: str | None = None) -> Any: ...

    def timezone_at(self, latitude: float, longitude: float) -> str | None: ...


def listing_keys(listing: Listing) -> list[str]:
    """Identity keys, strongest first: the source's own id, the canonical-town key, then the
    natural key as written (last: a new concert's id is its hash, as before the town key)."""
    keys = []
    if listing.source_id:
        keys.append(source_key(listing.source, listing.source_id))
    if listing.place_key:
        keys.append(town_natural_key(listing.band_id, listing.details["local_date"],
                                     listing.place_key))
    keys.append(natural_key(listing.band_id, listing.details["local_date"], listing.place))
    return keys


def record_listing(store: EventStore, listing: Listing, meta: dict[str, Any]) -> Recorded:
    """Decide and append what the listing says that is new, with the identity keys, atomically."""
    return record_listings(store, [(listing, meta)])[0]


def record_listings(store: EventStore, batch: Sequence[tuple[Listing, dict[str, Any]]],
                    cache: ConcertCache | None = None) -> list[Recorded]:
    """`record_listing` for each (listing, meta), in order, in one transaction: the outcome of
    one transaction each (a later listing sees what an earlier one recorded), at a fraction
    of the cost. All or none; a concurrent append elsewhere makes the whole batch decide again.
    """
    def attempt() -> list[Recorded]:
        with store.engine.begin() as conn:
            return _record(store, conn, batch, cache)

    recorded = retry_on_conflict(attempt)
    if cache is not None:
        # Handed over: the states are the callers' to read, no longer to change.
        cache.put({r.concert_id: r.concert for r in recorded}.values(), owned=True)
    return recorded


class Settlements(Protocol):
    def settled(self, versions: dict[str, int]) -> set[str]: ...


def record_crawled_listings(store: EventStore, saga: Settlements,
                            batch: Sequence[tuple[Listing, dict[str, Any]]],
                            cache: ConcertCache | None = None) -> list[Recorded]:
    """`record_listings`, telling which listings are settled: already recorded, for a concert
    whose saga is complete at its current version (one saga query for the batch), so that a
    re-crawl of unchanged sources does no later step for them."""
    recorded = record_listings(store, batch, cache)
    unchanged = {r.concert_id: r.version for r in recorded if not r.appended}
    settled = saga.settled(unchanged) if unchanged else set()
    return [replace(r, settled=True) if r.concert_id in settled else r for r in recorded]


def _record(store: EventStore, conn: Connection, batch: Sequence[tuple[Listing, dict[str, Any]]],
            cache: ConcertCache | None) -> list[Recorded]:
    keyed = [(listing, meta, listing_keys(listing)) for listing, meta in batch]
    known = known_concert_ids(conn, (key for _, _, keys in keyed for key in keys))
    new_keys: dict[str, str] = {}
    ids = []
    for _, _, keys in keyed:
        concert_id = next((known[k] for k in keys if k in known), None) \
            or concert_id_for(keys[-1])
        for key in keys:  # as remember_keys_many: a key already mapped keeps its concert
            if key not in known:
                known[key] = new_keys[key] = concert_id
        ids.append(concert_id)
    concerts = read_concerts(conn, ids, cache)
    recorded, appends = [], []
    for (listing, meta, _), concert_id in zip(keyed, ids, strict=True):
        concert = concerts[concert_id]  # a later listing of it sees what an earlier one added
        decided = decide_listing(concert, listing, utc_now())
        if decided:
            appends.append(Decided(concert, decided, meta, fold_decided(concert, decided)))
        recorded.append(Recorded(concert_id, concert.version, len(decided), concert))
    append_decided(store, conn, appends)
    remember_keys_many(conn, new_keys)
    return recorded


@dataclass(frozen=True)
class Located:
    concert: Concert  # read-only, as Recorded.concert
    error: str | None  # the reason the concert could not be located, if so

    @property
    def done(self) -> bool:
        return self.error is None


def geocode_concert(store: EventStore, locator: Locator, concert_id: str,
                    meta: dict[str, Any]) -> Located:
    """Locate the concert's venue, unless already located; records success or failure."""
    return geocode_concerts(store, locator, [concert_id], meta)[concert_id]


def geocode_concerts(store: EventStore, locator: Locator, concert_ids: Sequence[str],
                     meta: dict[str, Any], cache: ConcertCache | None = None
                     ) -> dict[str, Located]:
    """`geocode_concert` for several concerts: read them, locate them, append what was found.

    The three stages are separate functions so that the pipeline can run the locating on
    a thread of its own (an online geocoder waits out its rate limit there).
    """
    todo, done = list(dict.fromkeys(concert_ids)), dict[str, Located]()
    for _attempt in range(MAX_CONFLICT_RETRIES):
        concerts = load_concerts(store, todo, cache)
        decisions = locate_concerts(locator, concerts)
        outcome = record_locations(store, concerts, decisions, [meta] * len(concerts), cache)
        done.update((c.concert_id, located) for c, located in zip(concerts, outcome,
                                                                  strict=True) if located)
        todo = [c.concert_id for c, located in zip(concerts, outcome, strict=True)
                if located is None]
        if not todo:
            return done
    raise ConcurrencyError(concert_stream(todo[0]), -1)


def load_concerts(store: EventStore, concert_ids: Sequence[str],
                  cache: ConcertCache | None = None) -> list[Concert]:
    """The current state of each concert, read at once."""
    with store.engine.connect() as conn:
        concerts = read_concerts(conn, concert_ids, cache)
    return [concerts[concert_id] for concert_id in concert_ids]


Decision = tuple[list[DomainEvent], "str | None"]  # events to append, reason it failed


def locate_concerts(locator: Locator, concerts: Sequence[Concert]) -> list[Decision | None]:
    """What locating each concert decides; None for those already located."""
    return [_locate(locator, c) if c.needs_geocoding() else None for c in concerts]


def record_locations(store: EventStore, concerts: Sequence[Concert],
                     decisions: Sequence[Decision | None], metas: Sequence[dict[str, Any]],
                     cache: ConcertCache | None = None) -> list[Located | None]:
    """Append the decisions (with their metadata) in one transaction, folding them into the
    concerts; None for a concert that another writer moved on meanwhile (read it and locate
    it again)."""
    outcome: list[Located | None] = [
        Located(concert, decision[1] if decision else None)
        for concert, decision in zip(concerts, decisions, strict=True)]
    if not any(decision and decision[0] for decision in decisions):
        return outcome  # nothing to write: no transaction
    appends = []
    for concert, decision, meta in zip(concerts, decisions, metas, strict=True):
        if decision and decision[0]:
            appends.append(Decided(concert, decision[0], meta, concert.version))
    try:
        with store.engine.begin() as conn:
            append_decided(store, conn, appends)
    except ConcurrencyError as exc:  # rolled back: locate them all again
        logger.debug("Retrying geocoding after a concurrent append: %s", exc)
        return [None if decision and decision[0] else located
                for located, decision in zip(outcome, decisions, strict=True)]
    for d in appends:
        fold_decided(d.concert, d.events)
    if cache is not None:
        cache.put((d.concert for d in appends), owned=True)  # handed over, as above
    return outcome


def _locate(locator: Locator, concert: Concert) -> tuple[list[DomainEvent], str | None]:
    now = utc_now()
    given = concert.details.get("source_location")
    try:
        if given:
            lat, lon = given["latitude"], given["longitude"]
            zone = locator.timezone_at(lat, lon)
            return decide_geocoded(concert, lat, lon, "source", zone, now), None
        venue = concert.venue
        found = locator.locate(city=venue.get("city"), region=venue.get("region"),
                               country=venue.get("country"), address=venue.get("address"),
                               venue_name=venue.get("name"))
    except Exception as exc:  # noqa: BLE001 - any geocoder failure leaves the step pending
        reason = str(exc) or type(exc).__name__
        return decide_geocoding_failed(concert, reason, now), reason
    return decide_geocoded(concert, found.latitude, found.longitude, found.precision,
                           found.timezone, now, found.country), None
