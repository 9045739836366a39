"""Specifications of the schema.org (JSON-LD and microdata) event parser, on saved pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bandcrawler.extract import Rejected
from bandcrawler.extract.jsonld import load_block, next_page_urls, parse_events
from bandcrawler.items import PARSED_FIELDS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "jsonld"

ITEM_KEYS = set(PARSED_FIELDS)  # the fields of bandcrawler/items.py a parser sets


def parse(name: str, url: str = "https://site.example/page/") -> list:
    return list(parse_events((FIXTURES / name).read_bytes(), url))


def events(name: str, url: str = "https://site.example/page/") -> list[dict]:
    return [item for item in parse(name, url) if not isinstance(item, Rejected)]


def rejected(name: str) -> list[Rejected]:
    return [item for item in parse(name) if isinstance(item, Rejected)]


def by_title(name: str) -> dict[str, dict]:
    return {item["title"]: item for item in events(name)}


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.html")))
def test_every_item_has_exactly_the_documented_keys(name):
    for item in events(name):
        assert set(item) == ITEM_KEYS
        assert item["source"] == "jsonld"
        assert item["source_url"] == "https://site.example/page/"
        assert isinstance(item["lineup"], list)
        assert isinstance(item["online"], bool)


def test_the_events_calendar_single_event_gives_the_whole_concert():
    [item] = parse("tec_single_event.html", "https://velvetstatic.example/event/x/")
    assert item == {
        "source": "jsonld",
        "source_id": "https://velvetstatic.example/event/midnight-orchards-fillmore/",
        "source_url": "https://velvetstatic.example/event/x/",
        "title": "The Midnight Orchards – Spring Tour",
        "local_date": "2026-05-01",
        "local_time": "20:00",
        "utc_offset": "-07:00",
        "status": "scheduled",
        "venue_name": "The Fillmore",
        "venue_address": "1805 Geary Blvd",
        "venue_city": "San Francisco",
        "venue_region": "CA",
        "venue_postal_code": "94115",
        "venue_country": "US",
        "latitude": 37.7840795,
        "longitude": -122.4330802,
        "online": False,
        "lineup": [],
        "url": "https://velvetstatic.example/event/midnight-orchards-fillmore/",
        "ticket_url": "https://velvetstatic.example/event/midnight-orchards-fillmore/",
    }


def test_a_bare_type_name_as_performer_is_not_a_band():
    assert events("tec_single_event.html")[0]["lineup"] == []
    assert by_title("bad_dates.html")["The Velvet Arms at Valley Bar"]["lineup"] == []


def test_an_array_of_events_in_one_script_gives_every_event():
    items = events("tec_list_view.html")
    assert [i["title"] for i in items] == ["Kellerkinder live im Lido", "Open Air Münster"]
    assert items[0]["venue_address"] == "Cuvrystraße 7"
    assert items[0]["venue_country"] == "DE"
    assert items[0]["ticket_url"] == "https://tickets.example/lido-kellerkinder"


def test_https_event_status_cancelled_is_read():
    assert by_title("tec_list_view.html")["Open Air Münster"]["status"] == "cancelled"


def test_an_all_day_event_from_midnight_to_23_59_has_no_start_time():
    item = by_title("tec_list_view.html")["Open Air Münster"]
    assert (item["local_date"], item["local_time"], item["utc_offset"]) == (
        "2026-06-14", None, "+02:00",
    )


def test_graph_wrapped_events_are_found():
    items = events("graph_with_references.html")
    assert [i["source_id"] for i in items] == [
        "https://copperline.example/shows/#event-2026-08-08",
        "https://copperline.example/shows/#event-2026-08-09",
    ]


def test_id_references_in_a_graph_are_followed_to_venue_and_performer():
    item = by_title("graph_with_references.html")["Copperline & Friends"]
    assert item["venue_name"] == "Mercury Lounge"
    assert item["venue_city"] == "New York"
    assert item["venue_country"] == "US"  # written as "USA"
    assert (item["latitude"], item["longitude"]) == (40.7222, -73.9867)
    assert item["lineup"] == ["Copperline", "Dana Wilde"]


def test_events_nested_in_a_music_group_are_extracted():
    items = events("band_site_musicgroup.html")
    assert [i["local_date"] for i in items] == ["2026-04-18", "2026-05-02", "2026-07-24"]


def test_event_status_forms_bare_http_and_https_are_all_understood():
    assert [i["status"] for i in events("band_site_musicgroup.html")] == [
        "cancelled", "postponed", "rescheduled",
    ]
    assert by_title("online_and_hybrid.html")["Ghost Orchid — secret show"]["status"] == "postponed"


def test_offset_less_and_date_only_starts_keep_what_is_known():
    leeds, amsterdam, _ = events("band_site_musicgroup.html")
    assert (leeds["local_date"], leeds["local_time"], leeds["utc_offset"]) == (
        "2026-04-18", "19:30", None,
    )
    assert (amsterdam["local_date"], amsterdam["local_time"], amsterdam["utc_offset"]) == (
        "2026-05-02", None, None,
    )


def test_a_relative_event_url_is_made_absolute_and_used_as_source_id():
    leeds = events("band_site_musicgroup.html", "https://paperkitesleeds.example/tour")[0]
    assert leeds["url"] == "https://paperkitesleeds.example/tour/2026-04-18-leeds"
    assert leeds["source_id"] == leeds["url"]


def test_uk_as_country_name_becomes_gb_and_a_country_object_is_read():
    leeds, _, tramlines = events("band_site_musicgroup.html")
    assert leeds["venue_country"] == "GB"
    assert tramlines["venue_country"] == "GB"
    assert tramlines["venue_region"] == "South Yorkshire"


def test_a_venue_comma_city_string_location_gives_the_venue_name_and_the_city():
    amsterdam = events("band_site_musicgroup.html")[1]
    assert amsterdam["venue_name"] == "Paradiso"
    assert amsterdam["venue_city"] == "Amsterdam"
    assert amsterdam["venue_address"] is None


def test_lineup_is_deduplicated_in_order_from_objects_lists_and_strings():
    leeds, amsterdam, tramlines = events("band_site_musicgroup.html")
    assert leeds["lineup"] == ["The Paper Kites of Leeds", "Hollow Coves"]
    assert amsterdam["lineup"] == ["The Paper Kites of Leeds", "Hollow Coves"]
    assert tramlines["lineup"] == ["The Paper Kites of Leeds"]


def test_festival_is_an_event_and_ticket_url_is_the_first_offer():
    tramlines = events("band_site_musicgroup.html")[2]
    assert tramlines["title"] == "Tramlines Festival 2026"
    assert tramlines["ticket_url"] == "https://www.tramlines.example/tickets?ref=paperkites"


def test_a_list_of_types_and_coordinates_given_as_strings_are_read():
    astra = by_title("bandsintown_widget.html")["Nightjar Radio @ Astra Kulturhaus"]
    assert astra["source_id"] == "https://www.bandsintown.example/e/104928311"
    assert (astra["latitude"], astra["longitude"]) == (52.5069712, 13.4539498)
    assert astra["venue_country"] == "DE"
    assert astra["lineup"] == ["Nightjar Radio", "Sleeping Satellites", "Koma Kids"]
    assert astra["ticket_url"] == "https://www.bandsintown.example/t/104928311?came_from=242"


def test_invalid_coordinates_and_empty_strings_become_none():
    trabendo = by_title("bandsintown_widget.html")["Nightjar Radio @ Le Trabendo"]
    assert (trabendo["latitude"], trabendo["longitude"]) == (None, None)
    assert trabendo["venue_address"] is None
    assert trabendo["venue_region"] is None
    assert trabendo["venue_postal_code"] is None


def test_ticket_url_is_found_inside_an_aggregate_offer():
    trabendo = by_title("bandsintown_widget.html")["Nightjar Radio @ Le Trabendo"]
    assert trabendo["ticket_url"] == "https://www.bandsintown.example/t/104928377?came_from=242"


def test_broken_block_does_not_hide_good_ones():
    items = parse("broken_block.html")
    assert [i.reason for i in items if isinstance(i, Rejected)] == ["broken_jsonld"]
    assert [i["venue_name"] for i in items if not isinstance(i, Rejected)] == [
        "La Cigale", "L'Aéronef",
    ]


def test_broken_block_rejection_says_which_script_and_page():
    [rejection] = rejected("broken_block.html")
    assert "script #2" in rejection.detail
    assert "https://site.example/page/" in rejection.detail


def test_html_entities_in_text_are_unescaped():
    items = events("broken_block.html")
    assert items[0]["title"] == "Les Rouges-Gorges à La Cigale"
    assert items[1]["title"] == "Les Rouges-Gorges à l'Aéronef"
    assert by_title("graph_with_references.html")["Copperline & Friends"]["title"]


def test_sloppy_wordpress_json_is_recovered():
    items = parse("sloppy_wordpress.html")
    assert not [i for i in items if isinstance(i, Rejected)]
    assert [i["title"] for i in items] == [
        "Brass Lantern Collective – Late Night Session",  # HTML comment, trailing commas
        "Brass Lantern Collective with guests",  # CDATA, raw newline and tab in a string
        "Brass Lantern Collective (Matinee)",  # bare CDATA
    ]
    assert items[0]["venue_postal_code"] == "NW1 7PG"
    assert items[0]["lineup"] == ["Brass Lantern Collective"]
    assert items[1]["venue_country"] == "GB"  # "England"


def test_a_plain_string_address_is_the_venue_address_as_it_is_and_names_the_town():
    [item] = events("squarespace_event.html")
    assert item["venue_name"] == "Union Pool"
    assert item["venue_address"] == "Union Pool, 484 Union Ave, Brooklyn, NY, 11211, United States"
    # Issue 12: a text address is read by the gazetteer-backed place reader.
    assert item["venue_city"] == "Brooklyn"
    assert item["venue_country"] == "US"


def test_squarespace_offset_without_colon_is_normalized():
    [item] = events("squarespace_event.html")
    assert (item["local_date"], item["local_time"], item["utc_offset"]) == (
        "2026-06-12", "20:00", "-04:00",
    )


def test_events_in_an_item_list_are_found_and_relative_urls_resolved():
    items = events("listing_itemlist.html", "https://gigradar.example/concerts/prague")
    assert [i["url"] for i in items] == [
        "https://gigradar.example/events/88121-static-bloom-prague",
        "https://gigradar.example/events/88305-opera-unplugged",
    ]
    assert [i["venue_country"] for i in items] == ["CZ", "CZ"]  # "Czech Republic", "CZE"


def test_other_event_subtypes_count_as_events():
    assert "Opera Unplugged" in by_title("listing_itemlist.html")


def test_microdata_only_pages_give_the_same_items():
    mohawk, dallas = events("microdata_events.html", "https://marigoldengine.example/tour")
    assert mohawk == {
        "source": "jsonld",
        "source_id": None,
        "source_url": "https://marigoldengine.example/tour",
        "title": "Marigold Engine & The Hum",
        "local_date": "2026-09-04",
        "local_time": "21:00",
        "utc_offset": "-05:00",
        "status": "scheduled",
        "venue_name": "Mohawk",
        "venue_address": "912 Red River St",
        "venue_city": "Austin",
        "venue_region": "TX",
        "venue_postal_code": "78701",
        "venue_country": "US",
        "latitude": 30.2701,
        "longitude": -97.7361,
        "online": False,
        "lineup": ["Marigold Engine", "The Hum"],
        "url": None,
        "ticket_url": "https://marigoldengine.example/tickets/mohawk-2026-09-04",
    }
    assert dallas["status"] == "cancelled"
    assert (dallas["local_date"], dallas["local_time"]) == ("2026-09-06", None)
    assert (dallas["venue_name"], dallas["venue_city"]) == ("Club Dada", "Dallas")
    assert dallas["source_id"] == "https://marigoldengine.example/shows/dallas"


def test_microdata_is_ignored_when_json_ld_already_lists_the_events():
    page = (FIXTURES / "tec_single_event.html").read_text(encoding="utf-8")
    microdata = (FIXTURES / "microdata_events.html").read_text(encoding="utf-8")
    body = page.replace("</body>", microdata.split("<body>")[1])
    assert [i["title"] for i in parse_events(body, "https://x.example/")] == [
        "The Midnight Orchards – Spring Tour",
    ]


def test_a_virtual_location_makes_an_online_event_without_venue():
    item = by_title("online_and_hybrid.html")["Ghost Orchid — Living Room Livestream"]
    assert item["online"] is True
    assert item["status"] == "moved_online"
    assert item["venue_name"] is None
    assert item["utc_offset"] == "+00:00"


def test_a_list_of_locations_takes_the_first_physical_one():
    item = by_title("online_and_hybrid.html")["Ghost Orchid — Album release (in person + stream)"]
    assert item["venue_name"] == "Vega"
    assert item["venue_city"] == "København"
    assert item["venue_country"] == "DK"  # "Danmark"
    assert (item["latitude"], item["longitude"]) == (55.6668, 12.5413)  # decimal commas
    assert item["online"] is True


def test_a_missing_location_leaves_the_venue_empty():
    item = by_title("online_and_hybrid.html")["Ghost Orchid — secret show"]
    assert [item[k] for k in ("venue_name", "venue_city", "venue_country", "latitude")] == [
        None, None, None, None,
    ]
    assert item["online"] is False


def test_an_event_without_a_usable_start_date_is_rejected_with_its_name():
    assert [(r.reason, r.detail.split(" on ")[0]) for r in rejected("bad_dates.html")] == [
        ("bad_start_date", "'Summer Tour: Leg 2'"),
        ("missing_start_date", "'Hometown Show'"),
        ("missing_start_date", "'Warm-up at The Rebel Lounge'"),
        ("bad_start_date", "'Record store session'"),
    ]


def test_bad_dates_only_drop_their_own_event():
    assert [i["title"] for i in events("bad_dates.html")] == ["The Velvet Arms at Valley Bar"]


def test_a_page_without_events_yields_nothing():
    assert parse("no_events.html") == []


@pytest.mark.parametrize("body", [b"", "", "   ", b"<html></html>", "not html at all"])
def test_empty_or_trivial_bodies_yield_nothing(body):
    assert list(parse_events(body, "https://x.example/")) == []


def test_str_and_bytes_bodies_give_the_same_items():
    path = FIXTURES / "tec_list_view.html"
    as_bytes = list(parse_events(path.read_bytes(), "https://x.example/"))
    assert as_bytes == list(parse_events(path.read_text(encoding="utf-8"), "https://x.example/"))


def test_the_same_event_listed_twice_on_a_page_is_yielded_once():
    page = (FIXTURES / "bandsintown_widget.html").read_text(encoding="utf-8")
    script = page[page.index('<script type="application/ld+json">'):page.index("</body>")]
    doubled = page.replace("</body>", script + "</body>")
    assert len(list(parse_events(doubled, "https://x.example/"))) == 2


def test_a_blank_node_id_is_not_a_source_id():
    body = (
        '<script type="application/ld+json">{"@type":"MusicEvent","@id":"_:b0",'
        '"name":"X","startDate":"2026-01-02"}</script>'
    )
    [item] = parse_events(body, "https://x.example/")
    assert item["source_id"] is None


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '<!-- {"a": 1} -->',
        '//<![CDATA[\n{"a": 1}\n//]]>',
        '{"a": 1,}',
        '{&quot;a&quot;: 1}',
        '{"a": 1}\n{"b": 2}',
    ],
)
def test_load_block_forgives_common_sloppiness(text):
    data = load_block(text)
    assert data == {"a": 1} or data == [{"a": 1}, {"b": 2}]


def test_load_block_reads_raw_control_characters_in_strings():
    assert load_block('{"name": "A\n\tB"}') == {"name": "A\n\tB"}


@pytest.mark.parametrize("text", ['{"a": ', "window.dataLayer = [];", "{'a': nope}"])
def test_load_block_raises_value_error_on_unrecoverable_json(text):
    with pytest.raises(ValueError):
        load_block(text)


def test_next_page_from_link_rel_next_and_wordpress_page_numbers():
    body = (FIXTURES / "wordpress_paged_archive.html").read_bytes()
    assert next_page_urls(body, "https://rustbeltrevival.example/events/page/2/") == [
        "https://rustbeltrevival.example/events/page/3/",
    ]


def test_next_page_from_the_events_calendar_navigation():
    body = (FIXTURES / "tec_list_view.html").read_bytes()
    assert next_page_urls(body, "https://kellerkinder-band.example/konzerte/") == [
        "https://kellerkinder-band.example/konzerte/list/page/2/",
    ]


def test_next_page_links_are_made_absolute_against_the_page_url():
    body = (FIXTURES / "listing_itemlist.html").read_bytes()
    assert next_page_urls(body, "https://gigradar.example/concerts/prague") == [
        "https://gigradar.example/concerts/prague?page=2",
    ]


def test_older_events_anchor_is_a_next_page():
    body = (FIXTURES / "microdata_events.html").read_bytes()
    assert next_page_urls(body, "https://marigoldengine.example/tour") == [
        "https://marigoldengine.example/tour?page=2",
    ]


@pytest.mark.parametrize(
    "anchor",
    [
        '<a href="/p/2">Next</a>',
        '<a href="/p/2">  next page </a>',
        '<a href="/p/2">»</a>',
        '<a href="/p/2">›</a>',
        '<a href="/p/2">Next »</a>',
        '<a href="/p/2">Older Events</a>',
        '<a href="/p/2" rel="next nofollow">2</a>',
        '<a href="/p/2" class="pagination__next">go</a>',
    ],
)
def test_next_page_anchor_forms(anchor):
    assert next_page_urls(f"<html><body>{anchor}</body></html>", "https://x.example/p/1") == [
        "https://x.example/p/2",
    ]


@pytest.mark.parametrize(
    "anchor",
    [
        '<a href="/p/0">« Previous</a>',
        '<a href="/help" class="context-menu">Help</a>',
        '<a href="#">Next</a>',
        '<a href="javascript:void(0)">Next</a>',
        '<a href="/p/2" class="next disabled">Next</a>',
        '<a href="/events/next-big-thing">The Next Big Thing</a>',
        '<a href="/p/1">Next</a>',
    ],
)
def test_what_is_not_a_next_page_link(anchor):
    assert next_page_urls(f"<html><body>{anchor}</body></html>", "https://x.example/p/1") == []


def test_no_next_page_on_a_last_page():
    assert next_page_urls((FIXTURES / "no_events.html").read_bytes(), "https://x.example/") == []
