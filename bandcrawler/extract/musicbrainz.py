"""Concert items from a MusicBrainz web service answer (`/ws/2/event?artist=…&fmt=json`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bandcrawler.extract import Rejected, guard
from bandcrawler.extract.normalize import clean_text, country_code, parse_start, unique_names
from bandcrawler.extract.places import coordinates, venue_from_text
from bandcrawler.geo.gazetteer import find_city
from bandcrawler.items import COORDINATE_FIELDS, VENUE_FIELDS, parsed_item

EVENT_URL = "https://musicbrainz.org/event/{}"
# Performer relation types, in lineup order; hosts, conductors and the like are not performers.
_PERFORMER_TYPES = ("main performer", "support act", "guest performer")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")

Json = dict[str, Any]


def parse_events(body: bytes | str, url: str) -> Iterator[dict[str, Any] | Rejected]:
    """Yield one item per event of the answer, or a Rejected for what cannot be used.

    A lookup answer (`/ws/2/event/<mbid>`: one event object) yields its one event. An answer
    that is not MusicBrainz JSON (an HTML error page, a JSON error object) is one whole-page
    Rejected: the artist's listing is then incomplete.
    """
    answer = _load(body, lookup=True)
    if answer is None:
        yield Rejected("bad_answer", f"{url}: not a MusicBrainz event list: "
                       f"{_preview(body)!r}", whole_page=True)
        return
    for event in answer["events"]:
        yield event_item(event, url)


def next_offset(body: bytes | str) -> int | None:
    """The offset of the next page of the answer, or None when it was the last one."""
    answer = _load(body)
    if answer is None or not answer["events"]:
        return None
    offset, count = answer.get("event-offset"), answer.get("event-count")
    if not isinstance(offset, int) or not isinstance(count, int):
        return None
    following = offset + len(answer["events"])
    return following if following < count else None


def event_item(event: Any, url: str) -> dict[str, Any] | Rejected:
    """The concert item for one MusicBrainz event, or why it cannot be one."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        return Rejected("bad_event", f"an event without an id on {url}")
    title = _title(event.get("name"))
    begin = (event.get("life-span") or {}).get("begin")
    if not begin:
        return Rejected("missing_start_date", f"{title!r} ({event['id']}) on {url}")
    if not isinstance(begin, str) or not _DATE.match(begin.strip()):
        # MusicBrainz dates may be partial: "2026-05" or "1990" is not a concert's date.
        return Rejected("bad_start_date", f"{title!r} ({event['id']}) on {url}: {begin!r}")
    try:
        local_date, _, _ = parse_start(begin.strip())
    except ValueError:
        return Rejected("bad_start_date", f"{title!r} ({event['id']}) on {url}: {begin!r}")
    relations = [r for r in event.get("relations") or [] if isinstance(r, dict)]
    return parsed_item(
        source="musicbrainz",
        source_id=event["id"],
        source_url=url,
        title=title,
        local_date=local_date,
        local_time=_local_time(local_date, event.get("time")),
        utc_offset=None,  # MusicBrainz records the time at the venue, without a zone
        status="cancelled" if event.get("cancelled") is True else "scheduled",
        **_venue(relations),
        online=False,
        lineup=_lineup(relations),
        url=EVENT_URL.format(event["id"]),
        ticket_url=None,
    )


def _load(body: bytes | str, lookup: bool = False) -> Json | None:
    """The answer as a browse list; with `lookup`, one event object becomes a list of one."""
    try:
        answer = guard.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if lookup and isinstance(answer, dict) and isinstance(answer.get("id"), str) \
            and "life-span" in answer:
        return {"events": [answer]}
    if not isinstance(answer, dict) or not isinstance(answer.get("events"), list):
        return None
    return answer


