"""Concert items from an iCalendar (RFC 5545) feed: one per VEVENT, read leniently."""

from __future__ import annotations

import datetime
import re
import warnings
from collections.abc import Iterator
from typing import Any

from icalendar import Calendar, Component
from icalendar.error import GloballyUniqueTZIDGuessed
from icalendar.prop import vBroken

from bandcrawler.extract import Rejected
from bandcrawler.extract.normalize import clean_text, country_code, event_status
from bandcrawler.extract.schema_org import _coordinates

_VENUE_KEYS = (
    "venue_name", "venue_address", "venue_city", "venue_region", "venue_postal_code",
    "venue_country",
)
_CALENDAR_START = re.compile(r"^\s*BEGIN:VCALENDAR\s*$", re.IGNORECASE | re.MULTILINE)
_BLOCK_LINE = re.compile(r"^(BEGIN|END):(VEVENT|VTIMEZONE|VCALENDAR)\s*$", re.IGNORECASE)
# "75011 Paris", "1017 SG Amsterdam" (postcode first) and "London SW9 9SL" (postcode last).
_POSTCODE_CITY = re.compile(r"^(?P<postal>\d{4,5}(?: [A-Z]{2})?) (?P<city>\D+)$")
_CITY_POSTCODE = re.compile(r"^(?P<city>\D+?) (?P<postal>[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2})$")
# "NY 10003", "CA": a US state or Canadian province, with or without its ZIP code.
_REGION_ZIP = re.compile(r"^(?P<region>[A-Z]{2})(?: (?P<postal>\d{5}(?:-\d{4})?))?$")
_VENUE_WORD = re.compile(
    r"\b(?:club|hall|arena|theat(?:er|re)|th[ée][âa]tre|bar|pub|stadium|stadion|ballroom|"
    r"cigale|caf[ée]|room|house|centre|center|church|kirche|salle|sala|lounge|academy|"
    r"palace|palais|zenith|z[ée]nith|bataclan|olympia)\b|^(?:the|le|la|les|l'|das|der|het) ",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s<>\"']+")
_ANCHOR = re.compile(r"<a\b[^>]*\bhref=[\"']?(?P<href>https?://[^\"'\s>]+)[^>]*>(?P<text>.*?)</a>",
                     re.IGNORECASE | re.DOTALL)
_TICKET = re.compile(
    r"ticket|billet|karten|entradas|biglietti|eventbrite\.|dice\.fm|eventim\.|"
    r"seetickets\.|axs\.com|ticketweb\.|universe\.com|tix",
    re.IGNORECASE,
)
_ONLINE = re.compile(r"^(?:https?://\S+|online|livestream|live stream|stream)$", re.IGNORECASE)


def parse_events(body: bytes | str, url: str) -> Iterator[dict[str, Any] | Rejected]:
    """Yield one item per VEVENT of the feed, or a Rejected for what cannot be used.

    The whole feed is parsed first; when the library raises, or silently drops events (an
    unterminated VEVENT), each BEGIN:VEVENT…END:VEVENT block is parsed on its own, so one
    broken event costs only itself. A body that is no calendar is one `bad_feed`.
    Recurring events (RRULE) give their first occurrence (DTSTART) only; an overridden
    occurrence (same UID with a RECURRENCE-ID) is an item of its own.
    """
    text = _decode(body)
    if not _CALENDAR_START.search(text):
        yield Rejected("bad_feed", f"{url}: not an iCalendar feed ({_preview(text)})",
                       whole_page=True)
        return
    components = _parse_calendar(text)
    if components is None:
        components = list(_parse_blocks(text, url))
    seen: list[dict[str, Any] | Rejected] = []
    for component in components:
        item = component if isinstance(component, Rejected) else event_item(component, url)
        if item not in seen:  # one event exported twice is one concert
            seen.append(item)
            yield item


