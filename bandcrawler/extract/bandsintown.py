"""Concert items from a Bandsintown REST API v3 answer (`/artists/{name}/events`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bandcrawler.extract import Rejected, guard
from bandcrawler.extract.normalize import (
    clean_text,
    country_code,
    event_status,
    parse_start,
    unique_names,
)
from bandcrawler.extract.places import coordinates
from bandcrawler.items import parsed_item

# Query parameters Bandsintown adds to every link it returns: the caller's app id (a secret)
# and tracking tags that would make an unchanged concert look changed.
_PRIVATE_PARAMS = re.compile(r"^(?:app_id|came_from|utm_\w+)$", re.IGNORECASE)
# How Bandsintown names a livestream's "venue" (its `type`, or its name).
_ONLINE_TYPES = {"virtual", "online", "livestream", "stream", "streaming"}
_ONLINE_NAMES = _ONLINE_TYPES | {"live stream", "streaming live", "online event", "virtual event"}
# Status words, as organisers write them into titles and descriptions (see `_status`).
_STATUS_WORD = r"(cancell?ed|postponed|rescheduled)"
_LEADING = re.compile(rf"^\W*{_STATUS_WORD}\b", re.IGNORECASE)
_LEADING_MARK = re.compile(rf"^\W*{_STATUS_WORD}\s*(?:[:!|/–—-]|$)", re.IGNORECASE)
_BRACKETED = re.compile(rf"[(\[]\s*{_STATUS_WORD}\s*[)\]]", re.IGNORECASE)
_SHOUTED = re.compile(r"\b(CANCELL?ED|POSTPONED|RESCHEDULED)\b")
_DETAIL_LIMIT = 200


def parse_events(body: bytes | str, url: str) -> Iterator[dict[str, Any] | Rejected]:
    """Yield one item per event of the answer, or a Rejected for what cannot be used.

    An answer that is not a JSON array (`{warn=Not found}`, `{"errorMessage": ...}`) is one
    whole-page Rejected: the band's listing is unknown, not empty. `[]` yields nothing.
    """
    source_url = public_url(url)
    answer = _load(body)
    if not isinstance(answer, list):
        yield Rejected("bad_answer", f"{source_url}: {_describe(answer, body)}", whole_page=True)
        return
    for number, event in enumerate(answer, start=1):
        if not isinstance(event, dict):
            yield Rejected("bad_event", f"event #{number} on {source_url} is {event!r:.50}")
            continue
        yield event_item(event, source_url)


def public_url(url: str) -> str:
    """`url` without the app id and Bandsintown's tracking parameters."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _PRIVATE_PARAMS.match(k)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def event_item(event: dict[str, Any], source_url: str) -> dict[str, Any] | Rejected:
    """The concert item for one Bandsintown event, or why it cannot be one."""
    title = clean_text(event.get("title"))
    url = _link(event.get("url"))
    start = event.get("datetime") or event.get("starts_at")
    what = f"event {event.get('id')!r} ({title!r}) on {source_url}"
    if start is None or (isinstance(start, str) and not start.strip()):
        return Rejected("missing_start_date", what)
    try:
        local_date, local_time, utc_offset = parse_start(start)
    except ValueError:
        return Rejected("bad_start_date", f"{what}: datetime {start!r}")
    venue = event.get("venue")
    if not isinstance(venue, dict):
        venue = {}
    online = _is_online(venue)
    return parsed_item(
        source="bandsintown",
        source_id=clean_text(event.get("id")) or url,
        source_url=source_url,
        title=title,
        local_date=local_date,
        local_time=local_time,
        utc_offset=utc_offset,  # None: Bandsintown writes the local time without offset
        status=_status(title, clean_text(event.get("description"))),
        **_venue(venue, online),
        online=online,
        lineup=_lineup(event.get("lineup")),
        url=url,
        ticket_url=_ticket_url(event.get("offers")),
    )


def _venue(venue: dict[str, Any], online: bool) -> dict[str, Any]:
    """Venue fields; a livestream's pseudo-venue ("Livestream", no city) is no venue at all."""
    fields: dict[str, Any] = {
        "venue_name": clean_text(venue.get("name")),
        "venue_address": clean_text(venue.get("street_address")),
        "venue_city": clean_text(venue.get("city")),
        "venue_region": clean_text(venue.get("region")),
        "venue_postal_code": clean_text(venue.get("postal_code")),
        "venue_country": country_code(venue.get("country")),
        **coordinates(venue.get("latitude"), venue.get("longitude")),
    }
    if online and not fields["venue_city"]:
        return dict.fromkeys(fields)
    return fields


def _is_online(venue: dict[str, Any]) -> bool:
    kind = (clean_text(venue.get("type")) or "").casefold()
    name = (clean_text(venue.get("name")) or "").casefold()
    return kind in _ONLINE_TYPES or name in _ONLINE_NAMES


def _status(title: str | None, description: str | None) -> str:
    """Bandsintown has no status field; organisers write it into the title or description.

    Counted: a title that starts with the word as a mark, brackets it or shouts it
    ("Cancelled: ...", "... (Postponed)", "... - CANCELLED"), and a description that starts
    with it ("Rescheduled from May; tickets remain valid") or shouts it. A word in passing
    ("Cancelled Plans Tour", "the show was postponed from May") is not a status.
    """
    checks = ((title, (_LEADING_MARK, _BRACKETED, _SHOUTED)), (description, (_LEADING, _SHOUTED)))
    for text, patterns in checks:
        for pattern in patterns:
            match = pattern.search(text or "")
            if match:
                return event_status(match.group(1))
    return "scheduled"


def _lineup(names: Any) -> list[str]:
    """Performers in billing order, each once (Bandsintown repeats co-headliners)."""
    return unique_names(
        name.get("name") if isinstance(name, dict) else name  # some answers give artist objects
        for name in (names if isinstance(names, list) else [names])
    )


def _ticket_url(offers: Any) -> str | None:
    """The first "Tickets" offer's link, else the first offer's link."""
    offers = [o for o in offers if isinstance(o, dict)] if isinstance(offers, list) else []
    tickets = [o for o in offers if (clean_text(o.get("type")) or "").casefold() == "tickets"]
    for offer in tickets + offers:
        url = _link(offer.get("url"))
        if url:
            return url
    return None


def _link(value: Any) -> str | None:
    text = clean_text(value)
    if not text or not text.startswith(("http://", "https://")):
        return None
    return public_url(text)


def _load(body: bytes | str) -> Any:
    """The parsed answer, or None when it is not JSON (`{warn=Not found}`, an HTML page)."""
    try:
        text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
        return guard.loads(text)
    except (UnicodeDecodeError, ValueError):
        return None


def _describe(answer: Any, body: bytes | str) -> str:
    if isinstance(answer, dict):
        message = next((answer[k] for k in ("errorMessage", "error", "message", "Message", "warn")
                        if answer.get(k)), json.dumps(answer))
        return f"an error object: {clean_text(str(message))!s:.{_DETAIL_LIMIT}}"
    if answer is not None:
        return f"a JSON {type(answer).__name__}, not a list of events"
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return f"not JSON: {' '.join(text.split()) or '(empty)'!s:.{_DETAIL_LIMIT}}"
