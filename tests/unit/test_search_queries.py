"""parse_radius and the query that SearchFilters builds."""

from __future__ import annotations

from datetime import date

import pytest

from bandcrawler.search.queries import SearchFilters, build_query, parse_radius


@pytest.mark.parametrize(
    ("text", "km"),
    [("50km", 50), ("50 km", 50), ("50", 50), (" 50 KM ", 50), ("2.5km", 2.5),
     ("10mi", 16.09344), ("10 miles", 16.09344), ("500m", 0.5)],
)
def test_parse_radius_understands_units(text, km):
    assert parse_radius(text) == pytest.approx(km)


@pytest.mark.parametrize("text", ["", "km", "fifty", "50 parsecs", "-5km", "0", "1e3", "50km 3"])
def test_parse_radius_rejects_garbage_in_one_line(text):
    with pytest.raises(ValueError) as caught:
        parse_radius(text)
    assert "\n" not in str(caught.value)


def test_no_filters_is_an_empty_bool_sorted_by_date_and_time():
    query = build_query(SearchFilters())
    assert query["query"] == {"bool": {"filter": []}}
    assert [next(iter(s)) for s in query["sort"]] == ["local_date", "local_time", "concert_id"]
    assert query["size"] == 20


@pytest.mark.parametrize("given", ["France", "france", "FR", "fra", " FRANCE "])
def test_a_country_may_be_given_by_name_or_code(given):
    query = build_query(SearchFilters(country=given))
    assert query["query"]["bool"]["filter"] == [{"term": {"venue.country": "FR"}}]


def test_a_country_nobody_knows_is_refused_by_name():
    with pytest.raises(ValueError, match="Narnia"):
        SearchFilters(country="Narnia")


def test_listed_unlisted_or_both_concerts_may_be_asked_for():
    def listed_clause(**kwargs):
        return build_query(SearchFilters(**kwargs))["query"]["bool"]["filter"]

    # A document written before `listed` existed counts as listed.
    assert listed_clause(listed=True) == [{"bool": {"must_not": {"term": {"listed": False}}}}]
    assert listed_clause(listed=False) == [{"term": {"listed": False}}]
    assert listed_clause(listed=None) == listed_clause() == []


def test_near_adds_a_geo_filter_and_sorts_by_distance_first():
    query = build_query(SearchFilters(lat=48.85, lon=2.35, radius_km=30))
    geo = query["query"]["bool"]["filter"][0]["geo_distance"]
    assert geo == {"distance": "30km", "location": {"lat": 48.85, "lon": 2.35}}
    assert query["sort"][0]["_geo_distance"]["unit"] == "km"


def test_dates_become_an_inclusive_range():
    query = build_query(SearchFilters(date_from=date(2025, 1, 1)))
    assert query["query"]["bool"]["filter"] == [
        {"range": {"local_date": {"gte": "2025-01-01", "format": "yyyy-MM-dd"}}}]


def test_country_is_uppercased():
    query = build_query(SearchFilters(country="fr"))
    assert query["query"]["bool"]["filter"] == [{"term": {"venue.country": "FR"}}]


@pytest.mark.parametrize(
    "kwargs",
    [{"lat": 1.0}, {"lat": 91.0, "lon": 0.0}, {"lat": 0.0, "lon": 181.0}, {"radius_km": 0},
     {"date_from": date(2025, 2, 1), "date_to": date(2025, 1, 1)}, {"limit": 0}],
)
def test_impossible_filters_are_refused(kwargs):
    with pytest.raises(ValueError):
        SearchFilters(**kwargs)


def test_bbox_is_a_geo_bounding_box_filter():
    query = build_query(SearchFilters(bbox=(2.0, 48.0, 3.0, 49.5)))
    assert query["query"]["bool"]["filter"] == [{"geo_bounding_box": {"location": {
        "top_left": {"lat": 49.5, "lon": 2.0}, "bottom_right": {"lat": 48.0, "lon": 3.0}}}}]


@pytest.mark.parametrize("bbox", [(2, 50, 3, 49), (-181, 0, 0, 1), (0, -91, 1, 0)])
def test_a_bbox_must_be_a_real_box(bbox):
    with pytest.raises(ValueError):
        SearchFilters(bbox=bbox)


def test_near_sorted_by_date_still_reports_the_distance():
    query = build_query(SearchFilters(lat=48.85, lon=2.35, sort="date"))
    assert [next(iter(s)) for s in query["sort"]] == [
        "local_date", "local_time", "_geo_distance", "concert_id"]


def test_sorting_by_distance_needs_a_place():
    with pytest.raises(ValueError, match="needs a place"):
        SearchFilters(sort="distance")


def test_search_after_continues_after_the_last_hits_sort_values():
    query = build_query(SearchFilters(search_after=(1796774400000, "21:00", "abc")))
    assert query["search_after"] == [1796774400000, "21:00", "abc"]
    with pytest.raises(ValueError, match="needs 4 values"):
        SearchFilters(lat=1, lon=1, search_after=(1, 2, 3))
