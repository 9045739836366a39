"""The concert item every spider yields: its fields, declared once."""

from __future__ import annotations

from typing import Any, TypedDict

# A TypedDict, not a scrapy.Item: at run time an item stays a plain dict (Scrapy and
# itemadapter take dicts as items), so the pure parsers in extract/ build items through this
# module without importing Scrapy, and the pipelines may keep their own notes on an item
# (concert id, version, step outcomes) without declaring them as fields of what sources say.
# To add a field: declare it here, then give it a value in the parsers that know it (the
# others get None through `parsed_item`) and read it in services/validation.py.


class ConcertItem(TypedDict):
    """One source's listing of one concert, as its parser read it."""

    # The band crawled: set by the spider, not the parser.
    band_id: str
    band: str
    # What the source says.
    source: str  # the spider's source kind: jsonld, ical, bandsintown, musicbrainz
    source_id: str | None  # the source's own stable id of the concert
    source_url: str | None  # the page, feed or API answer it was read from
    title: str | None
    local_date: str | None  # YYYY-MM-DD at the venue
    local_time: str | None  # HH:MM at the venue
    utc_offset: str | None  # ±HH:MM, when the source gives one
    status: str | None  # scheduled, cancelled, postponed, rescheduled, moved_online
    venue_name: str | None
    venue_address: str | None
    venue_city: str | None
    venue_region: str | None
    venue_postal_code: str | None
    venue_country: str | None  # ISO 3166-1 alpha-2 when the parser could tell
    latitude: float | None
    longitude: float | None
    online: bool
    lineup: list[str]
    url: str | None
    ticket_url: str | None


FIELDS: tuple[str, ...] = tuple(ConcertItem.__annotations__)
BAND_FIELDS = ("band_id", "band")  # the spider's
PARSED_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if f not in BAND_FIELDS)
VENUE_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if f.startswith("venue_"))
COORDINATE_FIELDS = ("latitude", "longitude")


def parsed_item(**fields: Any) -> dict[str, Any]:
    """A parser's item: every parsed field in the declared order, None where not given. A
    name that is no field is a mistake in the parser, not in the input: TypeError."""
    unknown = fields.keys() - set(PARSED_FIELDS)
    if unknown:
        raise TypeError(f"not fields of ConcertItem: {', '.join(sorted(unknown))}")
    return {name: fields.get(name) for name in PARSED_FIELDS}
