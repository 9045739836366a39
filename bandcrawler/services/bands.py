"""Use cases on bands: register a band and its sources, remove them, list bands."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bandcrawler.domain import events as ev
from bandcrawler.domain.band import Band, decide_register, decide_remove, decide_remove_source
from bandcrawler.domain.identity import band_id_for, band_stream
from bandcrawler.services.projections import catch_up
from bandcrawler.services.unit_of_work import retry_on_conflict
from bandcrawler.store.event_store import EventStore, utc_now
from bandcrawler.store.repository import load_band, to_new_events
from bandcrawler.store.tables import band_sources, bands, source_reads
from bandcrawler.store.write_model import WriteModelProjector


@dataclass(frozen=True)
class BandView:
    band_id: str
    name: str
    sources: dict[str, list[str]]


@dataclass(frozen=True)
class SourceStatus:
    """One source of a band, where it came from, and what the last crawl of its kind read."""

    kind: str
    value: str
    discovered_from: str | None = None
    crawled_at: str | None = None
    concerts: int | None = None
    complete: bool | None = None
    suspect: str | None = None


@dataclass(frozen=True)
class BandStatus:
    band_id: str
    name: str
    sources: list[SourceStatus] = field(default_factory=list)


def register_band(store: EventStore, projector: WriteModelProjector, name: str,
                  sources: list[tuple[str, str]],
                  discovered_from: Mapping[tuple[str, str], str] | None = None,
                  meta: dict[str, Any] | None = None) -> tuple[str, list[ev.DomainEvent]]:
    """Register `name` with `sources` (ValueError for a bad one); returns the band id and the
    events appended. Idempotent."""
    def decide(band: Band) -> list[ev.DomainEvent]:
        return decide_register(band, name.strip(), sources, utc_now(), discovered_from)

    return _change(store, projector, name, decide, meta)


def remove_band(store: EventStore, projector: WriteModelProjector, name: str,
                meta: dict[str, Any] | None = None) -> str:
    """Stop crawling the band (ValueError if unknown); returns its id. Its concerts stay."""
    band_id, _ = _change(store, projector, name, lambda b: decide_remove(b, utc_now()), meta)
    return band_id


def remove_source(store: EventStore, projector: WriteModelProjector, name: str, kind: str,
                  value: str, meta: dict[str, Any] | None = None) -> str:
    band_id, _ = _change(store, projector, name,
                         lambda b: decide_remove_source(b, kind, value, utc_now()), meta)
    return band_id


def _change(store: EventStore, projector: WriteModelProjector, name: str,
            decide: Callable[[Band], list[ev.DomainEvent]], meta: dict[str, Any] | None
            ) -> tuple[str, list[ev.DomainEvent]]:
    band_id = band_id_for(name)

    def attempt() -> list[ev.DomainEvent]:
        with store.engine.begin() as conn:
            band = load_band(store, conn, band_id)
            decided = decide(band)
            if decided:
                store.append(conn, band_stream(band_id), to_new_events(decided, meta or {}),
                             band.version)
        return decided

    decided = retry_on_conflict(attempt)
    catch_up(projector, store)
    return band_id, decided


def list_bands(store: EventStore, kind: str | None = None,
               name: str | None = None) -> list[BandView]:
    """Registered bands from the write model; only those with a source of `kind` if given."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(bands).order_by(bands.c.name)).all()
        links = conn.execute(select(band_sources).order_by(band_sources.c.value)).all()
    sources: dict[str, dict[str, list[str]]] = {}
    for link in links:
        sources.setdefault(link.band_id, {}).setdefault(link.kind, []).append(link.value)
    views = [BandView(r.band_id, r.name, sources.get(r.band_id, {})) for r in rows]
    if name is not None:
        wanted = band_id_for(name)
        views = [v for v in views if v.band_id == wanted]
    if kind is not None:
        views = [v for v in views if v.sources.get(kind)]
    return views


def band_statuses(store: EventStore) -> list[BandStatus]:
    """Every band with each source and the last crawl of its kind (for `band list`)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(bands).order_by(bands.c.name)).all()
        links = conn.execute(select(band_sources).order_by(band_sources.c.kind,
                                                           band_sources.c.value)).all()
        reads = {(r.band_id, r.kind): r for r in conn.execute(select(source_reads))}
    per_band: dict[str, list[SourceStatus]] = {}
    for link in links:
        read = reads.get((link.band_id, link.kind))
        per_band.setdefault(link.band_id, []).append(SourceStatus(
            link.kind, link.value, link.discovered_from,
            *((read.crawled_at, read.concerts, read.complete, read.suspect_reason)
              if read is not None else ())))
    return [BandStatus(r.band_id, r.name, per_band.get(r.band_id, [])) for r in rows]
