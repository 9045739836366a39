"""Value normalizers shared by every source parser: countries, event status, text, start dates."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterable

from bandcrawler.extract import countries

_STATUSES = {
    "scheduled": "scheduled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "postponed": "postponed",
    "rescheduled": "rescheduled",
    "movedonline": "moved_online",
}

_START = re.compile(
    r"""^(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})
        (?:[Tt\s]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?)?
        \s*(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?$""",
    re.VERBOSE,
)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_BLOCK_TAG = re.compile(r"<(?:br|/?p|/?div|/?li|/?h\d|/?tr|/?td)\b[^>]*>", re.IGNORECASE)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"))


def clean_text(value: object) -> str | None:
    """Unescape entities (also double-escaped ones), strip tags, collapse whitespace; '' -> None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return None
    for _ in range(3):  # "&amp;amp;" needs two passes; stop as soon as nothing changes
        unescaped = html.unescape(value)
        if unescaped == value:
            break
        value = unescaped
    value = _TAG.sub("", _BLOCK_TAG.sub(" ", value))
    text = " ".join(value.translate(_INVISIBLE).split())
    return text or None


def unique_names(names: Iterable[str | None]) -> list[str]:
    """Names cleaned (see `clean_text`), each once in the order given: a later spelling in
    another case ("METALLICA" after "Metallica") is the same name; empty ones are dropped."""
    unique: dict[str, str] = {}
    for name in names:
        text = clean_text(name)
        if text:
            unique.setdefault(text.casefold(), text)
    return list(unique.values())


def country_code(value: object) -> str | None:
    """ISO 3166-1 alpha-2 code of a country as a page writes it (entities, tags), else None."""
    return countries.country_code(clean_text(value))


def event_status(value: object) -> str:
    """scheduled, cancelled, postponed, rescheduled or moved_online for any EventStatus form."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@id") or value.get("name")
    if not isinstance(value, str):
        return "scheduled"
    # "https://schema.org/EventCancelled", "schema:EventCancelled", "EventMovedOnline", "canceled"
    word = re.split(r"[/:#]", value.strip())[-1]
    key = re.sub(r"[^a-z]", "", word.lower())
    if key.startswith("event"):
        key = key[len("event"):]
    return _STATUSES.get(key, "scheduled")


def parse_start(value: object) -> tuple[str, str | None, str | None]:
    """Split an ISO-8601-ish start into (local date, local 'HH:MM' or None, '+HH:MM' or None).

    Date and time stay as written (local at the venue); the offset is only reported.
    Raises ValueError when the value is not such a date ("TBA", "", None).
    """
    match = _START.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not an ISO date: {value!r}")
    date = datetime.date(int(match["y"]), int(match["mo"]), int(match["d"]))
    local_time = None
    if match["h"] is not None:
        hour, minute = int(match["h"]), int(match["mi"])
        if hour > 23 or minute > 59:
            raise ValueError(f"not a time of day: {value!r}")
        local_time = f"{hour:02d}:{minute:02d}"
    return date.isoformat(), local_time, _offset(match["tz"], value)


def _offset(tz: str | None, value: object) -> str | None:
    if tz is None:
        return None
    if tz in "Zz":
        return "+00:00"
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 14 or minutes > 59:
        raise ValueError(f"not a UTC offset: {value!r}")
    return f"{tz[0]}{hours:02d}:{minutes:02d}"
