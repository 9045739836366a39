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


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    """The zone called `name`, or None. ZoneInfo itself keeps only 8 zones loaded; a crawl
    of venues all over the world uses hundreds."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
