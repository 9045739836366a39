"""Concerts recorded twice before the canonical-town identity rule: found, reported, kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from bandcrawler.domain.identity import PlacedConcert, same_concerts
from bandcrawler.domain.timing import local_at
from bandcrawler.geo.gazetteer import resolve_town
from bandcrawler.store.tables import concerts

_COLUMNS = ("concert_id", "band", "local_date", "local_time", "venue_name", "venue_city",
            "venue_country", "sources")


def recorded_twice(engine: Engine) -> list[list[dict[str, Any]]]:
    """Groups of write-model concerts that today's identity rule would have made one: the
    same band on the same local date at the venue (a UTC date moved into the venue's zone),
    in the same GeoNames town or at venues within 1 km. Nothing is changed: both ids stay
    valid and both concerts stay in the store."""
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(select(concerts))]
    placed, by_id = [], {}
    for row in rows:
        by_id[row["concert_id"]] = row
        placed.append(_placed(row))
    return [[{k: by_id[cid][k] for k in _COLUMNS} for cid in group]
            for group in same_concerts(placed)]


def _placed(row: dict[str, Any]) -> PlacedConcert:
    town = resolve_town(row["venue_city"], country=row["venue_country"],
                        region=row["venue_region"], latitude=row["latitude"],
                        longitude=row["longitude"])
    local_date = row["local_date"]
    if row["starts_at"] and row["timezone"]:
        local_date = (local_at(row["starts_at"], row["timezone"]) or (local_date,))[0]
    return PlacedConcert(row["concert_id"], row["band_id"], local_date,
                         f"geonames:{town.geonameid}" if town else None,
                         row["latitude"], row["longitude"])
