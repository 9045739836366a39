"""Specifications of lineups read off titles: clear conventions only, bands never split."""

from __future__ import annotations

import pytest

from bandcrawler.extract.lineups import lineup_from_title, split_acts, with_band


@pytest.mark.parametrize(("title", "lineup"), [
    ("Legion of the Damned + Sacra + Ataxia.F", ["Legion of the Damned", "Sacra", "Ataxia.F"]),
    ("Noah & The Whale at Roundhouse", ["Noah & The Whale"]),  # "&" alone is one band
    ("Elysian Fields at The Owl Music Parlor (31 Oct 2015)", ["Elysian Fields"]),
    ("Kodiak Static @ Zeche Bochum", ["Kodiak Static"]),
    ("Low Tide Choir / Paper Gulls", ["Low Tide Choir", "Paper Gulls"]),
    ("Marrow Bloom w/ The Static Hum", ["Marrow Bloom", "The Static Hum"]),
    ("Marrow Bloom with Special Guest Dune Rats", ["Marrow Bloom", "Dune Rats"]),
    ("Harbour Lights (support: Grey Gulls)", ["Harbour Lights", "Grey Gulls"]),
    ("Orden Ogan + TBC", ["Orden Ogan"]),  # a placeholder is no act
    ("Stingers (Tributo Scorpions) + Reinas (Tributo Queen)",
     ["Stingers (Tributo Scorpions)", "Reinas (Tributo Queen)"]),
])
def test_titles_that_name_their_acts_by_a_clear_convention(title, lineup):
    assert lineup_from_title(title) == lineup


@pytest.mark.parametrize("title", ["DevOps DC Meetup", "event with alarms", "Simon & Garfunkel",
                                   "Daily Sync", "Summer Open Air 2031"])
def test_other_titles_name_no_acts(title):
    assert lineup_from_title(title) == []


def test_a_list_with_commas_splits_at_and_and_ampersands_too():
    assert split_acts("Sacra, Ataxia.F & Groove Ghosts") == ["Sacra", "Ataxia.F", "Groove Ghosts"]


def test_a_known_band_name_is_never_split():
    assert split_acts("Earth, Wind & Fire + Paper Gulls", known=["Earth, Wind & Fire"]) == [
        "Earth, Wind & Fire", "Paper Gulls"]


def test_festivals_and_tours_are_not_performers():
    assert split_acts("_VikingFest") == []
    assert split_acts("Metal Festival + Sacra") == ["Sacra"]


def test_the_crawled_band_is_always_in_the_lineup_and_put_back_together_where_split():
    assert with_band(["Paper Gulls"], "The Lantern Choir") == ["The Lantern Choir", "Paper Gulls"]
    assert with_band(["Noah", "The Whale", "Sacra"], "Noah and The Whale") == [
        "Noah and The Whale", "Sacra"]
    assert with_band(["the lantern choir"], "The Lantern Choir") == ["the lantern choir"]


def test_a_title_joining_the_band_with_another_by_and_is_split_at_the_band_name():
    assert with_band(lineup_from_title("Paper Gulls and Low Tide at Vega (1 Mar 31)"),
                     "Paper Gulls") == ["Paper Gulls", "Low Tide"]
