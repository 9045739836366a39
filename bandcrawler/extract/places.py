"""Venues and coordinates as sources write them."""

from __future__ import annotations

import math
import re
from typing import Any

import pycountry

from bandcrawler.extract.normalize import country_code
from bandcrawler.geo.gazetteer import find_city, is_town_in
from bandcrawler.items import VENUE_FIELDS

# "75011 Paris", "1017 SG Amsterdam", "1200-019 Lisboa", "00-950 Warszawa", "111 29 Stockholm"
# (postcode first) and "London SW9 9SL" (postcode last).
_POSTCODE_CITY = re.compile(
    r"^(?:[A-Z]{1,2}-)?(?P<postal>\d{4,5}(?: [A-Z]{2})?|\d{4}-\d{3}|\d{2}-\d{3}|\d{3} \d{2}"
    r"|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}) (?P<city>\D+)$")
# "London SW9 9SL", "Tokyo 112-0004", "Moore Park NSW 2021", "Springfield IL 62701".
_CITY_POSTCODE = re.compile(
    r"^(?P<city>\D+?)(?: (?P<region>[A-Z]{2,3}))? (?P<postal>[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}"
    r"|\d{4,5}(?:-\d{4})?|\d{4} [A-Z]{2}|\d{3}-\d{4})$")
# "København V", "Berlin-Mitte": a district after the town's name.
_DISTRICT = re.compile(r"^(?P<city>.+?)(?: [A-ZÆØÅ]{1,2}|-\w+)$")
# Company suffixes that follow a comma inside a name ("Fathom Creative, Inc.").
_COMPANY = re.compile(r"^(?:inc|llc|ltd|l\.?t\.?d|gmbh|corp|co|plc|s\.?a|sarl|b\.?v|ag|ab|oy)\.?$",
                      re.IGNORECASE)
# "Name (street, city, ST 12345)": the address in brackets after the name.
_BRACKETED = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<inner>[^()]*[,\d][^()]*)\)\s*$")
# "Enghavevej 40", "Weteringschans 6-8": a street with its number after the name.
_STREET_NUMBER = re.compile(r"\D \d+[A-Za-z]?(?:-\d+)?$")
# "NY 10003", "CA": a US state or Canadian province, with or without its ZIP code.
_REGION_ZIP = re.compile(r"^(?P<region>[A-Z]{2,3})(?: (?P<postal>\d{4,5}(?:-\d{4})?))?$")
# Two-letter codes that are US states or Canadian provinces ("DE" is Delaware, "CA" California).
_STATE_CODES = frozenset(sub.code[3:] for sub in pycountry.subdivisions
                         if sub.country_code in ("US", "CA"))
