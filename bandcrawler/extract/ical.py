"""Concert items from an iCalendar (RFC 5545) feed: one per VEVENT, read leniently."""

from __future__ import annotations

import datetime
import re
import warnings
import zoneinfo
from collections.abc import Iterable, Iterator
from typing import Any

from icalendar import Calendar, Component, Timezone
from icalendar.error import GloballyUniqueTZIDGuessed
from icalendar.prop import vBroken
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from bandcrawler.extract import Rejected
from bandcrawler.extract.guard import unique
from bandcrawler.extract.lineups import lineup_from_title, split_acts
from bandcrawler.extract.normalize import clean_text, country_code, event_status
from bandcrawler.extract.places import coordinates, split_parts, venue_from_text
from bandcrawler.extract.recurrence import DEFAULT_HORIZON_MONTHS, expand, horizon_end
from bandcrawler.geo.gazetteer import find_city
from bandcrawler.items import VENUE_FIELDS, parsed_item

Zones = dict[str, Timezone]  # a feed's VTIMEZONE components by TZID

_CALENDAR_START = re.compile(r"^\s*BEGIN:VCALENDAR\s*$", re.IGNORECASE | re.MULTILINE)
_BLOCK_LINE = re.compile(r"^(BEGIN|END):(VEVENT|VTIMEZONE|VCALENDAR)\s*$", re.IGNORECASE)
_VENUE_WORD = re.compile(
    r"\b(?:club|hall|arena|theat(?:er|re)|th[ée][âa]tre|bar|pub|stadium|stadion|ballroom|"
    r"caf[ée]|room|house|centre|center|church|kirche|salle|sala|lounge|academy|"
    r"palace|palais|z[ée]nith|olympia)\b|^(?:the|le|la|les|l'|das|der|het) ",
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


def parse_events(body: bytes | str, url: str, *,
                 horizon_months: int = DEFAULT_HORIZON_MONTHS,
                 today: datetime.date | None = None) -> Iterator[dict[str, Any] | Rejected]:
    """Yield one item per VEVENT of the feed, or a Rejected for what cannot be used.

    The whole feed is parsed first; when the library raises, or silently drops events (an
    unterminated VEVENT), each BEGIN:VEVENT…END:VEVENT block is parsed on its own, so one
    broken event costs only itself. A body that is no calendar is one `bad_feed`.
    A repeating event (RRULE, RDATE) gives one item for its first date and one per
    occurrence from `today` up to `horizon_months` after it (see `recurrence.expand`); an
    override (RECURRENCE-ID)
    replaces its occurrence, and one whose series is not in the feed is an item of its own.
    """
    text = _decode(body)
    if not _CALENDAR_START.search(text):
        yield Rejected("bad_feed", f"{url}: not an iCalendar feed ({_preview(text)})",
                       whole_page=True)
        return
    events, zones = _parse_calendar(text) or _parse_blocks(text, url)
    occurrences = expand(events, horizon_end(horizon_months, today), today)
    # One event exported twice is one concert.
    yield from unique(event if isinstance(event, Rejected) else event_item(event, url, zones)
                      for event in occurrences)


def event_item(event: Component, feed_url: str, zones: Zones | None = None
               ) -> dict[str, Any] | Rejected:
    """The concert item for one VEVENT, or why it cannot be one; `zones` are the feed's
    VTIMEZONE components by TZID."""
    title = clean_text(_str(_get(event, "SUMMARY")))
    start = _start(event)
    if start is None:
        return Rejected("missing_start_date", f"{title!r} in {feed_url}")
    if not isinstance(start, datetime.date):
        return Rejected("bad_start_date", f"{title!r} in {feed_url}: DTSTART {start!r}")
    # Lines of an address ("Street 16\nPostcode Town\nCountry") are its parts.
    location = clean_text((_str(_get(event, "LOCATION")) or "").replace("\n", ", "))
    online = bool(location and _ONLINE.match(location))
    venue, acts = read_summary(title) if title else (dict.fromkeys(VENUE_FIELDS), None)
    if location and not online:
        venue = venue_from_text(location)
    elif location:
        venue = dict.fromkeys(VENUE_FIELDS)
    url = _http_url(_str(_get(event, "URL")))
    return parsed_item(
        source="ical",
        source_id=_source_id(event) or url,
        source_url=feed_url,
        title=title,
        **_local_start(start, _tzid(event), zones or {}),
        status=event_status(_str(_get(event, "STATUS"))),
        **venue,
        **_geo(_get(event, "GEO")),
        online=online,
        lineup=split_acts(acts) if acts is not None else lineup_from_title(title),
        url=url,
        ticket_url=ticket_url(_str(_get(event, "DESCRIPTION")) or "")
                      or ticket_url(_str(_get(event, "X-ALT-DESC")) or ""),
    )


def venue_from_summary(summary: str) -> dict[str, str | None]:
    """Venue fields from a title that holds the place, for events without a LOCATION."""
    return read_summary(summary)[0]


def read_summary(summary: str) -> tuple[dict[str, str | None], str | None]:
    """(venue fields, the text naming the acts) of a title that holds the place.

    "Acts @ Venue, City" reads what follows the last " @ " as a location. "Acts, City, Venue"
    (three or more comma parts) takes the part that is a known town as the city and the
    other as the venue ("La Rinconada (Sevilla)" is a town with its province; "Band, The
    Fillmore, Denver" names the venue first); when neither is a known town, the second part
    is the city unless only it looks like a venue, and parts with digits are no place at all.
    A further part that is a country gives the country. Other titles give no place.
    """
    if " @ " in summary:
        acts, _, place = summary.rpartition(" @ ")
        return venue_from_text(place), acts
    venue: dict[str, str | None] = dict.fromkeys(VENUE_FIELDS)
    parts = split_parts(summary)
    if len(parts) < 3:
        return venue, None
    city, name = parts[1], parts[2]
    if _is_town(name) and not _is_town(city):
        city, name = name, city
    elif not _is_town(city):
        if re.search(r"\d", city + name):
            return venue, None
        if _VENUE_WORD.search(city) and not _VENUE_WORD.search(name):
            city, name = name, city
    if len(parts) > 3:
        venue["venue_country"] = country_code(parts[3])
    venue["venue_city"], venue["venue_name"] = city, name
    return venue, parts[0]


def _is_town(text: str) -> bool:
    """A known town, also with its province in brackets ("La Rinconada (Sevilla)")."""
    return find_city(re.sub(r"\s*\([^()]*\)\s*$", "", text)) is not None


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


def _parse_calendar(text: str) -> tuple[list[Component], Zones] | None:
    """All VEVENTs and VTIMEZONEs of the feed, or None when the library failed on it or lost
    events."""
    try:
        calendars = _from_ical(text)
    except ValueError:
        return None
    events = [e for calendar in calendars for e in calendar.walk("VEVENT")]
    begun = sum(1 for line in text.splitlines() if line.strip().upper() == "BEGIN:VEVENT")
    if len(events) != begun:
        return None
    # walk, not .timezones: a feed without BEGIN:VCALENDAR parses to bare components
    return events, _zones(zone for calendar in calendars for zone in calendar.walk("VTIMEZONE"))


def _parse_blocks(text: str, url: str) -> tuple[list[Component | Rejected], Zones]:
    """Each VEVENT and VTIMEZONE block on its own; an unterminated or unreadable VEVENT is
    rejected."""
    events: list[Component | Rejected] = []
    zones: list[Component] = []
    for kind, lines, closed in _blocks(text):
        try:
            if not closed:
                raise ValueError(f"no END:{kind}")
            [calendar] = _from_ical("\r\n".join(["BEGIN:VCALENDAR", *lines, "END:VCALENDAR"]))
            if kind == "VTIMEZONE":
                zones.extend(calendar.walk("VTIMEZONE"))
                continue
            [event] = calendar.walk("VEVENT")
        except ValueError as error:
            if kind == "VEVENT":
                uid = next((line[4:].strip() for line in lines if line.upper().startswith("UID:")),
                           f"#{len(events) + 1}")
                events.append(Rejected("broken_event", f"VEVENT {uid} in {url}: {error}",
                                       whole_page=True))
            continue
        events.append(event)
    return events, _zones(zones)


def _blocks(text: str) -> Iterator[tuple[str, list[str], bool]]:
    """(kind, lines, closed) of each VEVENT and VTIMEZONE, by their BEGIN and END lines."""
    kind, lines = "", list[str]()
    for line in text.splitlines():
        marker = _BLOCK_LINE.match(line.strip())
        if marker and marker[1].upper() == "BEGIN" and marker[2].upper() != "VCALENDAR":
            if kind:
                yield kind, lines, False  # a BEGIN before the END: the block was cut off
            kind, lines = marker[2].upper(), [line]
        elif kind:
            lines.append(line)
            if marker and marker[1].upper() == "END" and marker[2].upper() == kind:
                yield kind, lines, True
                kind, lines = "", list[str]()
    if kind:
        yield kind, lines, False


def _zones(components: Iterable[Component]) -> Zones:
    return {str(zone.get("TZID", "")): zone for zone in components
            if isinstance(zone, Timezone)}


def _from_ical(text: str) -> list[Calendar]:
    with warnings.catch_warnings():
        # "/vendor/Europe/Berlin" TZIDs: the library's guess (Europe/Berlin) is what we want.
        warnings.simplefilter("ignore", GloballyUniqueTZIDGuessed)
        return Calendar.from_ical(text, multiple=True)


def _start(event: Component) -> Any:
    """DTSTART's date or datetime; None when absent or empty; the raw text when unreadable."""
    prop = _dtstart(event)
    if prop is None or not _raw(prop).strip():
        return None
    if isinstance(prop, vBroken):
        return _raw(prop)
    return getattr(prop, "dt", None)


def _local_start(start: datetime.date, tzid: str | None, zones: Zones
                 ) -> dict[str, str | None]:
    """Date and time as written; the offset for a UTC or zoned time, None for floating."""
    if not isinstance(start, datetime.datetime):
        return {"local_date": start.isoformat(), "local_time": None, "utc_offset": None}
    if tzid is not None:  # resolved here from this feed only: see `_zone`
        zone = _zone(tzid, zones)
        start = start.replace(tzinfo=zone)
    offset = start.utcoffset()
    offset_text = None
    if offset is not None:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        offset_text = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return {"local_date": start.date().isoformat(), "local_time": start.strftime("%H:%M"),
            "utc_offset": offset_text}


def _zone(tzid: str, zones: Zones) -> datetime.tzinfo | None:
    """The zone a TZID names: an IANA name (also behind a "/vendor/" prefix, as Evolution and
    Lightning write it), a Windows name ("W. Europe Standard Time"), else the feed's own
    VTIMEZONE; None when unknown.

    The library's own resolution is not used for TZIDs, because it caches custom VTIMEZONEs
    process-wide by name: Outlook names every custom zone "Customized Time Zone", so one
    feed's definition would leak into the next feed's events.
    """
    name = tzid.strip().strip("/")
    parts = name.split("/")
    for candidate in ["/".join(parts[i:]) for i in range(len(parts))]:
        try:
            return zoneinfo.ZoneInfo(candidate)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
    if name in WINDOWS_TO_OLSON:
        return zoneinfo.ZoneInfo(WINDOWS_TO_OLSON[name])
    if tzid in zones:
        try:
            return zones[tzid].to_tz(lookup_tzid=False)
        except (ValueError, KeyError, TypeError):  # a VTIMEZONE the library cannot read
            return None
    return None


def _tzid(event: Component) -> str | None:
    """DTSTART's TZID, unless the value is in UTC anyway ("…Z")."""
    prop = _dtstart(event)
    tzid = prop.params.get("TZID") if prop is not None else None
    return str(tzid) if tzid and not _raw(prop).upper().endswith("Z") else None


def _dtstart(event: Component) -> Any:
    prop = _get(event, "DTSTART")
    if isinstance(prop, list):  # given twice: the first counts
        prop = prop[0] if prop else None
    return prop


def _source_id(event: Component) -> str | None:
    uid = clean_text(_str(_get(event, "UID")))
    if not uid:
        return None
    recurrence = _get(event, "RECURRENCE-ID")
    if recurrence is None or isinstance(recurrence, vBroken):
        return uid
    return f"{uid}#{recurrence.to_ical().decode()}"


def _get(event: Component, name: str) -> Any:
    """One property's value. RFC 5545 allows SUMMARY, DTSTART, GEO... once per VEVENT; a
    broken feed repeating one gets a list from the library: the first value counts."""
    value = event.get(name)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _geo(geo: Any) -> dict[str, float | None]:
    if geo is None or isinstance(geo, vBroken):
        return {"latitude": None, "longitude": None}
    return coordinates(geo.latitude, geo.longitude)


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
