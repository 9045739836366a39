"""A request's query string, checked strictly, turned into the CLI's SearchFilters."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.datastructures import QueryParams

from bandcrawler.search.queries import SearchFilters, parse_radius

STATUSES = ("scheduled", "cancelled", "postponed", "rescheduled", "moved_online")
SEARCH_PARAMS = ("near", "lat", "lon", "radius", "from", "to", "band", "country", "status",
                 "text", "sort", "bbox", "search_after", "limit")
WEB_MAX_LIMIT = 1000  # per answer: a page of the list, or the map's markers
MAX_TEXT = 200


class BadRequest(ValueError):
    """A query the server will not run; the message is the one-line reason the client gets."""


@dataclass(frozen=True)
class Search:
    """What one request asked for: the filters, and the place name it gave (if any)."""

    filters: SearchFilters
    near: str | None = None


Locate = Callable[[str], tuple[float, float]]


def parse_search(params: QueryParams, locate: Locate, *, default_limit: int = 20) -> Search:
    """Filters from `params`; a place in `near` is located with `locate` (the CLI's geocoder).
    Empty values count as absent, since a submitted form sends every field."""
    values = _single_values(params, SEARCH_PARAMS)
    near = values.get("near")
    lat, lon = _number(values, "lat"), _number(values, "lon")
    if near is not None:
        if lat is not None or lon is not None:
            raise BadRequest("use near or lat/lon, not both")
        lat, lon = locate(near)
    kwargs: dict[str, Any] = {
        "lat": lat, "lon": lon,
        "radius_km": _convert(values, "radius", parse_radius, 100.0),
        "date_from": _convert(values, "from", date.fromisoformat, date.today()),
        "date_to": _convert(values, "to", date.fromisoformat, None),
        "band": values.get("band"), "country": _country(values.get("country")),
        "status": _choice(values, "status", STATUSES), "text": values.get("text"),
        "sort": _choice(values, "sort", ("date", "distance")),
        "bbox": _convert(values, "bbox", _bbox, None),
        "search_after": _convert(values, "search_after", _search_after, None),
        "limit": _limit(values, default_limit),
    }
    try:
        return Search(SearchFilters(**kwargs), near)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def check_no_params(params: QueryParams) -> None:
    _single_values(params, ())


def _single_values(params: QueryParams, allowed: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in params:
        if name not in allowed:
            raise BadRequest(f"unknown parameter {name[:40]!r}"
                             + (f" (known: {', '.join(allowed)})" if allowed else ""))
        given = params.getlist(name)
        if len(given) > 1:
            raise BadRequest(f"parameter {name!r} given {len(given)} times")
        text = " ".join(given[0].split())
        if len(text) > MAX_TEXT:
            raise BadRequest(f"parameter {name!r} is longer than {MAX_TEXT} characters")
        if text:
            values[name] = text
    return values


def _convert(values: dict[str, str], name: str, parse: Callable[[str], Any], default: Any):
    if name not in values:
        return default
    try:
        return parse(values[name])
    except (ValueError, TypeError) as exc:
        raise BadRequest(f"bad {name} {values[name][:40]!r}: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:120]


def _number(values: dict[str, str], name: str) -> float | None:
    number = _convert(values, name, float, None)
    if number is not None and number != number:  # NaN
        raise BadRequest(f"bad {name}: not a number")
    return number


def _limit(values: dict[str, str], default: int) -> int:
    limit = _convert(values, "limit", int, default)
    if not 1 <= limit <= WEB_MAX_LIMIT:
        raise BadRequest(f"limit must be within 1..{WEB_MAX_LIMIT}")
    return limit


def _choice(values: dict[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    value = values.get(name)
    if value is not None and value not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(choices)}")
    return value


def _country(value: str | None) -> str | None:
    if value is not None and not (len(value) == 2 and value.isascii() and value.isalpha()):
        raise BadRequest("country must be an ISO 3166-1 alpha-2 code, e.g. FR")
    return value.upper() if value else None


def _bbox(text: str) -> tuple[float, float, float, float]:
    parts = [float(p) for p in text.split(",")]
    if len(parts) != 4 or any(p != p for p in parts):
        raise ValueError("expected west,south,east,north in degrees")
    return parts[0], parts[1], parts[2], parts[3]


def _search_after(text: str) -> tuple[Any, ...]:
    values = json.loads(text)
    if not isinstance(values, list) or not all(
            v is None or isinstance(v, str | int | float) for v in values):
        raise ValueError("expected the JSON list of a hit's sort values")
    return tuple(values)
