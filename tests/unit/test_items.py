"""The item's fields are declared once (bandcrawler/items.py); parsers and validation follow."""

from __future__ import annotations

import pytest

from bandcrawler.items import BAND_FIELDS, FIELDS, PARSED_FIELDS, VENUE_FIELDS, parsed_item
from bandcrawler.services.validation import clean_item

ITEM = {
    "band_id": "b", "band": "B", "source": "jsonld", "source_id": "s1",
    "source_url": "https://b.example/tour", "title": "B live", "local_date": "2027-01-01",
    "local_time": "20:00", "utc_offset": "+01:00", "status": "scheduled",
    "venue_name": "Lido", "venue_address": "Cuvrystr. 7", "venue_city": "Berlin",
    "venue_region": "BE", "venue_postal_code": "10997", "venue_country": "DE",
    "latitude": 52.5, "longitude": 13.4, "online": False, "lineup": ["B"],
    "url": "https://b.example/e/1", "ticket_url": "https://t.example/1",
}
OTHER = {"local_date": "2027-01-02", "local_time": "21:00", "utc_offset": "+02:00",
         "status": "cancelled", "venue_country": "FR", "latitude": 52.6, "longitude": 13.5,
         "online": True, "lineup": ["B", "C"]}


def test_a_parsed_item_has_every_parsed_field_in_order_none_where_not_given():
    item = parsed_item(source="ical", title="T", lineup=[])

    assert tuple(item) == PARSED_FIELDS
    assert (item["source"], item["title"], item["lineup"], item["venue_city"]) == (
        "ical", "T", [], None)


def test_a_name_that_is_no_field_is_a_mistake_in_the_parser():
    with pytest.raises(TypeError, match="venue_town"):
        parsed_item(source="ical", venue_town="Berlin")


def test_the_spider_sets_the_band_fields_and_the_parser_all_others():
    assert set(BAND_FIELDS) | set(PARSED_FIELDS) == set(FIELDS) == set(ITEM)
    assert not set(BAND_FIELDS) & set(PARSED_FIELDS)
    assert VENUE_FIELDS == ("venue_name", "venue_address", "venue_city", "venue_region",
                            "venue_postal_code", "venue_country")


@pytest.mark.parametrize("field", FIELDS)
def test_validation_reads_every_declared_field(field):
    changed = {**ITEM, field: OTHER.get(field, f"{ITEM[field]}x")}

    assert clean_item(changed) != clean_item(ITEM)
