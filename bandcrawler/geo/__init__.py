"""Geocoding: geopy factory, offline GeoNames geocoder, persistent cache, venue locator."""
