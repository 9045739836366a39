"""Geocoding values: results and errors."""

from __future__ import annotations

import pytest

from bandcrawler.geo.cache import normalize_query
from bandcrawler.geo.model import GeocodingError


def test_a_geocoding_error_reads_as_reason_and_detail():
    error = GeocodingError("not_found", "no match for 'Atlantis, ZZ'")

    assert str(error) == "not_found: no match for 'Atlantis, ZZ'"
    assert (error.reason, error.detail, error.transient) == (
        "not_found", "no match for 'Atlantis, ZZ'", False)
    assert GeocodingError("timeout").transient
    assert str(GeocodingError("timeout")) == "timeout"


def test_a_geocoding_error_only_takes_known_reasons():
    with pytest.raises(ValueError, match="unknown geocoding failure reason 'oops'"):
        GeocodingError("oops")


def test_cache_keys_ignore_case_and_spacing_but_keep_the_parts():
    assert normalize_query("  Paris ,France ") == normalize_query("paris, FRANCE") == (
        "paris, france")
    assert normalize_query("Springfield, IL") != normalize_query("Springfield IL")
    long_key = normalize_query("x" * 2000)
    assert len(long_key) == 500
    assert long_key != normalize_query("x" * 1999)
