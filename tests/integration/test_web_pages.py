"""The HTML pages over a real index: a list that works without JavaScript, marks, concert pages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from tests.support.web import concert, indexed, web_client

DAY = (date.today() + timedelta(days=20)).isoformat()
DOCS = [
    concert("paris", "Radiohead", DAY, "Paris", "FR", 48.8566, 2.3522,
            ticket_url="https://tickets.example/rh",
            venue={"name": "Paris Arena", "address": "1 rue de la Paix", "city": "Paris",
                   "country": "FR"}),
    concert("lyon", "Radiohead", DAY, "Lyon", "FR", 45.7640, 4.8357, status="cancelled",
            local_time=None),
    concert("lille", "Low", DAY, "Lille", "FR", 50.6292, 3.0573, status="postponed",
            listed=False),
    concert("evil", "Evil", DAY, "Nantes", "FR", 47.2184, -1.5536,
            url="javascript:alert(1)", ticket_url="data:text/html,<b>x</b>"),
]


@pytest.fixture(scope="module")
def web(es_url, tmp_path_factory):
    database = f"sqlite:///{tmp_path_factory.mktemp('web') / 'bandcrawler.db'}"
    with indexed(es_url, DOCS) as alias, web_client(database, es_url, alias) as client:
        yield client


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.hrefs.append(attrs.get("href") or "")
        if tag == "script":
            self.scripts.append(attrs.get("src") or "INLINE")


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def test_the_page_lists_concerts_in_html_without_javascript(web):
    page = web.get("/", params={"near": "Paris", "radius": "1000km", "sort": "date"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    items = re.findall(r'<li class="concert[^"]*" data-id="([^"]+)"', page.text)
    assert sorted(items) == ["evil", "lille", "lyon", "paris"]
    assert "<bdi>Paris Arena, Paris, FR</bdi> · 0 km" in page.text
    links = _parse(page.text).hrefs
    assert {"/concerts/paris", "/concerts/lyon"} <= set(links)


def test_the_search_form_keeps_its_state_in_the_url(web):
    page = web.get("/", params={"near": "Paris", "band": "radio", "status": "cancelled"}).text
    assert '<form class="search" method="get" action="/"' in page
    assert 'name="near" value="Paris"' in page and 'name="band" value="radio"' in page
    assert '<option value="cancelled" selected>' in page


def test_cancelled_postponed_and_unlisted_concerts_are_marked(web):
    page = web.get("/").text
    lyon = re.search(r'<li class="concert ([^"]*)" data-id="lyon">(.*?)</li>', page, re.S)
    lille = re.search(r'<li class="concert ([^"]*)" data-id="lille">(.*?)</li>', page, re.S)
    assert lyon and "mark-cancelled" in lyon.group(1)
    assert '<strong class="mark">Cancelled</strong>' in lyon.group(2)
    assert lille and '<strong class="mark">Postponed</strong>' in lille.group(2)
    assert '<strong class="mark">Unlisted</strong>' in lille.group(2)
    paris = re.search(r'<li class="concert" data-id="paris">(.*?)</li>', page, re.S)
    assert paris and "mark" not in paris.group(1)


def test_the_page_has_no_inline_script_and_its_map_from_bandcrawler(web):
    scripts = _parse(web.get("/").text).scripts
    assert scripts == ["/static/leaflet/leaflet.js",
                       "/static/markercluster/leaflet.markercluster.js", "/static/map.js"]


def test_the_map_asks_the_geojson_api_for_the_same_search(web):
    page = web.get("/", params={"band": "Low", "limit": "1"}).text
    assert 'data-geojson="/api/concerts.geojson?band=Low&amp;limit=1000"' in page


def test_the_next_page_link_carries_search_after(web):
    page = web.get("/", params={"limit": "2"}).text
    found = re.search(r'<a href="([^"]+)" rel="next"', page)
    assert found
    second = web.get(found.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    first_ids = re.findall(r'data-id="([^"]+)"', page)
    second_ids = re.findall(r'data-id="([^"]+)"', second.text)
    assert len(first_ids) == 2 and second_ids and not set(first_ids) & set(second_ids)


def test_the_first_response_is_small(web):
    assert len(web.get("/").content) < 100_000


def test_a_concert_page_shows_everything_known(web):
    page = web.get("/concerts/paris")
    assert page.status_code == 200
    for text in ("Radiohead", "Radiohead live in Paris", DAY + " 20:00", "Paris Arena",
                 "1 rue de la Paix", "48.8566, 2.3522 (venue precision)", "jsonld"):
        assert text in page.text
    hrefs = _parse(page.text).hrefs
    assert "https://tickets.example/rh" in hrefs and "https://radiohead.example/tour" in hrefs


def test_non_web_links_from_a_source_are_never_links(web):
    page = web.get("/concerts/evil").text
    hrefs = _parse(page).hrefs
    assert not [h for h in hrefs if not h.startswith(("/", "https://", "http://"))]
    assert "javascript:alert(1) (not a web link)" in page
    assert "&lt;b&gt;" in page and "<b>x</b>" not in page


def test_unknown_pages_and_bad_searches_get_an_html_reason(web):
    missing = web.get("/concerts/no-such-concert")
    assert missing.status_code == 404
    assert '<p id="reason">not found</p>' in missing.text
    bad = web.get("/", params={"radius": "<b>far</b>"})
    assert bad.status_code == 400
    assert "bad radius &#39;&lt;b&gt;far&lt;/b&gt;&#39;" in bad.text
    assert "<b>far" not in bad.text