# "California", "Georgia" (a state before it is a country), "Ontario": names to (country, code).
_STATE_NAMES = {sub.name.casefold(): (sub.country_code, sub.code[3:])
                for sub in pycountry.subdivisions if sub.country_code in ("US", "CA")}
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

    Parts are split at commas and line breaks ("Name, Inc." stays one part; "Name (street,
    city)" keeps the bracket as the address). Read from the end: a country (a name, or a code
    that the town before it confirms), a region ("NY 10003", "TN"), then the town: the last
    part that is a known GeoNames town under any of its names, with a postcode before or after
    it split off ("75011 Paris", "NW1 8EH London", "London SW9 9SL") and a district after it
    ("København V"); a part with a postcode counts even when the town is unknown. Failing
    that, a last part without digits is the town. The first part is the venue name unless it
    is a street ("50 Bd Voltaire", "Enghavevej 40, 1674 …"); what lies between is the street
    address. One part alone is the venue name, or the town when a country or region
    followed it ("Paris, France").
    """
    venue: dict[str, str | None] = dict.fromkeys(VENUE_FIELDS)
    name, parts = _split(text)
    _take_country_and_region(parts, venue)
    if not parts and name is None:
        return venue
    if name is None and len(parts) == 1:
        key = "venue_city" if venue["venue_country"] or venue["venue_region"] else "venue_name"
        venue[key] = parts[0]
        return venue
    first = 0 if name is not None else 1
    found = _find_town(parts, first, venue)
    if found is not None:
        del parts[found]
    if name is None and parts:
        is_street = _HOUSE_NUMBER.match(parts[0]) or (
            found == 1 and _STREET_NUMBER.search(parts[0]) and venue["venue_postal_code"])
        name = None if is_street else parts.pop(0)
    venue["venue_name"] = name
    venue["venue_address"] = ", ".join(parts) or None
    return venue


# A real address has a handful of parts; a hostile one may have thousands.
MAX_PARTS = 12
MAX_LENGTH = 2000


def _split(text: str) -> tuple[str | None, list[str]]:
    """(the name when a bracketed address follows it, else None; the other parts)."""
    text = text.replace("\\n", "\n").strip()[:MAX_LENGTH]
    bracketed = _BRACKETED.match(" ".join(text.split()))
    name = None
    if bracketed:
        name, text = bracketed["name"].strip(" ,"), bracketed["inner"]
    parts = split_parts(text)
    if len(parts) > MAX_PARTS:  # the name first, the town and country last
        parts = parts[:1] + parts[1 - MAX_PARTS:]
    return name, parts


def split_parts(text: str) -> list[str]:
    """The comma- or line-separated parts of a text; a company suffix stays with its name
    ("Fathom Creative, Inc.")."""
    parts: list[str] = []
    for part in re.split(r"[,\n]", text):
        part = " ".join(part.split())
        if part and _COMPANY.match(part) and parts:
            parts[-1] = f"{parts[-1]}, {part}"
        elif part and not _COMPANY.match(part):
            parts.append(part)
    return parts


def _take_country_and_region(parts: list[str], venue: dict[str, str | None]) -> None:
    """Pop a trailing country and region (in either order of confirmation) into `venue`."""
    if len(parts) < 2:
        return
    last = parts[-1]
    named_state = _STATE_NAMES.get(last.casefold())
    if named_state and _confirms(parts[-2], named_state[0],
                                 named_state[1] if named_state[0] == "US" else None):
        venue["venue_region"] = named_state[1]
        parts.pop()
        return
    code = country_code(last)
    state = _REGION_ZIP.match(last)
    if code and (len(last) > 2 or last.upper() == "UK" or not state
                 or last.upper() not in _STATE_CODES or (_confirms(parts[-2], code, None)
                 and not _confirms(parts[-2], "US", last.upper()))):
        venue["venue_country"] = code
        parts.pop()
    if len(parts) > 1:
        state = _REGION_ZIP.match(parts[-1])
        if state:
            venue["venue_region"], venue["venue_postal_code"] = state["region"], state["postal"]
            parts.pop()


def _confirms(part: str, country: str, region: str | None) -> bool:
    return is_town_in(_town_name(part)[0], country, region)


def _find_town(parts: list[str], first: int, venue: dict[str, str | None]) -> int | None:
    """Index of the part that is the town (its fields written into `venue`), else None."""
    country, region = venue["venue_country"], venue["venue_region"]
    fallback = None
    for index in range(len(parts) - 1, first - 1, -1):
        town, postal = _town_name(parts[index])
        if town is None or _STREET_WORD.search(town):
            continue
        written = _CITY_POSTCODE.match(parts[index])
        if written and written["region"] and not region:
            venue["venue_region"] = region = written["region"]
        for candidate in (town, *_districts(town)):
            if find_city(candidate, country=country, region=region) is not None:
                _set_town(venue, candidate, postal)
                return index
        if postal is not None:
            _set_town(venue, town, postal)
            return index
        if fallback is None and index == len(parts) - 1 and not re.search(r"\d", town):
            fallback = index
    if fallback is not None:
        _set_town(venue, parts[fallback], None)
    return fallback


def _town_name(part: str) -> tuple[str | None, str | None]:
    """(the part without a postcode, the postcode) — (None, None) for a part with digits left."""
    match = _POSTCODE_CITY.match(part) or _CITY_POSTCODE.match(part)
    if match:
        return match["city"].strip(), match["postal"]
    return (None, None) if re.search(r"\d", part) else (part, None)


def _districts(town: str) -> list[str]:
    match = _DISTRICT.match(town)
    return [match["city"]] if match else []


def _set_town(venue: dict[str, str | None], town: str, postal: str | None) -> None:
    venue["venue_city"] = town
    venue["venue_postal_code"] = venue["venue_postal_code"] or postal
