"""Deterministic identity rules for bands and concerts."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


def normalize_key(text: str | None) -> str:
    """Casefolded, accent-free, punctuation-free form of a name, for matching."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"[\W_]+", " ", bare).strip()


def slug_for(name: str, what: str = "band") -> str:
    """The id a named thing (a band, a watch) gets from its name: its matching key, hyphened;
    ValueError when the name has no letter or digit."""
    slug = normalize_key(name).replace(" ", "-")
    if not slug:
        raise ValueError(f"a {what} needs a name with at least one letter or digit")
    return slug


def band_id_for(name: str) -> str:
    return slug_for(name, "band")


def band_stream(band_id: str) -> str:
    return f"band-{band_id}"


def concert_stream(concert_id: str) -> str:
    return f"concert-{concert_id}"


def natural_key(band_id: str, local_date: str, place: str | None) -> str:
    """The same band on the same local date in the same city is the same concert."""
    return f"nat:{band_id}:{local_date}:{normalize_key(place) or '-'}"


def town_natural_key(band_id: str, local_date: str, place_key: str) -> str:
    """The same band on the same local date at the venue in the same canonical town (a
    GeoNames id, whatever language the source named it in) is the same concert."""
    return f"nat:{band_id}:{local_date}:{place_key}"


def source_key(source: str, source_id: str) -> str:
    return f"src:{source}:{source_id}"


def concert_id_for(natural: str) -> str:
    """A concert's id: stable hash of the natural key it was first seen under."""
    return hashlib.sha256(natural.encode("utf-8")).hexdigest()[:24]


# Venues closer than this on the same night are one venue, whatever each source calls it.
SAME_VENUE_KM = 1.0


@dataclass(frozen=True)
class PlacedConcert:
    """What the identity rule compares: a concert's band, local date at the venue, canonical
    town and coordinates."""

    concert_id: str
    band_id: str
    local_date: str
    place_key: str | None
    latitude: float | None = None
    longitude: float | None = None


def same_concerts(concerts: Iterable[PlacedConcert]) -> list[list[str]]:
    """Groups of concert ids that the identity rule says are one concert: the same band on
    the same local date, in the same canonical town or at venues within SAME_VENUE_KM."""
    by_night: dict[tuple[str, str], list[PlacedConcert]] = {}
    for concert in concerts:
        by_night.setdefault((concert.band_id, concert.local_date), []).append(concert)
    groups: list[list[str]] = []
    for night in by_night.values():
        parent = {c.concert_id: c.concert_id for c in night}

        def root(cid: str, parent: dict[str, str] = parent) -> str:
            while parent[cid] != cid:
                cid = parent[cid]
            return cid

        for i, a in enumerate(night):
            for b in night[i + 1:]:
                if _same_place(a, b):
                    parent[root(b.concert_id)] = root(a.concert_id)
        members: dict[str, list[str]] = {}
        for c in night:
            members.setdefault(root(c.concert_id), []).append(c.concert_id)
        groups.extend(sorted(ids) for ids in members.values() if len(ids) > 1)
    return sorted(groups)


def _same_place(a: PlacedConcert, b: PlacedConcert) -> bool:
    if a.place_key and a.place_key == b.place_key:
        return True
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return False
    return _km(a.latitude, a.longitude, b.latitude, b.longitude) <= SAME_VENUE_KM  # type: ignore[arg-type]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))
