"""Specifications of the identity rules: deterministic ids, forgiving natural keys."""

from __future__ import annotations

import pytest

from bandcrawler.domain.identity import band_id_for, concert_id_for, natural_key, normalize_key


def test_a_concert_id_is_deterministic_from_the_natural_key():
    key = natural_key("the-velvet-lanterns", "2025-03-14", "Paris")

    assert concert_id_for(key) == concert_id_for(key)
    assert concert_id_for(key) == concert_id_for(
        natural_key("the-velvet-lanterns", "2025-03-14", "Paris"))
    assert concert_id_for(key) != concert_id_for(
        natural_key("the-velvet-lanterns", "2025-03-15", "Paris"))
    assert concert_id_for(key) != concert_id_for(
        natural_key("the-velvet-lanterns", "2025-03-14", "Lyon"))


@pytest.mark.parametrize("spelling", ["zurich", "ZÜRICH", "  Zürich ", "Zu\u0308rich"])
def test_accents_and_case_do_not_change_the_natural_key(spelling):
    assert natural_key("b", "2025-03-14", spelling) == natural_key("b", "2025-03-14", "Zürich")


def test_a_missing_place_has_a_placeholder_in_the_natural_key():
    assert natural_key("b", "2025-03-14", None) == "nat:b:2025-03-14:-"


def test_normalize_key_drops_punctuation():
    assert normalize_key("Saint-Étienne!") == "saint etienne"


def test_band_id_is_a_slug_of_the_name():
    assert band_id_for("  The Velvet Lanterns ") == "the-velvet-lanterns"
    assert band_id_for("Marée Basse") == "maree-basse"


@pytest.mark.parametrize("name", ["!!!", "", "   "])
def test_a_band_name_without_letters_or_digits_is_rejected(name):
    with pytest.raises(ValueError):
        band_id_for(name)
