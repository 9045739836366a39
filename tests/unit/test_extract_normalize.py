"""Specifications of the value normalizers shared by every source parser."""

from __future__ import annotations

import pytest

from bandcrawler.extract import Rejected
from bandcrawler.extract.normalize import clean_text, country_code, event_status, parse_start


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("fr", "FR"),
        ("FR", "FR"),
        ("USA", "US"),
        ("CZE", "CZ"),
        ("United States", "US"),
        ("united states of america", "US"),
        ("U.S.A.", "US"),
        ("UK", "GB"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("United Kingdom", "GB"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("The Netherlands", "NL"),
        ("Holland", "NL"),
        ("España", "ES"),
        ("Österreich", "AT"),
        ("South Korea", "KR"),
        ("Russia", "RU"),
        ("Turkey", "TR"),
        ("  france  ", "FR"),
    ],
)
def test_country_code_understands_codes_names_and_aliases(value, code):
    assert country_code(value) == code


@pytest.mark.parametrize("value", [None, "", "   ", "Atlantis", "CA 90069", "XX", 42, {"a": 1}])
def test_country_code_is_none_for_what_is_not_a_country(value):
    assert country_code(value) is None


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("https://schema.org/EventCancelled", "cancelled"),
        ("http://schema.org/EventPostponed", "postponed"),
        ("EventRescheduled", "rescheduled"),
        ("EventMovedOnline", "moved_online"),
        ("https://schema.org/EventScheduled", "scheduled"),
        ("schema:EventCancelled", "cancelled"),
        ("eventcancelled", "cancelled"),
        ("cancelled", "cancelled"),
        ("Canceled", "cancelled"),
        ("moved online", "moved_online"),
        ({"@id": "https://schema.org/EventPostponed"}, "postponed"),
        (["https://schema.org/EventCancelled"], "cancelled"),
    ],
)
def test_event_status_maps_every_form_of_schema_org_event_status(value, status):
    assert event_status(value) == status


@pytest.mark.parametrize("value", [None, "", "EventSoldOut", 3, []])
def test_unknown_or_missing_event_status_means_scheduled(value):
    assert event_status(value) == "scheduled"


def test_clean_text_unescapes_entities_even_when_double_escaped():
    assert clean_text("Rock &amp;amp; Roll &#8211; Live") == "Rock & Roll – Live"


def test_clean_text_strips_tags_including_escaped_ones():
    assert clean_text("&lt;p&gt;Doors&nbsp;7pm&lt;/p&gt;<br/>All ages") == "Doors 7pm All ages"


def test_clean_text_keeps_a_less_than_sign_that_is_not_a_tag():
    assert clean_text("I &lt;3 NY") == "I <3 NY"


def test_clean_text_collapses_whitespace_and_invisible_characters():
    assert clean_text("  The\n\tHum\u200b  ") == "The Hum"


@pytest.mark.parametrize("value", [None, "", "  \n ", "<p></p>", "&nbsp;", True, ["a"]])
def test_clean_text_is_none_for_empty_values(value):
    assert clean_text(value) is None


def test_clean_text_turns_numbers_into_text():
    assert clean_text(75011) == "75011"


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("2026-05-01", ("2026-05-01", None, None)),
        ("2026-05-01T20:00", ("2026-05-01", "20:00", None)),
        ("2026-05-01T20:00:00", ("2026-05-01", "20:00", None)),
        ("2026-05-01T20:00:00+02:00", ("2026-05-01", "20:00", "+02:00")),
        ("2026-05-01T20:00:00-0400", ("2026-05-01", "20:00", "-04:00")),
        ("2026-05-01T20:00:00Z", ("2026-05-01", "20:00", "+00:00")),
        ("2026-05-01 20:00", ("2026-05-01", "20:00", None)),
        ("2026-05-01T20:00:00.000Z", ("2026-05-01", "20:00", "+00:00")),
        ("2026-05-01T19:30:00.123456+05:30", ("2026-05-01", "19:30", "+05:30")),
        ("2026-5-1T9:05", ("2026-05-01", "09:05", None)),
        (" 2026-05-01T20:00:00 ", ("2026-05-01", "20:00", None)),
    ],
)
def test_parse_start_keeps_local_date_and_time_as_written_and_the_offset_apart(value, parsed):
    assert parse_start(value) == parsed


@pytest.mark.parametrize(
    "value",
    ["TBA", "", "   ", None, "May 1, 2026", "2026-02-30", "2026-05-01T25:00",
     "2026-05-01T20:00+19:00"],
)
def test_parse_start_raises_on_what_is_not_a_date(value):
    with pytest.raises(ValueError):
        parse_start(value)


def test_rejected_is_a_value_with_a_reason_and_a_detail():
    assert Rejected("broken_jsonld", "x") == Rejected("broken_jsonld", "x")
    with pytest.raises(AttributeError):
        Rejected("a", "b").reason = "c"  # type: ignore[misc]
