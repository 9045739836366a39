"""Specifications of website discovery's parser: a band's page in, where its dates are out,
on pages written like WordPress + The Events Calendar, Squarespace, Bandcamp, Wix, a Songkick
widget, a Google Calendar embed, a deep tour page, a link-in-bio page and a script-only page."""

from __future__ import annotations

import pytest

from bandcrawler.extract.discovery import feed_url, google_calendar_feeds, read_page
from tests.support.band_sites import fixture_file, render

SITE = "http://band.example"


def page(path: str, query: str = ""):
    found = fixture_file(path, query)
    assert found is not None, path
    body = render(found.read_text(encoding="utf-8"), "band.example", "http://bio.example")
    return read_page(body.encode(), SITE + path)


def test_the_events_calendar_names_its_feed_and_its_events_page():
    home = page("/wordpress/")

    assert home.feeds == [f"{SITE}/wordpress/events/?ical=1"]
    assert home.tour_links == [f"{SITE}/wordpress/events/"]
    assert home.events == 0


def test_an_events_page_counts_its_events_and_its_feed_once_in_every_spelling():
    events = page("/wordpress/events/")

    assert events.events == 2
    # <link rel=alternate>, webcal:// and "Export .ics file" (?ical=1) are one feed
    assert events.feeds == [f"{SITE}/wordpress/events/?ical=1"]
    assert events.tour_links == []


def test_a_squarespace_nav_link_named_tour_is_followed_and_its_events_counted():
    assert page("/squarespace/").tour_links == [f"{SITE}/squarespace/tour"]
    assert page("/squarespace/tour/").events == 2


def test_a_wix_page_frames_its_html_embed_whose_bandsintown_widget_names_the_artist():
    wix = page("/wix/")

    assert wix.embeds == ["http://bio.example/wix/embed/"]
    assert wix.bandsintown == [] and wix.events == 0 and wix.feeds == []
    assert page("/wix/embed/").bandsintown == ["id_15551234"]


def test_players_and_maps_in_frames_are_not_embeds_to_read():
    body = (b'<iframe src="https://www.youtube.com/embed/x"></iframe>'
            b'<iframe src="https://bandcamp.com/EmbeddedPlayer/album=1"></iframe>'
            b'<iframe src="https://open.spotify.com/embed/artist/1"></iframe>')

    assert read_page(body, SITE + "/").embeds == []


def test_a_songkick_widget_names_the_songkick_artist_once():
    assert page("/songkick/").songkick == ["424242"]


def test_bandcamp_shows_point_to_songkick():
    bandcamp = page("/bandcamp/")

    assert bandcamp.songkick == ["8800123"]
    assert bandcamp.events == 0  # a MusicGroup, no Event


def test_a_google_calendar_embed_gives_each_calendar_s_public_ics():
    termine = page("/gcal/termine/")

    assert termine.feeds == [
        "https://calendar.google.com/calendar/ical/nachtfalter.band%40gmail.com/public/basic.ics",
        "https://calendar.google.com/calendar/ical/c_8f3d0e1b2a%40group.calendar.google.com"
        "/public/basic.ics",
    ]
    assert page("/gcal/").tour_links == [f"{SITE}/gcal/termine/"]


def test_a_tour_page_two_links_away_is_reached_through_the_path_word():
    assert page("/deep/").tour_links == [f"{SITE}/deep/live/"]
    assert page("/deep/live/").tour_links == [f"{SITE}/deep/live/konzerte/"]
    assert page("/deep/live/konzerte/").events == 2


def test_a_link_in_bio_page_leads_off_site_to_its_tour_and_to_bandsintown():
    bio = page("/linkinbio/")

    assert bio.link_in_bio
    assert bio.tour_links == ["http://bio.example/bio-tour/"]
    assert bio.bandsintown == ["id_3300777"]


def test_a_page_drawn_by_a_script_says_it_needs_javascript():
    tour = page("/jsonly/tour/")

    assert tour.needs_javascript and not tour.found_anything
    assert not page("/jsonly/").needs_javascript
    assert page("/jsonly/").tour_links == [f"{SITE}/jsonly/tour/"]  # "Conciertos"


@pytest.mark.parametrize("src", [
    "https://www.google.com/maps/embed?pb=1", "https://calendar.google.com/calendar/u/0/r",
    "//calendar.google.com/calendar/embed?ctz=UTC", "not a url"])
def test_what_is_not_a_calendar_embed_gives_no_feed(src):
    assert google_calendar_feeds(src) == []


def test_webcal_is_https_and_other_urls_stay():
    assert feed_url("webcal://band.example/tour.ics") == "https://band.example/tour.ics"
    assert feed_url("http://band.example/tour.ics") == "http://band.example/tour.ics"


def test_hostile_or_broken_html_gives_no_findings_and_no_error():
    for body in (b"", b"\x00\xff\xfe", b"<html><a href='javascript:alert(1)'>Tour</a>",
                 b"<a href='http://[::1'>Tour</a>"):
        found = read_page(body, SITE + "/")
        assert not found.found_anything and found.tour_links == []
