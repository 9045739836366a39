"""Cleaning and checking an extracted item before anything is recorded."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bandcrawler.domain.events import STATUSES
from bandcrawler.extract.canonical import settle_place
from bandcrawler.extract.places import coordinates
from bandcrawler.items import VENUE_FIELDS as ITEM_VENUE_FIELDS

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_OFFSET = re.compile(r"^[+-]([01]\d|2[0-3]):?[0-5]\d$")
# A listing's venue: the item's venue_* fields without their prefix.
VENUE_FIELDS = tuple(f.removeprefix("venue_") for f in ITEM_VENUE_FIELDS)


class InvalidItem(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def clean_item(item: dict[str, Any]) -> dict[str, Any]:
    """The fields a Listing is built from, cleaned; raises InvalidItem with a reason slug."""
    for required in ("band_id", "band", "source"):
        if not _text(item.get(required)):
            raise InvalidItem(f"missing_{required}", f"item has no {required}")
    local_date = _text(item.get("local_date"))
    if not local_date:
        raise InvalidItem("missing_start_date", _describe(item))
    try:
        # Canonical YYYY-MM-DD: fromisoformat also takes "20250314" and "2025-W11-5".
        local_date = date.fromisoformat(local_date).isoformat()
    except ValueError:
        raise InvalidItem("bad_start_date", f"{local_date!r} in {_describe(item)}") from None
    status = _text(item.get("status")) or "scheduled"
    if status not in STATUSES:
        raise InvalidItem("bad_status", f"{status!r} in {_describe(item)}")
    band = _text(item["band"])
    performers = item.get("lineup") or []
    if isinstance(performers, str):  # one name, not a list of one-letter names
        performers = [performers]
    lineup = list(dict.fromkeys(filter(None, map(_text, performers))))
    country = (_text(item.get("venue_country")) or "").upper()
    return settle_place({
        "band_id": _text(item["band_id"]), "band": band, "source": _text(item["source"]),
        "source_id": _text(item.get("source_id")), "source_url": _text(item.get("source_url")),
        "status": status, "title": _text(item.get("title")), "local_date": local_date,
        "local_time": _time(item.get("local_time")), "utc_offset": _offset(item.get("utc_offset")),
        "venue": {
            **{f: _text(item.get(f"venue_{f}")) for f in VENUE_FIELDS},
            "country": country if len(country) == 2 and country.isalpha() else None,
        },
        "source_location": _coordinates(item.get("latitude"), item.get("longitude")),
        "online": bool(item.get("online")),
        "lineup": lineup or [band],
        "url": _text(item.get("url")), "ticket_url": _text(item.get("ticket_url")),
    })


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _time(value: Any) -> str | None:
    text = _text(value)
    return text if text and _TIME.match(text) else None


def _offset(value: Any) -> str | None:
    text = _text(value)
    if not text or not _OFFSET.match(text):
        return None
    return text if ":" in text else f"{text[:3]}:{text[3:]}"


def _coordinates(lat: Any, lon: Any) -> dict[str, float] | None:
    """Source coordinates by the one rule every parser uses, or None."""
    found = coordinates(lat, lon)
    return None if found["latitude"] is None else found  # type: ignore[return-value]


def _describe(item: dict[str, Any]) -> str:
    return repr(item.get("title") or item.get("source_id") or item.get("source_url") or "item")
