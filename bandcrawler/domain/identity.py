"""Deterministic identity rules for bands and concerts."""

from __future__ import annotations

import hashlib
import re
import unicodedata


def normalize_key(text: str | None) -> str:
    """Casefolded, accent-free, punctuation-free form of a name, for matching."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"[\W_]+", " ", bare).strip()


def band_id_for(name: str) -> str:
    slug = normalize_key(name).replace(" ", "-")
    if not slug:
        raise ValueError("a band needs a name with at least one letter or digit")
    return slug


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
