"""Value normalizers shared by every source parser: countries, event status, text, start dates."""

from __future__ import annotations

import datetime
import html
import re
import unicodedata
from functools import lru_cache

import pycountry

# Names pycountry does not know: colloquial, historical and native-language forms.
_COUNTRY_ALIASES = {
    "uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "great britain": "GB", "britain": "GB", "united kingdom of great britain": "GB",
    "us": "US", "america": "US", "united states of america": "US",
    "the netherlands": "NL", "holland": "NL", "nederland": "NL",
    "deutschland": "DE", "allemagne": "DE", "osterreich": "AT",
    "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "espana": "ES", "italia": "IT",
    "belgique": "BE", "belgie": "BE", "sverige": "SE", "norge": "NO", "danmark": "DK",
    "suomi": "FI", "polska": "PL", "cesko": "CZ", "czech republic": "CZ", "magyarorszag": "HU",
    "eire": "IE", "brasil": "BR", "russia": "RU", "turkey": "TR",
    "turkiye": "TR", "korea": "KR", "south korea": "KR", "republic of korea": "KR",
    "ivory coast": "CI", "macedonia": "MK", "burma": "MM", "vatican": "VA",
    "uae": "AE",
}

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


@lru_cache(maxsize=1024)
def _lookup_country(key: str) -> str | None:
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    try:
        return pycountry.countries.lookup(key).alpha_2
    except LookupError:
        pass
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c)
    )
    if folded != key:
        return _lookup_country(folded)
    if key.startswith("the "):
        return _lookup_country(key[4:])
    return None


def country_code(value: object) -> str | None:
    """ISO 3166-1 alpha-2 code for a country code (alpha-2/3), name or common alias, else None."""
    text = clean_text(value)
    if text is None:
        return None
    key = text.replace(".", "").strip().lower()  # "U.S.A." -> "usa"
    return _lookup_country(key) if key else None


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
