"""Specifications of clean_item: bad input gets a reason slug, messy input gets cleaned."""

from __future__ import annotations

import pytest

from bandcrawler.services.validation import InvalidItem, clean_item


def item(**changes):
    base = {"band_id": "the-velvet-lanterns", "band": "The Velvet Lanterns", "source": "jsonld",
            "local_date": "2025-03-14", "venue_city": "Paris"}
    return {**base, **changes}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"band_id": None}, "missing_band_id"),
        ({"band_id": "   "}, "missing_band_id"),
        ({"band": ""}, "missing_band"),
        ({"source": None}, "missing_source"),
        ({"local_date": None}, "missing_start_date"),
        ({"local_date": "  "}, "missing_start_date"),
        ({"local_date": "TBA"}, "bad_start_date"),
        ({"local_date": "2025-02-30"}, "bad_start_date"),
        ({"status": "sold_out"}, "bad_status"),
    ],
)
def test_invalid_items_are_rejected_with_a_reason(changes, reason):
    with pytest.raises(InvalidItem) as caught:
        clean_item(item(**changes))

    assert caught.value.reason == reason


def test_a_valid_item_defaults_to_scheduled():
    cleaned = clean_item(item())

    assert cleaned["status"] == "scheduled"
    assert cleaned["local_date"] == "2025-03-14"
    assert cleaned["online"] is False


@pytest.mark.parametrize("written", ["2025-03-14", " 2025-03-14 ", "20250314", "2025-W11-5"])
def test_the_local_date_is_kept_in_its_canonical_form(written):
    """One date, one natural key, and the yyyy-MM-dd the index maps local_date to."""
    assert clean_item(item(local_date=written))["local_date"] == "2025-03-14"


def test_whitespace_is_collapsed_and_blank_becomes_none():
    cleaned = clean_item(item(band="  The   Velvet\n Lanterns ", title="\tLive  in\n Paris ",
                              venue_name="  La   Cigale ", url="   "))

    assert cleaned["band"] == "The Velvet Lanterns"
    assert cleaned["title"] == "Live in Paris"
    assert cleaned["venue"]["name"] == "La Cigale"
    assert cleaned["url"] is None


def test_the_lineup_is_deduplicated_in_order():
    cleaned = clean_item(item(lineup=["Opener", " The Velvet Lanterns", "Opener ", "", None,
                                      "The  Velvet Lanterns"]))

    assert cleaned["lineup"] == ["Opener", "The Velvet Lanterns"]


def test_a_lineup_given_as_one_name_is_a_lineup_of_one():
    assert clean_item(item(lineup=" Opener "))["lineup"] == ["Opener"]


@pytest.mark.parametrize("lineup", [None, [], ["", "  "], "  "])
def test_the_lineup_defaults_to_the_band(lineup):
    assert clean_item(item(lineup=lineup))["lineup"] == ["The Velvet Lanterns"]


@pytest.mark.parametrize(
    ("country", "expected"),
    [("fr", "FR"), (" de ", "DE"), ("FR", "FR"), ("France", None), ("", None), (None, None),
     ("F1", None)],
)
def test_the_country_is_an_upper_case_code_or_none(country, expected):
    assert clean_item(item(venue_country=country))["venue"]["country"] == expected


def test_coordinates_are_read_from_strings():
    cleaned = clean_item(item(latitude="48.8822", longitude=" 2.3405"))

    assert cleaned["source_location"] == {"latitude": 48.8822, "longitude": 2.3405}


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(0, 0), ("0", "0.0"), (91, 2), (48, 181), (-90.5, 0), ("", ""), (None, 2.0),
     ("nan", "2"), ("inf", "2"), ("north", "2")],
)
def test_placeholder_missing_or_out_of_range_coordinates_are_ignored(latitude, longitude):
    assert clean_item(item(latitude=latitude, longitude=longitude))["source_location"] is None


@pytest.mark.parametrize(("value", "expected"),
                         [("20:30", "20:30"), (" 08:00 ", "08:00"), ("8pm", None),
                          ("24:00", None), ("", None), (None, None)])
def test_a_time_is_hh_mm_or_none(value, expected):
    assert clean_item(item(local_time=value))["local_time"] == expected


@pytest.mark.parametrize(("value", "expected"),
                         [("+0200", "+02:00"), ("-0530", "-05:30"), ("+02:00", "+02:00"),
                          ("Z", None), ("+2", None), ("CET", None), (None, None)])
def test_an_offset_is_normalized_to_plus_hh_colon_mm_or_none(value, expected):
    assert clean_item(item(utc_offset=value))["utc_offset"] == expected


def test_a_known_status_is_kept():
    assert clean_item(item(status=" cancelled "))["status"] == "cancelled"
