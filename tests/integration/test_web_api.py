"""The JSON API over a real index: filters as the CLI's, search_after paging, GeoJSON, errors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.support.web import concert, indexed, web_client

SOON = date.today() + timedelta(days=10)


def _day(n: int) -> str:
    return (SOON + timedelta(days=n)).isoformat()


DOCS = [
    concert("paris-1", "Radiohead", _day(0), "Paris", "FR", 48.8566, 2.3522),
    concert("paris-2", "Radiohead", _day(1), "Paris", "FR", 48.8600, 2.3400,
            updated_at="2026-11-20T08:30:00+00:00"),
    concert("lyon", "Radiohead", _day(2), "Lyon", "FR", 45.7640, 4.8357, status="cancelled"),
    concert("lille", "Low", _day(3), "Lille", "FR", 50.6292, 3.0573, listed=False),
    concert("berlin", "Arctic Monkeys", _day(4), "Berlin", "DE", 52.5200, 13.4050),
    concert("past", "Low", (date.today() - timedelta(days=3)).isoformat(), "Paris", "FR",
            48.85, 2.35),
] + [concert(f"many-{n:02}", "Many", _day(10 + n), "Madrid", "ES", 40.4168, -3.7038)
     for n in range(25)]


@pytest.fixture(scope="module")
def web(es_url, tmp_path_factory):
    database = f"sqlite:///{tmp_path_factory.mktemp('web') / 'bandcrawler.db'}"
    with indexed(es_url, DOCS) as alias, web_client(database, es_url, alias) as client:
        yield client


def _ids(answer) -> list[str]:
    return [c["concert_id"] for c in answer.json()["concerts"]]


def test_concerts_answer_upcoming_ones_by_date_like_the_cli(web):
    answer = web.get("/api/concerts", params={"limit": "5"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert _ids(answer) == ["paris-1", "paris-2", "lyon", "lille", "berlin"]


def test_near_a_place_is_geocoded_and_sorted_by_distance(web):
    answer = web.get("/api/concerts", params={"near": "Paris", "radius": "300km"})
    assert _ids(answer) == ["paris-1", "paris-2", "lille"]
    assert answer.json()["concerts"][2]["distance_km"] == pytest.approx(204, abs=6)


def test_near_sorted_by_date_keeps_the_distance(web):
    answer = web.get("/api/concerts", params={"lat": "50.63", "lon": "3.06",
                                              "radius": "300km", "sort": "date"})
    assert _ids(answer) == ["paris-1", "paris-2", "lille"]
    assert answer.json()["concerts"][2]["distance_km"] == pytest.approx(0, abs=1)


@pytest.mark.parametrize(("params", "expected"), [
    ({"country": "de"}, ["berlin"]),
    ({"status": "cancelled"}, ["lyon"]),
    ({"band": "low"}, ["lille"]),
    ({"text": "berlin"}, ["berlin"]),
    ({"from": _day(1), "to": _day(2)}, ["paris-2", "lyon"]),
    ({"bbox": "2,48,4,51"}, ["paris-1", "paris-2", "lille"]),
])
def test_every_cli_filter_works_over_http(web, params, expected):
    assert _ids(web.get("/api/concerts", params=params)) == expected


def test_search_after_pages_through_every_result_once(web):
    seen, url = [], "/api/concerts?band=Many&limit=10"
    while url:
        answer = web.get(url).json()
        seen += [c["concert_id"] for c in answer["concerts"]]
        url = answer["next"] and answer["next"]["url"]
    assert seen == [f"many-{n:02}" for n in range(25)]


def test_a_concert_by_id_and_an_unknown_one(web):
    answer = web.get("/api/concerts/lyon")
    assert answer.status_code == 200
    assert answer.json()["status"] == "cancelled"
    missing = web.get("/api/concerts/nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not found"}


def test_geojson_of_the_maps_view(web):
    answer = web.get("/api/concerts.geojson", params={"bbox": "-5,40,5,51"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/geo+json"
    collection = answer.json()
    assert collection["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in collection["features"]}
    assert set(by_id) == {"paris-1", "paris-2", "lyon", "lille"} | {
        f"many-{n:02}" for n in range(25)}
    assert by_id["lyon"]["geometry"] == {"type": "Point", "coordinates": [4.8357, 45.764]}
    assert by_id["lyon"]["properties"]["marks"] == ["Cancelled"]
    assert by_id["lille"]["properties"]["marks"] == ["Unlisted"]


@pytest.mark.parametrize("path", ["/api/concerts", "/api/concerts.geojson",
                                  "/api/concerts/paris-2", "/", "/concerts/paris-2"])
def test_an_unchanged_answer_is_a_304(web, path):
    first = web.get(path)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = web.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert web.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert web.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_last_modified_is_the_newest_concert_shown(web):
    assert web.get("/api/concerts/paris-2").headers["last-modified"] == \
        "Fri, 20 Nov 2026 08:30:00 GMT"


@pytest.mark.parametrize(("params", "reason"), [
    ({"colour": "red"}, "unknown parameter 'colour'"),
    ({"lat": "91", "lon": "0"}, "latitude 91.0 is not within -90..90"),
    ({"lat": "1"}, "give both lat and lon, or neither"),
    ({"lat": "nan", "lon": "1"}, "bad lat: not a number"),
    ({"radius": "far"}, "bad radius"),
    ({"from": "tomorrow"}, "bad from 'tomorrow'"),
    ({"status": "maybe"}, "status must be one of"),
    ({"country": "France"}, "country must be an ISO 3166-1 alpha-2 code"),
    ({"limit": "0"}, "limit must be within 1..1000"),
    ({"sort": "distance"}, "sorting by distance needs a place"),
    ({"bbox": "1,2,3"}, "bad bbox"),
    ({"bbox": "0,50,10,40"}, "south before north"),
    ({"search_after": "[1,2]"}, "search_after needs 3 values"),
    ({"search_after": "{\"a\": 1}"}, "bad search_after"),
    ({"near": "Nowhereville Xyzzy"}, "cannot place 'Nowhereville Xyzzy'"),
    ({"text": "x" * 300}, "longer than 200 characters"),
])
def test_bad_parameters_get_a_400_with_one_line(web, params, reason):
    answer = web.get("/api/concerts", params=params)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert reason in error
    assert "\n" not in error and "Traceback" not in answer.text


def test_a_repeated_parameter_is_refused(web):
    answer = web.get("/api/concerts?band=a&band=b")
    assert answer.status_code == 400
    assert answer.json() == {"error": "parameter 'band' given 2 times"}


def test_a_concert_page_takes_no_parameters(web):
    assert web.get("/api/concerts/lyon?x=1").status_code == 400


def test_every_answer_carries_a_strict_csp(web):
    for path in ("/", "/api/concerts", "/api/concerts?oops=1", "/nowhere",
                 "/static/leaflet/leaflet.js", "/static/map.js"):
        headers = web.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert headers["x-content-type-options"] == "nosniff"


def test_the_map_library_is_served_by_bandcrawler_itself(web):
    for path in ("/static/leaflet/leaflet.js", "/static/leaflet/leaflet.css",
                 "/static/markercluster/leaflet.markercluster.js",
                 "/static/markercluster/MarkerCluster.css", "/static/map.js",
                 "/static/site.css"):
        answer = web.get(path)
        assert answer.status_code == 200, path
        assert len(answer.content) > 500
    assert "Leaflet" in web.get("/static/leaflet/leaflet.js").text[:500]


def test_an_unreachable_index_is_a_503_naming_no_address(tmp_path):
    from tests.support.servers import free_port

    url = f"http://elastic:s3cret-pass@127.0.0.1:{free_port()}"
    with web_client(f"sqlite:///{tmp_path / 'db.sqlite'}", url, "concerts") as client:
        for path in ("/api/concerts", "/", "/api/concerts/x", "/concerts/x"):
            answer = client.get(path)
            assert answer.status_code == 503
            assert "127.0.0.1" not in answer.text and "s3cret" not in answer.text
            assert "elastic:" not in answer.text
