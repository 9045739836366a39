"""The public view of a concert: the fields of DESIGN.md, "The read model"."""

from __future__ import annotations

from typing import Any

from bandcrawler.domain.concert import Concert


def concert_document(concert: Concert) -> dict[str, Any]:
    """The concert as users see it; the Elasticsearch document and the write-model row."""
    venue = concert.venue
    details = concert.details
    lat_lon = concert.location
    return {
        "concert_id": concert.concert_id,
        "band_id": concert.band_id,
        "band": concert.band,
        "title": details.get("title"),
        "starts_at": concert.starts_at,
        "local_date": concert.local_date,
        "local_time": concert.local_time,
        "timezone": concert.timezone,
        "status": concert.status,
        "listed": concert.listed,
        "venue": {k: venue.get(k) for k in ("name", "address", "city", "region", "country")},
        "location": {"lat": lat_lon[0], "lon": lat_lon[1]} if lat_lon else None,
        "geo_precision": concert.geo_precision,
        "lineup": details.get("lineup") or [concert.band],
        "url": details.get("url"),
        "ticket_url": details.get("ticket_url"),
        "sources": list(concert.sources),
        "first_seen": concert.first_seen,
        "updated_at": concert.updated_at,
        "version": concert.version,
    }
