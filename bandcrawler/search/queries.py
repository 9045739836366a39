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
    # True: only concerts some source still lists (the CLI's default: what "upcoming" means
    # to a user); False: only unlisted ones; None: both (the web page marks them instead).
    listed: bool | None = None
    # The map's view: (west, south, east, north) in degrees.
    bbox: tuple[float, float, float, float] | None = None
    # "distance" (the default near a place) or "date" (the default elsewhere).
    sort: str | None = None
    # The sort values of the last hit of the previous page (Elasticsearch's search_after).
    search_after: tuple[Any, ...] | None = None

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
        if self.bbox is not None:
            _check_bbox(self.bbox)
        if self.sort not in (None, "date", "distance"):
            raise ValueError(f"sort must be date or distance, not {self.sort!r}")
        if self.sort == "distance" and not self.near:
            raise ValueError("sorting by distance needs a place (near, or lat and lon)")
        if self.search_after is not None and len(self.search_after) != len(self.sort_fields):
            raise ValueError(f"search_after needs {len(self.sort_fields)} values "
                             "(the sort values of the previous page's last hit)")

    @property
    def near(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def by_distance(self) -> bool:
        return self.near and self.sort != "date"

    @property
    def sort_fields(self) -> list[str]:
        """What the hits are ordered by, in order; the distance (when near) is always one."""
        dates = ["local_date", "local_time"]
        distance = ["_geo_distance"] if self.near else []
        return ([*distance, *dates] if self.by_distance else [*dates, *distance]) + ["concert_id"]


def _check_bbox(bbox: tuple[float, float, float, float]) -> None:
    west, south, east, north = bbox
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise ValueError("bbox longitudes must be within -180..180")
    if not -90 <= south <= north <= 90:
        raise ValueError("bbox latitudes must be within -90..90, south before north")


@dataclass
class Hit:
    concert_id: str
    source: dict[str, Any]
    distance_km: float | None = None
    # This hit's sort values: the next page's search_after when it is the last of a page.
    sort: list[Any] | None = None


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
    if f.bbox is not None:
        west, south, east, north = f.bbox
        filters.append({"geo_bounding_box": {"location": {
            "top_left": {"lat": north, "lon": west},
            "bottom_right": {"lat": south, "lon": east}}}})
    clauses = {
        "_geo_distance": {"_geo_distance": {"location": {"lat": f.lat, "lon": f.lon},
                                            "order": "asc", "unit": "km"}},
        "local_date": {"local_date": {"order": "asc"}},
        "local_time": {"local_time": {"order": "asc", "missing": "_last"}},
        "concert_id": {"concert_id": {"order": "asc"}},  # stable for equal dates and times
    }
    sort = [clauses[name] for name in f.sort_fields]
    bool_query: dict[str, Any] = {"filter": filters}
    if must:
        bool_query["must"] = must
    query: dict[str, Any] = {"query": {"bool": bool_query}, "sort": sort, "size": f.limit}
    if f.search_after is not None:
        query["search_after"] = list(f.search_after)
    return query


def search(client: Elasticsearch, alias: str, f: SearchFilters) -> list[Hit]:
    response = client.search(index=alias, **build_query(f))
    at = f.sort_fields.index("_geo_distance") if f.near else None
    hits = []
    for hit in response["hits"]["hits"]:
        distance = float(hit["sort"][at]) if at is not None else None
        hits.append(Hit(concert_id=hit["_id"], source=hit["_source"], distance_km=distance,
                        sort=hit["sort"]))
    return hits


def find_concert(client: Elasticsearch, alias: str, concert_id: str) -> dict[str, Any] | None:
    """One concert's document by its id, or None."""
    response = client.search(index=alias, query={"ids": {"values": [concert_id]}}, size=1)
    hits = response["hits"]["hits"]
    return hits[0]["_source"] if hits else None


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