def event_item(event: Component, feed_url: str) -> dict[str, Any] | Rejected:
    """The concert item for one VEVENT, or why it cannot be one."""
    title = clean_text(_str(event.get("SUMMARY")))
    start = _start(event)
    if start is None:
        return Rejected("missing_start_date", f"{title!r} in {feed_url}")
    if not isinstance(start, datetime.date):
        return Rejected("bad_start_date",
                        f"{title!r} in {feed_url}: DTSTART {start!r}")
    location = clean_text(_str(event.get("LOCATION")))
    online = bool(location and _ONLINE.match(location))
    if location and not online:
        venue = venue_from_location(location)
    elif title and not location:
        venue = venue_from_summary(title)
    else:
        venue = dict.fromkeys(_VENUE_KEYS)
    url = _http_url(_str(event.get("URL")))
    return {
        "source": "ical",
        "source_id": _source_id(event) or url,
        "source_url": feed_url,
        "title": title,
        **_local_start(start),
        "status": event_status(_str(event.get("STATUS"))),
        **venue,
        **_geo(event.get("GEO")),
        "online": online,
        "lineup": [],
        "url": url,
        "ticket_url": ticket_url(_str(event.get("DESCRIPTION")) or "")
                      or ticket_url(_str(event.get("X-ALT-DESC")) or ""),
    }


def venue_from_location(text: str) -> dict[str, str | None]:
    """Venue fields from a free-text location, as calendars and map apps write addresses.

    Comma-separated parts, read from the end: a country name (not a bare two-letter code,
    which may be a US state; "UK" excepted) gives the country; "NY 10003" gives the region
    and postcode; the last remaining part is the city, with a postcode in front ("75011
    Paris") or behind ("London SW9 9SL") split off; the first part is the venue name unless
    it starts with a house number; what lies between is the street address. One part alone is
    the venue name, or the city when a country or region followed it ("Paris, France").
    A last part that still holds digits ("50 Bd Voltaire") is address, not city.
    """
    venue: dict[str, str | None] = dict.fromkeys(_VENUE_KEYS)
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) > 1 and (len(parts[-1]) > 2 or parts[-1].upper() == "UK"):
        venue["venue_country"] = country_code(parts[-1])
        if venue["venue_country"]:
            parts.pop()
    region = _REGION_ZIP.match(parts[-1]) if len(parts) > 1 else None
    if region:
        venue["venue_region"], venue["venue_postal_code"] = region["region"], region["postal"]
        parts.pop()
    if len(parts) == 1:
        key = "venue_city" if venue["venue_country"] or region else "venue_name"
        venue[key] = parts[0]
        return venue
    if len(parts) > 1:
        city = _POSTCODE_CITY.match(parts[-1]) or _CITY_POSTCODE.match(parts[-1])
        if city:
            venue["venue_city"] = city["city"].strip()
            venue["venue_postal_code"] = venue["venue_postal_code"] or city["postal"]
            parts.pop()
        elif not re.search(r"\d", parts[-1]):
            venue["venue_city"] = parts.pop()
        if parts and not re.match(r"\d", parts[0]):
            venue["venue_name"] = parts.pop(0)
        venue["venue_address"] = ", ".join(parts) or None
    return venue


def venue_from_summary(summary: str) -> dict[str, str | None]:
    """Venue fields from a title that holds the place, for events without a LOCATION.

    "Band @ Venue, City" reads what follows the last " @ " as a location. "Band, City, Venue"
    (three or more comma parts) takes the second part as the city and the third as the venue,
    or the other way round when only the second looks like a venue ("Band, The Fillmore,
    Denver"); a further part that is a country gives the country. Other titles give nothing.
    """
    if " @ " in summary:
        return venue_from_location(summary.rsplit(" @ ", 1)[1])
    venue: dict[str, str | None] = dict.fromkeys(_VENUE_KEYS)
    parts = [p.strip() for p in summary.split(",") if p.strip()]
    if len(parts) < 3:
        return venue
    if len(parts) > 3:
        venue["venue_country"] = country_code(parts[3])
    city, name = parts[1], parts[2]
    if _VENUE_WORD.search(city) and not _VENUE_WORD.search(name):
        city, name = name, city
    venue["venue_city"], venue["venue_name"] = city, name
    return venue


def ticket_url(description: str) -> str | None:
    """The first link in a description that clearly sells tickets: its URL or its text says so
    ("Tickets: https://…", `<a href="…">Billets</a>`, a ticketing site)."""
    for anchor in _ANCHOR.finditer(description):
        if _TICKET.search(anchor["href"]) or _TICKET.search(anchor["text"]):
            return anchor["href"]
    for line in _ANCHOR.sub(" ", description).splitlines():
        for found in _URL.finditer(line):
            url = found.group().rstrip(".,;)")
            if _TICKET.search(url) or _TICKET.search(line[:found.start()]):
                return url
    return None


