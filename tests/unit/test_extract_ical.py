"""Specifications of the iCalendar feed parser, on feeds as calendar apps and sites export them."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from bandcrawler.extract import Rejected
from bandcrawler.extract.ical import parse_events, ticket_url, venue_from_summary
from bandcrawler.items import PARSED_FIELDS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ical"
FEED = "https://feeds.example/tour.ics"

ITEM_KEYS = set(PARSED_FIELDS)  # the fields of bandcrawler/items.py a parser sets


# The fixtures' concerts are in 2031: read their repeats from a day before them.
TODAY = datetime.date(2031, 1, 1)


def parse(name: str) -> list:
    return list(parse_events((FIXTURES / name).read_bytes(), FEED, today=TODAY))


def events(name: str) -> list[dict]:
    return [item for item in parse(name) if not isinstance(item, Rejected)]


def rejected(name: str) -> list[Rejected]:
    return [item for item in parse(name) if isinstance(item, Rejected)]


def by_title(name: str) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for item in events(name):  # a repeating event's first occurrence stands for its title
        found.setdefault(item["title"], item)
    return found


def start(item: dict) -> tuple:
    return item["local_date"], item["local_time"], item["utc_offset"]


def venue(item: dict) -> dict:
    return {k[len("venue_"):]: v for k, v in item.items() if k.startswith("venue_") and v}


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.ics")))
def test_every_item_has_exactly_the_keys_of_the_jsonld_parser(name):
    for item in events(name):
        assert set(item) == ITEM_KEYS
        assert item["source"] == "ical" and item["source_url"] == FEED
        assert isinstance(item["lineup"], list) and isinstance(item["online"], bool)


def test_fixtures_are_crlf_and_folded_as_generators_write_them():
    google = (FIXTURES / "google_calendar.ics").read_bytes()
    assert b"\r\n " in google  # folded continuation lines
    assert all(len(line) <= 75 for line in google.split(b"\r\n"))
    assert b"\n" not in google.replace(b"\r\n", b"")


def test_a_google_calendar_event_gives_the_whole_concert():
    item = by_title("google_calendar.ics")["The Velvet Lanterns – Paris"]
    assert item == {
        "source": "ical",
        "source_id": "5k2f8v0j1q9r3t7u6w4x2y1z0a@google.com",
        "source_url": FEED,
        "title": "The Velvet Lanterns – Paris",
        "local_date": "2031-03-14",
        "local_time": "19:00",
        "utc_offset": "+00:00",
        "status": "scheduled",
        "venue_name": "Le Bataclan",
        "venue_address": "50 Bd Voltaire",
        "venue_city": "Paris",
        "venue_region": None,
        "venue_postal_code": "75011",
        "venue_country": "FR",
        "latitude": 48.8631,
        "longitude": 2.3708,
        "online": False,
        "lineup": [],
        "url": None,
        "ticket_url": "https://www.ticketmaster.fr/fr/manifestation/the-velvet-lanterns-billet/"
                      "idmanif/555555",
    }


def test_a_utc_start_is_kept_as_written_in_utc_for_the_pipeline_to_convert():
    london = by_title("google_calendar.ics")["The Velvet Lanterns – London"]
    assert start(london) == ("2031-06-12", "18:00", "+00:00")


def test_a_start_with_an_iana_tzid_is_local_with_the_offset_of_that_instant():
    feed = by_title("google_calendar.ics")
    assert start(feed["The Velvet Lanterns – Amsterdam"]) == ("2031-03-16", "20:30", "+01:00")
    assert start(feed["The Velvet Lanterns – Sunday residency"]) == (
        "2031-04-06", "18:00", "+02:00")  # after the change to summer time
    assert start(feed["The Velvet Lanterns – New York"]) == ("2031-05-10", "20:00", "-04:00")


def test_outlook_windows_zone_names_are_mapped_to_their_iana_zones():
    feed = by_title("outlook_export.ics")
    assert start(feed["Kodiak Static - Berlin"]) == ("2031-09-05", "20:00", "+02:00")
    assert start(feed["Kodiak Static - Köln"]) == ("2031-11-20", "19:30", "+01:00")
    assert start(feed["Kodiak Static - Washington DC"]) == ("2031-10-02", "19:00", "-04:00")
    # GMT Standard Time is London, summer time included, even without a VTIMEZONE block.
    assert start(feed["Kodiak Static - Manchester"]) == ("2031-07-18", "19:00", "+01:00")


def test_a_custom_vtimezone_gives_the_offset_it_defines():
    adelaide = by_title("outlook_export.ics")["Kodiak Static - Adelaide"]
    assert start(adelaide) == ("2031-11-08", "20:00", "+09:30")


def test_a_custom_zone_name_in_one_feed_never_leaks_into_another():
    # Both feeds name their zone "Customized Time Zone": +05:30 in one, +09:30 in the other.
    mumbai = by_title("broken_component.ics")["Nightjar Radio - Mumbai"]
    adelaide = by_title("outlook_export.ics")["Kodiak Static - Adelaide"]
    assert mumbai["utc_offset"] == "+05:30" and adelaide["utc_offset"] == "+09:30"
    assert by_title("broken_component.ics")["Nightjar Radio - Mumbai"]["utc_offset"] == "+05:30"


def test_an_unknown_tzid_gives_the_time_as_written_without_an_offset():
    amsterdam = by_title("outlook_export.ics")["Kodiak Static - Amsterdam"]
    assert start(amsterdam) == ("2031-10-10", "21:00", None)


def test_a_vendor_prefixed_tzid_is_read_as_the_iana_zone_inside_it():
    berlin = by_title("band_site_plugin.ics")["Kodiak Static @ Astra Kulturhaus, Berlin"]
    assert start(berlin) == ("2031-10-12", "20:00", "+02:00")


def test_a_floating_start_has_no_offset():
    lyon = by_title("band_site_plugin.ics")["Kodiak Static, Lyon, Le Transbordeur"]
    assert start(lyon) == ("2031-09-21", "20:30", None)


def test_a_bare_date_with_or_without_value_date_has_no_time():
    festival = by_title("google_calendar.ics")["The Velvet Lanterns at Roskilde Festival"]
    assert start(festival) == ("2031-07-04", None, None)  # DTSTART;VALUE=DATE:20310704
    denver = by_title("band_site_plugin.ics")["Kodiak Static, The Fillmore, Denver"]
    assert start(denver) == ("2031-10-03", None, None)  # DTSTART:20311003


def test_an_overridden_occurrence_is_its_own_item_keyed_by_uid_and_recurrence_id():
    feed = by_title("google_calendar.ics")
    series = feed["The Velvet Lanterns – Sunday residency"]
    late = feed["The Velvet Lanterns – Sunday residency (late show)"]
    assert series["source_id"] == "residency-7c1e93b2@google.com"
    assert late["source_id"] == "residency-7c1e93b2@google.com#20310413T180000"
    assert start(late) == ("2031-04-13", "21:00", "+02:00")


def test_a_recurring_event_gives_every_occurrence_with_its_override_in_place():
    # Issue 12 changed this rule: it was "only its first occurrence" (2031-04-06, 04-13).
    residency = [i for i in events("google_calendar.ics") if "residency" in i["title"]]
    assert [(i["local_date"], i["local_time"]) for i in residency] == [
        ("2031-04-06", "18:00"), ("2031-04-13", "21:00"), ("2031-04-20", "18:00"),
        ("2031-04-27", "18:00")]


def test_status_cancelled_is_cancelled_and_tentative_is_scheduled():
    assert by_title("google_calendar.ics")["The Velvet Lanterns – Amsterdam"][
        "status"] == "cancelled"
    assert by_title("band_site_plugin.ics")["Kodiak Static @ La Cigale, Paris"][
        "status"] == "scheduled"
    laiterie = by_title("songkick_export.ics")["CANCELLED: Marée Basse at La Laiterie (19 May 31)"]
    assert laiterie["status"] == "cancelled"


def test_an_escaped_comma_location_is_split_into_venue_address_city_and_country():
    feed = by_title("google_calendar.ics")
    assert venue(feed["The Velvet Lanterns – Amsterdam"]) == {
        "name": "Paradiso", "address": "Weteringschans 6-8", "city": "Amsterdam",
        "postal_code": "1017 SG", "country": "NL"}
    assert venue(feed["The Velvet Lanterns – New York"]) == {
        "name": "Webster Hall", "address": "125 E 11th St", "city": "New York",
        "region": "NY", "postal_code": "10003", "country": "US"}
    assert venue(feed["The Velvet Lanterns – London"]) == {
        "name": "O2 Academy Brixton", "address": "211 Stockwell Rd", "city": "London",
        "postal_code": "SW9 9SL", "country": "GB"}


def test_outlook_locations_with_native_country_names_and_no_country():
    feed = by_title("outlook_export.ics")
    assert venue(feed["Kodiak Static - Köln"]) == {
        "name": "Gebäude 9", "address": "Deutz-Mülheimer Str. 127", "city": "Köln",
        "postal_code": "51063", "country": "DE"}
    assert venue(feed["Kodiak Static - Berlin"]) == {
        "name": "Columbiahalle", "address": "Columbiadamm 13-21", "city": "Berlin",
        "postal_code": "10965"}
    assert venue(feed["Kodiak Static - Washington DC"])["name"] == "9:30 Club"


def test_a_city_only_location_gives_a_city_and_a_songkick_placeholder_geo_is_ignored():
    unknown = by_title("songkick_export.ics")["Marée Basse at Unknown venue (16 May 31)"]
    assert venue(unknown) == {"city": "Paris", "country": "FR"}
    assert unknown["latitude"] is None and unknown["longitude"] is None  # GEO:0.0;0.0


def test_geo_gives_the_coordinates_and_a_broken_geo_gives_none():
    lido = by_title("songkick_export.ics")["Marée Basse at Lido (14 May 31)"]
    assert (lido["latitude"], lido["longitude"]) == (52.4993, 13.4452)
    lyon = by_title("band_site_plugin.ics")["Kodiak Static, Lyon, Le Transbordeur"]
    assert (lyon["latitude"], lyon["longitude"]) == (None, None)  # GEO:45.7;


def test_without_a_location_the_summary_says_where():
    feed = by_title("band_site_plugin.ics")
    assert venue(feed["Kodiak Static, Lyon, Le Transbordeur"]) == {
        "name": "Le Transbordeur", "city": "Lyon"}
    assert venue(feed["Kodiak Static @ La Cigale, Paris"]) == {
        "name": "La Cigale", "city": "Paris"}
    assert venue(feed["Kodiak Static, The Fillmore, Denver"]) == {
        "name": "The Fillmore", "city": "Denver"}  # venue before city, told by "The"


def test_a_summary_without_a_place_gives_no_venue():
    assert not any(venue_from_summary("The Velvet Lanterns – Livestream").values())
    assert not any(venue_from_summary("Kodiak Static, live").values())


def test_a_url_as_location_is_an_online_event_without_venue():
    stream = by_title("google_calendar.ics")["The Velvet Lanterns – Livestream"]
    assert stream["online"] is True and venue(stream) == {}


def test_the_url_property_is_the_url_and_a_songkick_uid_is_the_source_id():
    lido = by_title("songkick_export.ics")["Marée Basse at Lido (14 May 31)"]
    assert lido["url"] == "https://www.songkick.com/concerts/41234567-maree-basse-at-lido"
    assert lido["source_id"] == lido["url"]
    assert lido["ticket_url"] is None  # "More details: https://www.songkick.com/…" is no ticket


def test_ticket_links_are_found_in_html_and_plain_descriptions():
    feed = by_title("band_site_plugin.ics")
    assert feed["Kodiak Static, Lyon, Le Transbordeur"]["ticket_url"] == (
        "https://tickets.example.com/kodiak-static/lyon-2031")
    assert feed["Kodiak Static @ La Cigale, Paris"]["ticket_url"] is None  # a "Details" link
    berlin = by_title("outlook_export.ics")["Kodiak Static - Berlin"]
    assert berlin["ticket_url"] == (
        "https://www.eventim.de/event/kodiak-static-columbiahalle-berlin-18234567/")
    assert ticket_url("Tickets: https://shop.example/x.\nInfo: https://band.example/") == (
        "https://shop.example/x")
    assert ticket_url("Info: https://band.example/tour") is None


def test_html_in_text_properties_is_unescaped_and_stripped():
    item = by_title("band_site_plugin.ics")["Kodiak Static @ La Cigale, Paris"]
    assert "<" not in str(item) and "&amp;" not in str(item)


def test_an_event_listed_twice_is_yielded_once():
    titles = [i["title"] for i in events("songkick_export.ics")]
    assert titles.count("Marée Basse at Lido (14 May 31)") == 1
    assert len(titles) == 3


def test_a_bad_or_missing_start_drops_only_that_event():
    assert rejected("band_site_plugin.ics") == [
        Rejected("bad_start_date", "'Kodiak Static @ Secret show, Hamburg' in "
                 f"{FEED}: DTSTART 'TBA'"),
        Rejected("missing_start_date", f"'Kodiak Static @ Festival to be announced' in {FEED}"),
    ]
    assert len(events("band_site_plugin.ics")) == 4


def test_a_component_the_library_cannot_read_drops_only_itself_and_marks_the_feed_incomplete():
    # A stray END:VALARM makes the library reject the whole calendar; the blocks are read
    # one by one instead, with the feed's VTIMEZONE still applied.
    assert [i["title"] for i in events("broken_component.ics")] == [
        "Nightjar Radio - Mumbai", "Nightjar Radio - Bengaluru"]
    [broken] = rejected("broken_component.ics")
    assert broken.reason == "broken_event" and broken.whole_page
    assert "nightjar-2031-pune" in broken.detail


def test_unterminated_events_of_a_cut_off_feed_are_rejected_not_silently_lost():
    assert [i["title"] for i in events("truncated.ics")] == [
        "Nightjar Radio - Lisbon", "Nightjar Radio - Madrid"]
    assert [(r.reason, r.whole_page) for r in rejected("truncated.ics")] == [
        ("broken_event", True), ("broken_event", True)]
    assert "nightjar-2031-porto" in rejected("truncated.ics")[0].detail


@pytest.mark.parametrize("body", [
    (FIXTURES / "not_ical.html").read_bytes(), b"", b"   \r\n", b'{"error": "not found"}',
])
def test_a_body_that_is_no_calendar_is_one_whole_page_rejection(body):
    [result] = parse_events(body, FEED)
    assert result.reason == "bad_feed" and result.whole_page
    assert FEED in result.detail


def test_an_empty_calendar_gives_nothing():
    body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nEND:VCALENDAR\r\n"
    assert list(parse_events(body, FEED)) == []


def test_text_input_lf_line_endings_and_a_byte_order_mark_are_read_alike():
    body = (FIXTURES / "songkick_export.ics").read_bytes()
    as_text = body.decode("utf-8").replace("\r\n", "\n")
    with_bom = b"\xef\xbb\xbf" + body
    assert list(parse_events(as_text, FEED)) == list(parse_events(with_bom, FEED)) == parse(
        "songkick_export.ics")


def _mutations(body: bytes):
    """'-' or NUL inserted where fuzzing found crashes (the VTIMEZONE block, a VEVENT's END
    line), and at every 10th byte elsewhere."""
    zone = body.index(b"BEGIN:VTIMEZONE"), body.index(b"END:VTIMEZONE")
    last_end = body.rindex(b"END:VEVENT")
    for position in range(len(body)):
        near = zone[0] <= position <= zone[1] or abs(position - last_end) <= 12
        if near or position % 10 == 0:
            for inserted in (b"-", b"\x00"):
                yield body[:position] + inserted + body[position:]


def test_a_feed_broken_anywhere_by_one_byte_gives_items_or_rejections_never_an_error():
    body = (FIXTURES / "broken_component.ics").read_bytes()
    for mutated in _mutations(body):
        results = list(parse_events(mutated, "https://example.com/feed.ics"))
        assert all(isinstance(r, (dict, Rejected)) for r in results)