def _preview(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return " ".join(text.split())[:120]


def _title(name: Any) -> str | None:
    """The event's name; None for MusicBrainz placeholders such as "[concert]", "[unknown]"."""
    title = clean_text(name)
    if title and title.startswith("[") and title.endswith("]"):
        return None
    return title


def _local_time(local_date: str, time: Any) -> str | None:
    """'HH:MM' from `time` ("20:00"; "" when unknown); a malformed time keeps only the date."""
    if not isinstance(time, str) or not _TIME.match(time.strip()):
        return None
    try:
        return parse_start(f"{local_date}T{time.strip()}")[1]
    except ValueError:
        return None


def _venue(relations: list[Json]) -> dict[str, Any]:
    """Venue fields from the first "held at" place, else the area of a "held in" relation.

    The town is the one the place's address names ("Kensington Gore, London SW7 2AP") when
    it names one, else the place's area: an area may be a borough or district of the town.
    """
    venue: dict[str, Any] = dict.fromkeys((*VENUE_FIELDS, *COORDINATE_FIELDS))
    place = _first_target(relations, "held at", "place")
    if place is not None:
        venue["venue_name"] = clean_text(place.get("name"))
        venue["venue_address"] = clean_text(place.get("address"))
        venue.update(_area(place.get("area")))
        town = venue_from_text(venue["venue_address"] or "")["venue_city"]
        if town and find_city(town):
            venue["venue_city"] = town
        venue["venue_country"] = venue["venue_country"] or _address_country(
            venue["venue_address"])
        geo = place.get("coordinates")
        if isinstance(geo, dict):
            venue.update(coordinates(geo.get("latitude"), geo.get("longitude")))
        return venue
    area = _first_target(relations, "held in", "area")
    if area is not None:
        venue.update(_area(area))
    return venue


def _first_target(relations: list[Json], kind: str, target_type: str) -> Json | None:
    for relation in relations:
        target = relation.get(target_type)
        # Search answers leave "target-type" out; the target's key says what it is.
        if (relation.get("type") == kind and relation.get("target-type") in (None, target_type)
                and isinstance(target, dict)):
            return target
    return None


def _area(area: Any) -> dict[str, str | None]:
    """City, region and country of a MusicBrainz area.

    Nested areas carry no type, only ISO codes. An area with an ISO 3166-1 code is a country
    ("United Kingdom"): it gives the country and no city. An area with an ISO 3166-2 code is a
    subdivision: its code gives the region ("US-NY" -> "NY") and the country, and its name is
    kept as the city, because the subdivisions MusicBrainz puts venues in are mostly cities
    that are their own subdivision (Berlin DE-BE, Wien AT-9, Rīga LV-RIX, Tokyo JP-13).
    An area without codes is a city, town or district.
    """
    fields: dict[str, str | None] = {"venue_city": None, "venue_region": None,
                                     "venue_country": None}
    if not isinstance(area, dict):
        return fields
    name = clean_text(area.get("name"))
    country = _first_code(area.get("iso-3166-1-codes"))
    if country:
        fields["venue_country"] = country_code(country)
        return fields
    fields["venue_city"] = name
    subdivision = _first_code(area.get("iso-3166-2-codes"))
    if subdivision and "-" in subdivision:
        prefix, _, suffix = subdivision.partition("-")
        fields["venue_region"] = suffix or None
        fields["venue_country"] = country_code(prefix)
    return fields


def _first_code(codes: Any) -> str | None:
    if isinstance(codes, list):
        return next((c.strip().upper() for c in codes if isinstance(c, str) and c.strip()), None)
    return None


def _address_country(address: str | None) -> str | None:
    """The country a free-text address ends with ("Skanstes iela 21, Rīga, Latvia" -> LV).

    Only a country name counts: a last part with digits ("CA 94115") or of three letters or
    fewer ("CA", "NSW") is a region or a postcode far more often than a country code.
    """
    parts = [p.strip() for p in (address or "").split(",") if p.strip()]
    if len(parts) < 2 or len(parts[-1]) <= 3 or re.search(r"\d", parts[-1]):
        return None
    return country_code(parts[-1])


def _lineup(relations: list[Json]) -> list[str]:
    """Main performers, then support acts, then guests; each name once."""
    return unique_names(
        relation["artist"].get("name")
        for kind in _PERFORMER_TYPES
        for relation in relations
        if relation.get("type") == kind and isinstance(relation.get("artist"), dict)
    )
