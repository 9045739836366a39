"""Map schema.org Event nodes (JSON-LD shaped; microdata is converted to it) to concert items."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from bandcrawler.extract import Rejected
from bandcrawler.extract.normalize import (
    clean_text,
    country_code,
    event_status,
    parse_start,
    unique_names,
)
from bandcrawler.extract.places import coordinates, venue_from_text
from bandcrawler.items import COORDINATE_FIELDS, VENUE_FIELDS, parsed_item

# Where events hide inside non-event nodes: graphs, pages, item lists, a band's or venue's
# `event`, an EventSeries' `subEvent`.
_CONTAINER_KEYS = (
    "@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "item",
    "event", "events", "subEvent", "subEvents",
)
# Event subtypes whose names do not end in "Event".
_EVENT_TYPES = {"Event", "Festival", "Hackathon"}
# Plugins (The Events Calendar among them) write a bare type name where a performer belongs.
_TYPE_PLACEHOLDERS = {
    "organization", "person", "musicgroup", "performinggroup", "thing", "organizer", "performer",
}
_SCHEMA_PREFIX = re.compile(r"^(?:https?://schema\.org/|schema:)", re.IGNORECASE)

Node = dict[str, Any]
Nodes = dict[str, Node]


def type_names(node: Node) -> list[str]:
    """Bare schema.org type names of a node ('https://schema.org/MusicEvent' -> 'MusicEvent')."""
    types = node.get("@type") or node.get("type") or []
    if isinstance(types, str):
        types = types.split()
    elif not isinstance(types, list):  # a number or an object where a name belongs
        return []
    return [_SCHEMA_PREFIX.sub("", t) for t in types if isinstance(t, str)]


def is_event(node: Node) -> bool:
    return any(name in _EVENT_TYPES or name.endswith("Event") for name in type_names(node))


def find_events(data: Any) -> Iterator[Node]:
    """Every event node in parsed JSON-LD, looking inside graphs, lists and container nodes."""
    if isinstance(data, list):
        for element in data:
            yield from find_events(element)
    elif isinstance(data, dict):
        if is_event(data):
            yield data
            return
        for key in _CONTAINER_KEYS:
            if key in data:
                yield from find_events(data[key])


def index_nodes(data: Any, nodes: Nodes | None = None) -> Nodes:
    """Map each `@id` to its fullest node, so `{"@id": "#venue"}` references can be followed."""
    nodes = {} if nodes is None else nodes
    if isinstance(data, list):
        for element in data:
            index_nodes(element, nodes)
    elif isinstance(data, dict):
        node_id = data.get("@id")
        if isinstance(node_id, str) and len(data) > len(nodes.get(node_id, ())):
            nodes[node_id] = data
        for value in data.values():
            index_nodes(value, nodes)
    return nodes


def event_item(event: Node, page_url: str, nodes: Nodes) -> dict[str, Any] | Rejected:
    """The concert item for one event node, or why it cannot be one."""
    title = _text(event.get("name"))
    url = _url(event.get("url"), page_url)
    start = _first(event.get("startDate"))
    if isinstance(start, dict):
        start = start.get("@value")
    if start is None or (isinstance(start, str) and not start.strip()):
        return Rejected("missing_start_date", f"{title!r} on {page_url}")
    try:
        local_date, local_time, utc_offset = parse_start(start)
    except ValueError:
        return Rejected("bad_start_date", f"{title!r} on {page_url}: startDate {start!r}")
    if _is_all_day(local_time, event.get("endDate")):
        local_time = None
    venue = _venue(event.get("location"), nodes)
    online = venue.pop("online") or str(_first(event.get("eventAttendanceMode"))).endswith(
        "OnlineEventAttendanceMode"
    )
    return parsed_item(
        source="jsonld",
        source_id=_source_id(event, page_url) or url,
        source_url=page_url,
        title=title,
        local_date=local_date,
        local_time=local_time,
        utc_offset=utc_offset,
        status=event_status(event.get("eventStatus")),
        **venue,
        online=online,
        lineup=_lineup(event.get("performer", event.get("performers")), nodes),
        url=url,
        ticket_url=_ticket_url(event.get("offers"), page_url, nodes),
    )


def _is_all_day(local_time: str | None, end: Any) -> bool:
    """The Events Calendar writes an all-day event as 00:00 to 23:59:59: it has no start time."""
    if local_time != "00:00":
        return False
    try:
        return parse_start(_first(end))[1] == "23:59"
    except ValueError:
        return False


def _venue(location: Any, nodes: Nodes) -> dict[str, Any]:
    """Venue fields from the first physical location; `online` when any location is virtual."""
    places = [_deref(p, nodes) for p in (location if isinstance(location, list) else [location])]
    venue: dict[str, Any] = dict.fromkeys((*VENUE_FIELDS, *COORDINATE_FIELDS))
    venue["online"] = any(_is_virtual(p) for p in places)
    place = next((p for p in places if p and not _is_virtual(p)), None)
    if isinstance(place, str):
        venue.update(venue_from_text(clean_text(place) or ""))
    elif isinstance(place, dict):
        address = _address(_deref(_first(place.get("address")), nodes))
        venue.update({k: v for k, v in address.items() if k != "venue_name"})
        venue["venue_name"] = _text(place.get("name"))
        geo = _deref(_first(place.get("geo")), nodes) or place
        if isinstance(geo, dict):
            venue.update(coordinates(geo.get("latitude"), geo.get("longitude")))
    return venue


def _is_virtual(place: Any) -> bool:
    return isinstance(place, dict) and "VirtualLocation" in type_names(place)


def _address(address: Any) -> dict[str, str | None]:
    if isinstance(address, str):  # "London, UK", "Kensington Gore, London SW7 2AP"
        text = clean_text(address)
        read = venue_from_text(text or "")
        return {**read, "venue_name": None, "venue_address": text}
    if not isinstance(address, dict):
        return {}
    country = _first(address.get("addressCountry"))
    if isinstance(country, dict):
        country = country.get("name") or country.get("identifier") or country.get("@id")
    return {
        "venue_address": _text(address.get("streetAddress")),
        "venue_city": _text(address.get("addressLocality")),
        "venue_region": _text(address.get("addressRegion")),
        "venue_postal_code": _text(address.get("postalCode")),
        "venue_country": country_code(country),
    }


def _lineup(performers: Any, nodes: Nodes) -> list[str]:
    return unique_names(
        _performer_name(_deref(performer, nodes))
        for performer in (performers if isinstance(performers, list) else [performers])
    )


def _performer_name(performer: Any) -> str | None:
    if isinstance(performer, str):
        bare = _SCHEMA_PREFIX.sub("", performer.strip())
        return None if bare.lower() in _TYPE_PLACEHOLDERS else performer
    return _text(performer.get("name")) if isinstance(performer, dict) else None


def _ticket_url(offers: Any, page_url: str, nodes: Nodes) -> str | None:
    for offer in offers if isinstance(offers, list) else [offers]:
        offer = _deref(offer, nodes)
        if not isinstance(offer, dict):
            continue
        url = _url(offer.get("url"), page_url) or _ticket_url(offer.get("offers"), page_url, nodes)
        if url:
            return url
    return None


def _source_id(event: Node, page_url: str) -> str | None:
    node_id = event.get("@id")
    if not isinstance(node_id, str) or not node_id.strip() or node_id.startswith("_:"):
        return None  # blank nodes are only unique within one document
    return urljoin(page_url, node_id.strip())


def _url(value: Any, base: str) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    if not isinstance(value, str) or not value.strip():
        return None
    url = urljoin(base, clean_text(value) or "")
    return url if url.startswith(("http://", "https://")) else None


def _text(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("@value", value.get("name"))
    return clean_text(value)


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return next((v for v in value if v not in (None, "")), None)
    return value


def _deref(value: Any, nodes: Nodes) -> Any:
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        return nodes.get(value["@id"], value) if len(value) <= 2 else value
    return value
