"""VenueLocator with a real SQLite cache and geopy's Nominatim against a local server."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import pytest
from geopy.geocoders import Nominatim

from bandcrawler.geo.cache import GeocodeCache
from bandcrawler.geo.factory import make_geocoder
from bandcrawler.geo.locator import GeocodingError, GeoResult, VenueLocator, make_locator
from bandcrawler.geo.offline import OfflineGeocoder
from bandcrawler.store.engine import make_engine
from tests.support.servers import handler_server

USER_AGENT = "bandcrawler-tests/0.1 (+https://example.org/bandcrawler)"
SLOW_SECONDS = 1.0
PARIS_HOUSE = {
    "lat": "48.8686", "lon": "2.3316", "display_name": "5, Rue de la Paix, Paris, France",
    "class": "place", "type": "house", "address": {"country_code": "fr"},
}
PARIS_CITY = {
    "lat": "48.8535", "lon": "2.3484", "display_name": "Paris, Île-de-France, France",
    "class": "boundary", "type": "administrative", "addresstype": "city",
    "address": {"country_code": "fr"},
}


@dataclass
class FakeNominatim:
    """Answers /search like Nominatim; the query text picks a failure to act out."""

    requests: list[tuple[float, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def queries(self) -> list[str]:
        return [q for _, q, _ in self.requests]

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urllib.parse.urlsplit(request.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        q = params.get("q", "")
        with self.lock:
            self.requests.append((time.monotonic(), q, dict(request.headers)))
        status, body = self._answer(url.path, params, q)
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            if status == 429:
                request.send_header("Retry-After", "30")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test)

    def _answer(self, path: str, params: dict[str, str], q: str) -> tuple[int, bytes]:
        if path != "/search" or params.get("format") != "json":
            return 404, b'{"error": "not found"}'
        if q == "slow":
            time.sleep(SLOW_SECONDS)
        answers = {
            "too many": (429, b'{"error": "Too Many Requests"}'),
            "broken": (500, b"Internal Server Error"),
            "down": (503, b"Service Unavailable"),
            "garbage": (200, b"<html>this is not json"),
        }
        if q in answers:
            return answers[q]
        if "nowhere" in q:
            return 200, b"[]"
        place = PARIS_HOUSE if "rue de la paix" in q.lower() else PARIS_CITY
        return 200, json.dumps([place]).encode()


@pytest.fixture
def nominatim() -> Iterator[tuple[FakeNominatim, str]]:
    fake = FakeNominatim()
    with handler_server(fake.handle) as base_url:
        yield fake, base_url.removeprefix("http://")


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def nominatim_locator(domain: str, engine, *, timeout: float = 2.0,
                      min_delay_seconds: float = 0.0) -> VenueLocator:
    return make_locator(
        geocoder="nominatim",
        options={"domain": domain, "scheme": "http", "timeout": timeout},
        user_agent=USER_AGENT,
        min_delay_seconds=min_delay_seconds,
        engine=engine,
    )


def test_nominatim_answer_becomes_a_city_result_with_our_user_agent(nominatim, engine):
    fake, domain = nominatim
    locator = nominatim_locator(domain, engine)

    result = locator.locate(city="Paris", country="FR")

    assert result == GeoResult(48.8535, 2.3484, "city", "Europe/Paris", "FR")
    assert fake.queries() == ["Paris, France"]
    assert fake.requests[0][2]["User-Agent"] == USER_AGENT


def test_an_address_query_comes_first_and_a_building_answer_is_venue_precise(nominatim, engine):
    fake, domain = nominatim
    locator = nominatim_locator(domain, engine)

    result = locator.locate(address="5 Rue de la Paix", city="Paris", country="FR",
                            venue_name="Some Club")

    assert result == GeoResult(48.8686, 2.3316, "venue", "Europe/Paris", "FR")
    assert fake.queries() == ["5 Rue de la Paix, Paris, France"]


def test_the_city_is_asked_when_the_address_is_not_found(nominatim, engine):
    fake, domain = nominatim
    locator = nominatim_locator(domain, engine)

    result = locator.locate(address="nowhere", city="Paris", country="FR")

    assert result.precision == "city"
    assert fake.queries() == ["nowhere, Paris, France", "Paris, France"]


def test_the_cache_outlives_the_locator_so_a_second_one_does_not_ask_again(
        nominatim, database_url):
    fake, domain = nominatim
    first_engine = make_engine(database_url)
    first = nominatim_locator(domain, first_engine).locate_place("Paris, France")
    first_engine.dispose()

    second_engine = make_engine(database_url)
    second = nominatim_locator(domain, second_engine).locate_place("  paris,France ")
    second_engine.dispose()

    assert second == first
    assert len(fake.requests) == 1


def test_a_miss_is_cached_too(nominatim, engine):
    fake, domain = nominatim

    for _ in range(2):
        with pytest.raises(GeocodingError) as caught:
            nominatim_locator(domain, engine).locate_place("nowhere")
        assert caught.value.reason == "not_found"
        assert str(caught.value) == "not_found: no match for 'nowhere'"

    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("too many", "rate_limited"),
        ("broken", "unavailable"),
        ("down", "unavailable"),
        ("garbage", "bad_answer"),
    ],
)
def test_service_failures_become_geocoding_errors_and_are_not_cached(
        nominatim, engine, query, reason):
    fake, domain = nominatim
    locator = nominatim_locator(domain, engine)

    for _ in range(2):
        with pytest.raises(GeocodingError) as caught:
            locator.locate_place(query)
        assert caught.value.reason == reason
        assert query in str(caught.value)

    assert len(fake.requests) == 2


def test_a_rate_limited_answer_says_when_to_come_back(nominatim, engine):
    _, domain = nominatim

    with pytest.raises(GeocodingError) as caught:
        nominatim_locator(domain, engine).locate_place("too many")

    assert caught.value.reason == "rate_limited"
    assert caught.value.retry_after == 30


def test_an_address_that_names_its_city_is_not_given_the_city_twice(nominatim, engine):
    fake, domain = nominatim

    nominatim_locator(domain, engine).locate(address="5 Rue de la Paix, 75002 Paris",
                                             city="Paris", country="FR")

    assert fake.queries() == ["5 Rue de la Paix, 75002 Paris, France"]


def test_a_slow_service_times_out(nominatim, engine):
    fake, domain = nominatim
    locator = nominatim_locator(domain, engine, timeout=SLOW_SECONDS / 4)

    started = time.monotonic()
    with pytest.raises(GeocodingError) as caught:
        locator.locate_place("slow")

    assert caught.value.reason == "timeout"
    assert caught.value.transient
    assert len(fake.requests) == 1  # no hidden retries
    assert time.monotonic() - started < SLOW_SECONDS


def test_an_unreachable_service_is_unavailable(engine):
    locator = nominatim_locator("127.0.0.1:9", engine, timeout=2)  # the discard port

    with pytest.raises(GeocodingError) as caught:
        locator.locate_place("Paris")

    assert caught.value.reason in ("unavailable", "timeout")


def test_the_rate_limiter_spaces_calls_to_the_service(nominatim, engine):
    fake, domain = nominatim
    locator = nominatim_locator(domain, engine, min_delay_seconds=0.2)

    started = time.monotonic()
    for city in ("Paris", "Lyon", "Nice", "Lille"):
        locator.locate(city=city, country="FR")
    elapsed = time.monotonic() - started

    assert len(fake.requests) == 4
    # Each call starts 0.2 s after the one before, as sent (this local server answers in
    # a millisecond). Where they arrive, a late request can come close to the next one.
    assert elapsed >= 3 * 0.2


def test_a_real_geopy_nominatim_can_be_given_directly(nominatim, engine):
    _, domain = nominatim
    geocoder = Nominatim(user_agent=USER_AGENT, domain=domain, scheme="http", timeout=2)
    locator = VenueLocator(geocoder, provider="nominatim-direct",
                           cache=GeocodeCache(engine, "nominatim-direct"),
                           min_delay_seconds=0, offline=OfflineGeocoder())

    assert locator.locate_place("Paris").country == "FR"
    assert locator.timezone_at(48.85, 2.35) == "Europe/Paris"


def test_the_offline_locator_answers_city_level_without_a_cache():
    locator = make_locator(geocoder="offline", options={}, user_agent=USER_AGENT,
                           min_delay_seconds=1.0, engine=None)

    result = locator.locate(city="Springfield", region="IL", country="US",
                            address="1 Main St", venue_name="The Hall")

    assert result.precision == "city"
    assert (result.timezone, result.country) == ("America/Chicago", "US")
    assert locator.locate_place("Berlin, Germany").timezone == "Europe/Berlin"
    with pytest.raises(GeocodingError, match=r"^not_found: no match for 'Atlantis, ZZ'$"):
        locator.locate_place("Atlantis, ZZ")
    with pytest.raises(GeocodingError) as caught:
        locator.locate(address="1 Main St")  # offline is city-level only
    assert caught.value.reason == "not_found"


def test_two_writers_of_the_same_answer_do_not_fail(engine):
    first, second = GeocodeCache(engine, "svc"), GeocodeCache(engine, "svc")
    paris = GeoResult(48.85, 2.35, "city", "Europe/Paris", "FR")

    first.put("Paris", paris)
    second.put("PARIS", None)  # loses the race: the first answer stays

    assert second.get("paris").result == paris
    assert first.get("Lyon") is None


def test_an_unknown_geocoder_name_is_a_clear_error():
    expected = "^unknown geocoder 'nosuchservice': it is neither 'offline' nor a geopy service"
    with pytest.raises(ValueError, match=expected):
        make_geocoder("nosuchservice", {}, USER_AGENT)


def test_the_factory_builds_geopy_services_and_the_offline_geocoder():
    nominatim = make_geocoder("nominatim", {"domain": "127.0.0.1:8080", "scheme": "http",
                                            "timeout": 10}, USER_AGENT)
    offline = make_geocoder("offline", {"min_city_population": 15000}, USER_AGENT)

    assert isinstance(nominatim, Nominatim)
    assert nominatim.headers["User-Agent"] == USER_AGENT
    assert (nominatim.domain, nominatim.scheme, nominatim.timeout) == (
        "127.0.0.1:8080", "http", 10)
    assert isinstance(offline, OfflineGeocoder)
