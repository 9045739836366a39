"""The web's query strings: empty fields are absent, unknown or repeated ones are refused."""

from __future__ import annotations

from datetime import date

import pytest
from starlette.datastructures import QueryParams

from bandcrawler.web.params import BadRequest, parse_search
from bandcrawler.web.present import safe_url


def _never(place: str) -> tuple[float, float]:
    raise AssertionError(f"nothing should be located, asked for {place!r}")


def test_a_submitted_empty_form_is_the_default_search():
    asked = parse_search(QueryParams("near=&radius=&from=&to=&band=&country=&status=&text="
                                     "&sort="), _never)
    assert asked.filters.date_from == date.today()
    assert asked.filters.radius_km == 100.0 and not asked.filters.near
    assert asked.filters.limit == 20


def test_near_is_located_with_the_given_geocoder():
    asked = parse_search(QueryParams("near=Paris&radius=10mi"), lambda p: (48.85, 2.35))
    assert (asked.filters.lat, asked.filters.lon, asked.near) == (48.85, 2.35, "Paris")
    assert asked.filters.radius_km == pytest.approx(16.09344)


@pytest.mark.parametrize("query", ["zoom=3", "near=a&near=b", "near=Paris&lat=1&lon=2",
                                   "limit=1001", "limit=ten", "to=2020-01-01",
                                   "search_after=[[1]]"])
def test_bad_queries_are_refused_in_one_line(query):
    with pytest.raises(BadRequest) as refused:
        parse_search(QueryParams(query), lambda p: (0.0, 0.0))
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(("url", "safe"), [
    ("https://band.example/tour", True), ("http://band.example", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), (" javascript:x", False),
    ("data:text/html,x", False), ("/relative", False), ("//evil.example", False),
    ('https://x.example/"onmouseover=alert(1)', False), ("vbscript:x", False), (None, False),
])
def test_only_absolute_http_links_are_rendered(url, safe):
    assert (safe_url(url) is not None) is safe
