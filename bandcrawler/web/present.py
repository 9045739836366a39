"""How a concert document is shown: safe links, status marks, short names, GeoJSON."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bandcrawler.search.queries import Hit

SHORT = 200  # characters of a source's text in the list and in popups
MARKED_STATUSES = {"cancelled": "Cancelled", "postponed": "Postponed",
                   "rescheduled": "Rescheduled", "moved_online": "Moved online"}


def safe_url(value: Any) -> str | None:
    """`value` if it is an absolute http(s) URL, else None: a source's `javascript:`,
    `data:` or relative link is never rendered as a link."""
    if not isinstance(value, str) or len(value) > 2000:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(ord(c) < 0x21 or c in "\"'<>`\\" for c in value.strip()):
        return None
    return value.strip()


def short(text: Any, limit: int = SHORT) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def marks(doc: dict[str, Any]) -> list[str]:
    """What the list and the map call out: a status other than scheduled, and unlisted."""
    found = [MARKED_STATUSES[doc["status"]]] if doc.get("status") in MARKED_STATUSES else []
    if doc.get("listed") is False:
        found.append("Unlisted")
    return found


def when(doc: dict[str, Any]) -> str:
    """The date and local time at the venue, e.g. "2027-03-14 20:30"."""
    return " ".join(p for p in (doc.get("local_date"), doc.get("local_time")) if p)


def place(doc: dict[str, Any]) -> str:
    venue = doc.get("venue") or {}
    return ", ".join(p for p in (venue.get("name"), venue.get("city"), venue.get("country"))
                     if p)


def api_concert(hit: Hit) -> dict[str, Any]:
    return {**hit.source, "distance_km": hit.distance_km, "page": f"/concerts/{hit.concert_id}"}


def feature(hit: Hit) -> dict[str, Any] | None:
    """A GeoJSON Point feature for the map, or None without a location."""
    doc, location = hit.source, hit.source.get("location")
    if not location:
        return None
    venue = doc.get("venue") or {}
    return {
        "type": "Feature", "id": hit.concert_id,
        "geometry": {"type": "Point", "coordinates": [location["lon"], location["lat"]]},
        "properties": {
            "concert_id": hit.concert_id, "band": short(doc.get("band")),
            "local_date": doc.get("local_date"), "local_time": doc.get("local_time"),
            "venue": short(venue.get("name")), "city": short(venue.get("city")),
            "country": venue.get("country"), "status": doc.get("status"),
            "listed": doc.get("listed") is not False, "marks": marks(doc),
            "distance_km": hit.distance_km, "page": f"/concerts/{hit.concert_id}",
        },
    }
