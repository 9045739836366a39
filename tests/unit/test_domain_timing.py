"""Specifications of instant_of: a local time at a venue becomes a UTC instant."""

from __future__ import annotations

import pytest

from bandcrawler.domain.timing import instant_of


@pytest.mark.parametrize(
    ("offset", "expected"),
    [("+02:00", "2025-06-01T18:00:00Z"), ("-05:00", "2025-06-02T01:00:00Z"),
     ("+05:30", "2025-06-01T14:30:00Z"), ("+00:00", "2025-06-01T20:00:00Z")],
)
def test_the_source_offset_wins_over_the_zone(offset, expected):
    assert instant_of("2025-06-01", "20:00", offset, "Asia/Tokyo") == expected


@pytest.mark.parametrize(
    ("local_date", "expected"),
    [("2025-01-15", "2025-01-15T19:00:00Z"),   # winter, CET
     ("2025-07-15", "2025-07-15T18:00:00Z"),   # summer, CEST
     ("2025-03-30", "2025-03-30T18:00:00Z"),   # the day clocks go forward
     ("2025-10-26", "2025-10-26T19:00:00Z")],  # the day clocks go back
)
def test_without_an_offset_the_venue_timezone_gives_the_instant(local_date, expected):
    assert instant_of(local_date, "20:00", None, "Europe/Paris") == expected


def test_without_offset_and_zone_there_is_no_instant():
    assert instant_of("2025-01-15", "20:00", None, None) is None


def test_without_a_time_there_is_no_instant():
    assert instant_of("2025-01-15", None, "+01:00", "Europe/Paris") is None


def test_an_unknown_zone_gives_no_instant():
    assert instant_of("2025-01-15", "20:00", None, "Mars/Olympus_Mons") is None
