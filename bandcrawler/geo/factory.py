"""Geocoder factory: "offline" or any geopy service, chosen by name from settings."""

from __future__ import annotations

from typing import Any

from geopy.adapters import URLLibAdapter
from geopy.exc import GeocoderNotFound
from geopy.geocoders import get_geocoder_for_service
from geopy.geocoders.base import Geocoder

from bandcrawler.geo.offline import OfflineGeocoder

OFFLINE = "offline"


def make_geocoder(name: str, options: dict[str, Any], user_agent: str) -> Geocoder:
    """The geocoder called `name`, built with `options` (e.g. domain, scheme, timeout).

    "offline" is the GeoNames geocoder (option: min_city_population); any other name is a
    geopy service ("nominatim", "photon", "pelias", ...), given our User-Agent. Services
    use geopy's urllib adapter unless options say otherwise: one HTTP request per call,
    with no hidden retries (the requests adapter retries timeouts and 5xx on its own,
    which hammers a rate-limited service and turns a timeout into "unavailable").
    """
    key = name.strip().lower()
    if key == OFFLINE:
        return OfflineGeocoder(user_agent=user_agent, **options)
    try:
        geocoder_class = get_geocoder_for_service(key)
    except GeocoderNotFound:
        raise ValueError(
            f"unknown geocoder {name!r}: it is neither {OFFLINE!r} nor a geopy service "
            "(see geopy.geocoders.SERVICE_TO_GEOCODER)"
        ) from None
    options = {"adapter_factory": URLLibAdapter, **options}
    return geocoder_class(user_agent=user_agent, **options)
