"""Concerts as an iCalendar feed (RFC 5545) that calendars keep in step with every change."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event

from bandcrawler.domain.changes import SOURCE_NAMES

PRODID = "-//bandcrawler//concerts//EN"
STATUS = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}


def calendar(concerts: Iterable[Mapping[str, Any]], *, name: str,
             description: str | None = None, url: str | None = None) -> bytes:
    """The calendar of `concerts` (public views, as `domain.view.concert_document` gives
    them, each with an optional `sequence`: how often it changed, see
    `services.history.Timeline`). One VEVENT per concert, UID its id; a cancelled one stays,
    with STATUS:CANCELLED, so subscribed calendars remove or mark it."""
    # A stable UID: the same feed is the same calendar on every request.
    cal = Calendar.new(prodid=PRODID, name=name, description=description, url=url,
                       refresh_interval=timedelta(hours=6),
                       uid=uuid.uuid5(uuid.NAMESPACE_URL, f"bandcrawler:{name}"))
    for concert in concerts:
        cal.add_component(concert_event(concert))
    cal.add_missing_timezones()
    if cal.subcomponents:
        cal.validate()
    return cal.to_ical()


def concert_event(concert: Mapping[str, Any]) -> Event:
    event = Event()
    status = concert.get("status") or "scheduled"
    event.add("UID", concert["concert_id"])
    event.add("SEQUENCE", int(concert.get("sequence") or 0))
    stamp = _instant(concert.get("updated_at")) or datetime.now(UTC)
    event.add("DTSTAMP", stamp)
    event.add("LAST-MODIFIED", stamp)
    if _instant(concert.get("first_seen")):
        event.add("CREATED", _instant(concert.get("first_seen")))
    event.add("SUMMARY", _summary(concert, status))
    start = _start(concert)
    event.add("DTSTART", start)
    if not isinstance(start, datetime):  # all day: the time is not known
        event.add("DTEND", start + timedelta(days=1))
    event.add("STATUS", STATUS.get(status, "CONFIRMED"))
    location = _location(concert)
    if location:
        event.add("LOCATION", location)
    point = concert.get("location")
    if point:
        event.add("GEO", (point["lat"], point["lon"]))
    event.add("DESCRIPTION", _description(concert, status))
    if concert.get("url"):
        event.add("URL", concert["url"])
    return event


def _start(concert: Mapping[str, Any]) -> date | datetime:
    """In the venue's zone when known; UTC when only the instant is; floating when only
    the local time is; the day alone when the time is not known."""
    day = date.fromisoformat(concert["local_date"])
    if not concert.get("local_time"):
        return day
    at = datetime.combine(day, time.fromisoformat(concert["local_time"]))
    zone = _zone(concert.get("timezone"))
    if zone is not None:
        return at.replace(tzinfo=zone)
    instant = _instant(concert.get("starts_at"))
    return instant if instant is not None else at


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _summary(concert: Mapping[str, Any], status: str) -> str:
    venue = (concert.get("venue") or {}).get("name")
    text = concert.get("band") or concert.get("title") or "Concert"
    if venue:
        text += f" at {venue}"
    if status != "scheduled":
        text = f"{status.replace('_', ' ').upper()}: {text}"
    return text


def _location(concert: Mapping[str, Any]) -> str:
    venue = concert.get("venue") or {}
    parts = (venue.get(k) for k in ("name", "address", "city", "region", "country"))
    return ", ".join(dict.fromkeys(p for p in parts if p))


def _description(concert: Mapping[str, Any], status: str) -> str:
    lines = []
    if concert.get("title"):
        lines.append(concert["title"])
    lines.append("Lineup: " + ", ".join(concert.get("lineup") or [concert.get("band") or ""]))
    if status != "scheduled":
        lines.append(f"Status: {status.replace('_', ' ')}")
    if concert.get("listed") is False:
        lines.append("No longer listed by its sources.")
    sources = [SOURCE_NAMES.get(s, s) for s in concert.get("sources") or ()]
    if sources:
        lines.append("Sources: " + ", ".join(sources))
    if concert.get("ticket_url"):
        lines.append(f"Tickets: {concert['ticket_url']}")
    return "\n".join(lines)
