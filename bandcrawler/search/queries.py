"""Search filters for concerts near a place, in a date range, by band, country or text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI builds filters before it needs a client
    from elasticsearch import Elasticsearch

TEXT_FIELDS = ["band^3", "title", "venue.name^2", "venue.city^2", "lineup"]
MAX_LIMIT = 10_000  # Elasticsearch's default index.max_result_window


@dataclass(frozen=True)
class SearchFilters:
    lat: float | None = None
    lon: float | None = None
    radius_km: float = 100.0
    date_from: date | None = None
    date_to: date | None = None
    band: str | None = None
    country: str | None = None
    status: str | None = None
    text: str | None = None
    limit: int = 20
    # True: only concerts some source still lists (what "upcoming" means to a user);
    # False: only unlisted ones; None: both.
    listed: bool | None = True

    def __post_init__(self) -> None:
        if self.country is not None:
            # Names and codes alike, read by the parsers' own normalizer: "France" is FR.
            from bandcrawler.extract.countries import country_code

            code = country_code(self.country)
            if code is None:
                raise ValueError(f"not a country name or ISO code: {self.country!r}")
            object.__setattr__(self, "country", code)
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        if self.lat is not None and not -90 <= self.lat <= 90:
            raise ValueError(f"latitude {self.lat} is not within -90..90")
        if self.lon is not None and not -180 <= self.lon <= 180:
            raise ValueError(f"longitude {self.lon} is not within -180..180")
        if self.radius_km <= 0:
            raise ValueError(f"radius must be positive, not {self.radius_km} km")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date range is empty: {self.date_from} is after {self.date_to}")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"limit must be within 1..{MAX_LIMIT}, not {self.limit}")

    @property
    def near(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass
class Hit:
    concert_id: str
    source: dict[str, Any]
    distance_km: float | None = None


def build_query(f: SearchFilters) -> dict[str, Any]:
    """Keyword arguments for `client.search`: filters in a bool query, nearest and soonest first."""
    filters: list[dict[str, Any]] = []
    must: list[dict[str, Any]] = []
    if f.near:
        filters.append({"geo_distance": {"distance": f"{f.radius_km}km",
                                         "location": {"lat": f.lat, "lon": f.lon}}})
    if f.date_from or f.date_to:
        bounds = {}
        if f.date_from:
            bounds["gte"] = f.date_from.isoformat()
        if f.date_to:
            bounds["lte"] = f.date_to.isoformat()
        filters.append({"range": {"local_date": {**bounds, "format": "yyyy-MM-dd"}}})
    if f.band:
        # Analysed match, all words required: "radiohead" finds "Radiohead".
        filters.append({"match": {"band": {"query": f.band, "operator": "and"}}})
    if f.country:
        filters.append({"term": {"venue.country": f.country}})
    if f.status:
        filters.append({"term": {"status": f.status.strip().lower()}})
    if f.listed is True:  # a document written before `listed` existed counts as listed
        filters.append({"bool": {"must_not": {"term": {"listed": False}}}})
    elif f.listed is False:
        filters.append({"term": {"listed": False}})
    if f.text:
        # cross_fields + and: every word must match, in any of the fields.
        must.append({"multi_match": {"query": f.text, "fields": TEXT_FIELDS,
                                     "type": "cross_fields", "operator": "and"}})
    sort: list[dict[str, Any]] = []
    if f.near:
        sort.append({"_geo_distance": {"location": {"lat": f.lat, "lon": f.lon},
                                       "order": "asc", "unit": "km"}})
    sort += [
        {"local_date": {"order": "asc"}},
        {"local_time": {"order": "asc", "missing": "_last"}},
        {"concert_id": {"order": "asc"}},  # a stable order for equal dates and times
    ]
    bool_query: dict[str, Any] = {"filter": filters}
    if must:
        bool_query["must"] = must
    return {"query": {"bool": bool_query}, "sort": sort, "size": f.limit}


def search(client: Elasticsearch, alias: str, f: SearchFilters) -> list[Hit]:
    response = client.search(index=alias, **build_query(f))
    hits = []
    for hit in response["hits"]["hits"]:
        distance = float(hit["sort"][0]) if f.near else None
        hits.append(Hit(concert_id=hit["_id"], source=hit["_source"], distance_km=distance))
    return hits


_UNITS_KM = {
    "": 1.0, "km": 1.0, "kms": 1.0, "kilometer": 1.0, "kilometers": 1.0,
    "kilometre": 1.0, "kilometres": 1.0,
    "m": 0.001, "meter": 0.001, "meters": 0.001, "metre": 0.001, "metres": 0.001,
    "mi": 1.609344, "mile": 1.609344, "miles": 1.609344,
}
_RADIUS_RE = re.compile(r"^\s*([-+]?\s*\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_radius(text: str) -> float:
    """A radius such as "50km", "50 km", "50" (km), "10mi" or "500m", in kilometres."""
    match = _RADIUS_RE.match(text)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS_KM:
        raise ValueError(f"invalid radius {text!r}: expected a number with km, mi or m, e.g. 50km")
    km = float(match.group(1).replace(" ", "")) * _UNITS_KM[unit]
    if km <= 0:
        raise ValueError(f"invalid radius {text!r}: must be greater than zero")
    return km
