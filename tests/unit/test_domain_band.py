"""Specifications of the Band aggregate: registration is idempotent and adds only new sources."""

from __future__ import annotations

import pytest

from bandcrawler.domain import events as ev
from bandcrawler.domain.band import Band, decide_register

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
