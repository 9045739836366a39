"""Venues and coordinates as sources write them."""

from __future__ import annotations

import math
import re
from typing import Any

from bandcrawler.extract.normalize import country_code
from bandcrawler.items import VENUE_FIELDS

# "75011 Paris", "1017 SG Amsterdam", "1200-019 Lisboa", "00-950 Warszawa", "111 29 Stockholm"
# (postcode first) and "London SW9 9SL" (postcode last).
_POSTCODE_CITY = re.compile(
    r"^(?P<postal>\d{4,5}(?: [A-Z]{2})?|\d{4}-\d{3}|\d{2}-\d{3}|\d{3} \d{2}) (?P<city>\D+)$")
_CITY_POSTCODE = re.compile(r"^(?P<city>\D+?) (?P<postal>[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2})$")
# "NY 10003", "CA": a US state or Canadian province, with or without its ZIP code.
_REGION_ZIP = re.compile(r"^(?P<region>[A-Z]{2})(?: (?P<postal>\d{5}(?:-\d{4})?))?$")
# A house number starts a street address ("50 Bd Voltaire"), not a venue name ("9:30 Club").
_HOUSE_NUMBER = re.compile(r"^\d+[A-Za-z]?(?:-\d+)?\s")
# A street where a city belongs ("…, 1805 Geary Blvd"): the number is no postcode.
_STREET_WORD = re.compile(
    r"\b(?:street|road|rd|ave|avenue|blvd|boulevard|bd|drive|lane|rue|str|calle|via|rua|"
    r"avenida)\b|(?:stra(?:ss|ß)e|weg|laan|gasse)\b",
    re.IGNORECASE,
)


def coordinates(latitude: Any, longitude: Any) -> dict[str, float | None]:
    """`{"latitude", "longitude"}` when both are valid, else both None.

    Numbers or numeric strings ("48,8566", from a European locale, too); a list gives its first
    non-empty element. An exact 0 in either is a placeholder for "unknown" (Bandsintown's "0",
    plugins' (0, 0)), not a place on the equator or the prime meridian.
    """
    lat, lon = _number(latitude), _number(longitude)
    if not lat or not lon or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return {"latitude": None, "longitude": None}
    return {"latitude": lat, "longitude": lon}


def _number(value: Any) -> float | None:
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
    if isinstance(value, str):
        value = value.strip()
        if value.count(",") == 1 and "." not in value:  # "48,8566"
            value = value.replace(",", ".")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def venue_from_text(text: str) -> dict[str, str | None]:
    """Venue fields from a free-text location, as calendars, map apps and pages write addresses.

    Comma-separated parts, read from the end: a country name (not a bare two-letter code,
    which may be a US state; "UK" excepted) gives the country; "NY 10003" gives the region
    and postcode; the last remaining part is the city, with a postcode in front ("75011
    Paris") or behind ("London SW9 9SL") split off; the first part is the venue name unless
    it starts with a house number; what lies between is the street address. One part alone is
    the venue name, or the city when a country or region followed it ("Paris, France").
    A last part that still holds digits ("50 Bd Voltaire", "1805 Geary Blvd") is address,
    not city.
    """
    venue: dict[str, str | None] = dict.fromkeys(VENUE_FIELDS)
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
        if city and not _STREET_WORD.search(city["city"]):
            venue["venue_city"] = city["city"].strip()
            venue["venue_postal_code"] = venue["venue_postal_code"] or city["postal"]
            parts.pop()
        elif not re.search(r"\d", parts[-1]):
            venue["venue_city"] = parts.pop()
        if parts and not _HOUSE_NUMBER.match(parts[0]):
            venue["venue_name"] = parts.pop(0)
        venue["venue_address"] = ", ".join(parts) or None
    return venue
