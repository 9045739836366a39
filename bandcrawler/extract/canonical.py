"""A cleaned listing's place made canonical: its GeoNames town, its start at the venue, the
country its coordinates lie in."""

from __future__ import annotations

from typing import Any

from bandcrawler.domain.timing import at_venue
from bandcrawler.geo.gazetteer import nearest_city, resolve_town

# Sources whose "+00:00" is a UTC instant (iCal "…Z", Bandsintown "…Z"), not a local time
# with a wrong offset, as web pages write it (Songkick's "+0000" for Swiss venues).
UTC_INSTANT_SOURCES = frozenset({"ical", "bandsintown"})


def settle_place(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` (from `clean_item`) with `place_key` (the GeoNames town id, or None), the
    start moved to the venue's zone when the source gave a UTC instant, and the venue's
    country from its coordinates when no source said it."""
    venue, located = fields["venue"], fields.get("source_location") or {}
    lat, lon = located.get("latitude"), located.get("longitude")
    if fields.get("online") and not venue.get("city"):
        return {**fields, "place_key": None}
    town = resolve_town(venue.get("city"), country=venue.get("country"),
                        region=venue.get("region"), latitude=lat, longitude=lon)
    settled = {**fields, "place_key": f"geonames:{town.geonameid}" if town else None}
    if town and fields["source"] in UTC_INSTANT_SOURCES:
        date, time, offset = at_venue(fields["local_date"], fields.get("local_time"),
                                      fields.get("utc_offset"), town.timezone)
        settled.update(local_date=date, local_time=time, utc_offset=offset)
    if not venue.get("country") and lat is not None and lon is not None:
        here = nearest_city(lat, lon)
        if here is not None:
            settled["venue"] = {**venue, "country": here.countrycode}
    return settled
