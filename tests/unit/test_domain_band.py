"""Specifications of the Band aggregate: registration is idempotent and adds only new sources."""

from __future__ import annotations

import pytest

from bandcrawler.domain import events as ev
from bandcrawler.domain.band import Band, decide_register, decide_remove, decide_remove_source

NOW = "2025-01-01T00:00:00Z"
SOURCES = [("website", "https://velvet.example/tour"), ("bandsintown", "Velvet Lanterns")]


def registered(sources=SOURCES) -> Band:
    band = Band("the-velvet-lanterns")
    for event in decide_register(band, "The Velvet Lanterns", sources, NOW):
        band.apply(event, band.version + 1)
    return band


def test_registering_a_new_band_decides_registered_and_each_source():
    decided = decide_register(Band("the-velvet-lanterns"), "The Velvet Lanterns", SOURCES, NOW)

    assert [type(e) for e in decided] == [ev.BandRegistered, ev.BandSourceAdded,
                                          ev.BandSourceAdded]
    assert decided[0].name == "The Velvet Lanterns"
    assert [(e.kind, e.value) for e in decided[1:]] == SOURCES


def test_registering_again_decides_nothing():
    band = registered()

    assert decide_register(band, "The Velvet Lanterns", SOURCES, NOW) == []
    assert band.version == 3


def test_registering_again_adds_only_the_new_sources():
    band = registered()
    new = ("ical", "https://velvet.example/tour.ics")

    decided = decide_register(band, "The Velvet Lanterns", [*SOURCES, new], NOW)

    assert len(decided) == 1
    assert isinstance(decided[0], ev.BandSourceAdded)
    assert (decided[0].kind, decided[0].value) == new


def test_a_source_listed_twice_is_added_once():
    decided = decide_register(Band("b"), "B", [SOURCES[0], SOURCES[0]], NOW)

    assert sum(isinstance(e, ev.BandSourceAdded) for e in decided) == 1


def test_an_unknown_source_kind_is_rejected():
    with pytest.raises(ValueError, match="myspace"):
        decide_register(Band("b"), "B", [("myspace", "https://myspace.com/b")], NOW)


# -- sources' origins, removal, and ids checked when added --------------------------------

MBID = "b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d"


def folded(decided, band=None) -> Band:
    band = band or Band("the-velvet-lanterns")
    for event in decided:
        band.apply(event, band.version + 1)
    return band


def test_a_discovered_source_says_where_it_was_found():
    decided = decide_register(Band("b"), "B", [("ical", "https://b.example/x.ics")], NOW,
                              {("ical", "https://b.example/x.ics"): "website:https://b.example/"})

    assert decided[1].discovered_from == "website:https://b.example/"


def test_a_source_event_recorded_before_discovery_existed_is_still_read():
    old = ev.event_from("BandSourceAdded", {"band_id": "b", "kind": "website",
                                            "value": "https://b.example/", "at": NOW})

    assert old.discovered_from is None
    assert folded([old]).sources == [("website", "https://b.example/")]


@pytest.mark.parametrize("value", ["12345", "", "b10bbbfc-cf9e-42e0-be17", "Velvet Lanterns"])
def test_an_invalid_musicbrainz_id_is_rejected_when_added(value):
    with pytest.raises(ValueError, match=r"MusicBrainz artist id|empty"):
        decide_register(Band("b"), "B", [("musicbrainz", value)], NOW)


def test_a_musicbrainz_page_url_is_stored_as_its_bare_id():
    decided = decide_register(Band("b"), "B", [
        ("musicbrainz", f"https://musicbrainz.org/artist/{MBID.upper()}")], NOW)

    assert decided[1].value == MBID


def test_removing_a_source_and_then_the_band():
    band = registered()

    band = folded(decide_remove_source(band, "bandsintown", "Velvet Lanterns", NOW), band)
    assert band.sources == [("website", "https://velvet.example/tour")]
    band = folded(decide_remove(band, NOW), band)
    assert band.removed and band.sources == [] and not band.registered


def test_removing_what_is_not_there_says_so():
    with pytest.raises(ValueError, match="has no ical source"):
        decide_remove_source(registered(), "ical", "https://x.example/a.ics", NOW)
    with pytest.raises(ValueError, match="is registered"):
        decide_remove(Band("nobody"), NOW)


def test_a_removed_band_added_again_is_registered_again_with_its_sources():
    band = folded(decide_remove(registered(), NOW), registered())

    decided = decide_register(band, "The Velvet Lanterns", SOURCES, NOW)

    assert [type(e) for e in decided] == [ev.BandRegistered, ev.BandSourceAdded,
                                          ev.BandSourceAdded]
