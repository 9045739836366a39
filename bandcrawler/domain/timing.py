"""Turning a local date and time at a venue into a real instant."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def instant_of(local_date: str | None, local_time: str | None, utc_offset: str | None,
               zone: str | None) -> str | None:
    """UTC ISO instant of a local date+time, by the source's offset or else the venue's zone.

    None when the time, or both the offset and the zone, are unknown.
    """
    if not local_date or not local_time:
        return None
    naive = datetime.combine(date.fromisoformat(local_date), time.fromisoformat(local_time))
    if utc_offset:
        tz: timezone | ZoneInfo = _fixed_offset(utc_offset)
    elif zone:
        found = _zone(zone)
        if found is None:
            return None
        tz = found
    else:
        return None
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fixed_offset(text: str) -> timezone:
    sign = -1 if text.startswith("-") else 1
    hours, _, minutes = text.lstrip("+-").partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


def local_at(instant: str, zone: str) -> tuple[str, str] | None:
    """The local date and HH:MM time of a UTC ISO instant in an IANA zone."""
    tz = _zone(zone)
    if tz is None:
        return None
    local = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(tz)
    return local.date().isoformat(), local.strftime("%H:%M")


def at_venue(local_date: str, local_time: str | None, utc_offset: str | None,
             zone: str | None) -> tuple[str, str | None, str | None]:
    """(date, time, offset) of a start at the venue: a UTC instant ("+00:00") moved into
    the venue's zone; anything else, or an unknown zone, unchanged."""
    if utc_offset != "+00:00" or not local_time or not zone:
        return local_date, local_time, utc_offset
    instant = instant_of(local_date, local_time, utc_offset, None)
    tz = _zone(zone)
    if instant is None or tz is None:
        return local_date, local_time, utc_offset
    local = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(tz)
    offset = local.strftime("%z")
    return (local.date().isoformat(), local.strftime("%H:%M"), f"{offset[:3]}:{offset[3:]}")


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    """The zone called `name`, or None. ZoneInfo itself keeps only 8 zones loaded; a crawl
    of venues all over the world uses hundreds."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