def _parse_calendar(text: str) -> list[Component] | None:
    """All VEVENTs of the feed, or None when the library failed on it or lost events."""
    try:
        calendars = _from_ical(text)
    except ValueError:
        return None
    events = [e for calendar in calendars for e in calendar.walk("VEVENT")]
    begun = sum(1 for line in text.splitlines() if line.strip().upper() == "BEGIN:VEVENT")
    return events if len(events) == begun else None


def _parse_blocks(text: str, url: str) -> Iterator[Component | Rejected]:
    """Each VEVENT block on its own, inside a calendar with the feed's time zones."""
    blocks: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None
    for line in text.splitlines():
        marker = _BLOCK_LINE.match(line.strip())
        kind = marker[2].upper() if marker else None
        if marker and marker[1].upper() == "BEGIN" and kind != "VCALENDAR":
            if current:
                blocks.append(current)  # unterminated: parsed below, and rejected
            current = (kind, [line])
        elif current:
            current[1].append(line)
            if marker and marker[1].upper() == "END" and kind == current[0]:
                blocks.append(current)
                current = None
    if current:
        blocks.append(current)
    zones = [lines for kind, lines in blocks if kind == "VTIMEZONE" and _parses(lines)]
    for number, (kind, lines) in enumerate(blocks, start=1):
        if kind != "VEVENT":
            continue
        try:
            [calendar] = _from_ical("\r\n".join(
                ["BEGIN:VCALENDAR", *(line for zone in zones for line in zone), *lines,
                 "END:VCALENDAR"]))
            [event] = calendar.walk("VEVENT")
        except ValueError as error:
            yield Rejected("broken_event", f"component #{number} in {url}: {error}",
                           whole_page=True)
            continue
        yield event


def _parses(lines: list[str]) -> bool:
    try:
        _from_ical("\r\n".join(lines))
    except ValueError:
        return False
    return True


def _from_ical(text: str) -> list[Component]:
    with warnings.catch_warnings():
        # "/vendor/Europe/Berlin" TZIDs: the library's guess (Europe/Berlin) is what we want.
        warnings.simplefilter("ignore", GloballyUniqueTZIDGuessed)
        return Calendar.from_ical(text, multiple=True)


def _start(event: Component) -> Any:
    """DTSTART's date or datetime; None when absent or empty; the raw text when unreadable."""
    prop = event.get("DTSTART")
    if isinstance(prop, list):  # given twice: the first counts
        prop = prop[0] if prop else None
    if prop is None or not _raw(prop).strip():
        return None
    if isinstance(prop, vBroken):
        return _raw(prop)
    return getattr(prop, "dt", None)


def _local_start(start: datetime.date) -> dict[str, str | None]:
    """Date and time as written; the offset for a UTC or zoned time, None for floating."""
    if not isinstance(start, datetime.datetime):
        return {"local_date": start.isoformat(), "local_time": None, "utc_offset": None}
    offset = start.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        offset_text: str | None = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    else:  # floating, or a TZID neither IANA, Windows nor defined by a VTIMEZONE
        offset_text = None
    return {"local_date": start.date().isoformat(), "local_time": start.strftime("%H:%M"),
            "utc_offset": offset_text}


def _source_id(event: Component) -> str | None:
    uid = clean_text(_str(event.get("UID")))
    if not uid:
        return None
    recurrence = event.get("RECURRENCE-ID")
    if recurrence is None or isinstance(recurrence, vBroken):
        return uid
    return f"{uid}#{recurrence.to_ical().decode()}"


def _geo(geo: Any) -> dict[str, float | None]:
    if geo is None or isinstance(geo, vBroken):
        return {"latitude": None, "longitude": None}
    return _coordinates({"latitude": geo.latitude, "longitude": geo.longitude})


def _http_url(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value.startswith(("http://", "https://")) else None


def _str(value: Any) -> str | None:
    if isinstance(value, list):  # a property given twice: the first counts
        value = value[0] if value else None
    return None if value is None else str(value)


def _raw(prop: Any) -> str:
    """The text as written; broken properties (vBroken) are strings of it already."""
    return str(prop) if isinstance(prop, str) else prop.to_ical().decode()


def _decode(body: bytes | str) -> str:
    if isinstance(body, str):
        return body.lstrip("\ufeff")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")  # Outlook exports in the ANSI page


def _preview(text: str) -> str:
    head = " ".join(text.split())[:60]
    return repr(head) if head else "empty body"
