"""Use cases on bands: register a band and its sources, list bands."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bandcrawler.domain.band import decide_register
from bandcrawler.domain.identity import band_id_for, band_stream
from bandcrawler.services.projections import catch_up
from bandcrawler.services.unit_of_work import retry_on_conflict
from bandcrawler.store.event_store import EventStore, utc_now
from bandcrawler.store.repository import load_band, to_new_events
from bandcrawler.store.tables import band_sources, bands
from bandcrawler.store.write_model import WriteModelProjector


@dataclass(frozen=True)
class BandView:
    band_id: str
    name: str
    sources: dict[str, list[str]]


def register_band(store: EventStore, projector: WriteModelProjector, name: str,
                  sources: list[tuple[str, str]]) -> tuple[str, int]:
    """Register `name` with `sources`; returns (band id, events appended). Idempotent."""
    band_id = band_id_for(name)

    def attempt() -> int:
        with store.engine.begin() as conn:
            band = load_band(store, conn, band_id)
            decided = decide_register(band, name.strip(), sources, utc_now())
            if decided:
                store.append(conn, band_stream(band_id), to_new_events(decided, {}),
                             band.version)
        return len(decided)

    appended = retry_on_conflict(attempt)
    catch_up(projector, store)
    return band_id, appended


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
