"""Scenario 5 (parsers): hostile and broken input never crashes or hangs a parser.

Every parser (`parse_events(body, url)`) and the validate step meet property-based input
(Hypothesis: random bytes, mutated real fixtures, JSON of any shape, events whose fields hold
nasty values) and a corpus of nasty fixtures. Each bad item is a `Rejected` with a reason, the
good items around it survive, and text is kept as given.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bandcrawler.extract import Rejected, bandsintown, ical, jsonld, musicbrainz
from bandcrawler.services.validation import InvalidItem, clean_item
from tests.faults.conftest import FULL

FIXTURES = Path(__file__).parents[1] / "fixtures"
PARSERS = {"jsonld": jsonld.parse_events, "ical": ical.parse_events,
           "bandsintown": bandsintown.parse_events, "musicbrainz": musicbrainz.parse_events}
SEEDS = {"jsonld": sorted((FIXTURES / "jsonld").glob("*.html")),
         "ical": sorted((FIXTURES / "ical").glob("*")),
         "bandsintown": sorted((FIXTURES / "bandsintown").glob("*")),
         "musicbrainz": sorted((FIXTURES / "musicbrainz").glob("*"))}
EXAMPLES = 400 if FULL else 60
URL = "https://band.example/tour?app_id=secret"
TRIED = {"inputs": 0}  # reported in RELIABILITY.md

NASTY_TEXT = ["<script>alert(1)</script>", "Robert'); DROP TABLE concerts;--", "🎸🔥 Ünïcødé",
              "a\x00b", "\u202eevil", "&lt;b&gt;", "%s%s%n", "${jndi:ldap://x}", " ", "",
              "x" * 5000, "\ud800"[:0] + "tab\tnew\nline"]
NASTY_DATES = ["0000-00-00", "TBA", "99999-01-01", "2027-02-30", "2027-13-01", "", "null",
               "2027-01-01T25:61", "2027-01-01T20:00+99:00", "-0001-01-01", "1e999",
               "2027-01-01T20:00[Mars/Olympus]"]
NASTY_NUMBERS = [1000, -1000, "1000", "NaN", "Infinity", None, "", [], {}, 1e308, "48,85"]


def run(parser: str, body: bytes | str, url: str = URL, budget: float = 10.0) -> list:
    """Parse `body`; must not raise, must finish within `budget` seconds; returns the output."""
    TRIED["inputs"] += 1
    started = time.monotonic()
    out = list(PARSERS[parser](body, url))
    assert time.monotonic() - started < budget, f"{parser} took too long"
    for item in out:
        assert isinstance(item, dict | Rejected), item
        if isinstance(item, Rejected):
            assert item.reason and " " not in item.reason
        else:
            try:
                clean_item({**item, "band_id": "b", "band": "B"})
            except InvalidItem as dropped:
                assert dropped.reason
    return out


def _mutate(data: bytes, draw) -> bytes:
    ops = draw(st.lists(st.tuples(st.sampled_from(["cut", "insert", "flip", "dup"]),
                                  st.integers(0, max(len(data), 1)), st.binary(max_size=16)),
                        max_size=6))
    for op, at, junk in ops:
        at = min(at, len(data))
        if op == "cut":
            data = data[:at]
        elif op == "insert":
            data = data[:at] + junk + data[at:]
        elif op == "flip" and data:
            data = data[:at] + junk[:1] + data[at + 1:]
        else:
            data = data[:at] + data[at // 2:at] + data[at:]
    return data


hypothesis_settings = settings(max_examples=EXAMPLES, deadline=None, database=None,
                               suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("parser", PARSERS)
@hypothesis_settings
@given(body=st.binary(max_size=2000))
def test_random_bytes_never_crash_a_parser(parser, body):
    run(parser, body)


@pytest.mark.parametrize("parser", PARSERS)
@hypothesis_settings
@given(data=st.data())
def test_mutated_real_fixtures_never_crash_a_parser(parser, data):
    seed = data.draw(st.sampled_from(SEEDS[parser]))
    run(parser, _mutate(seed.read_bytes(), data.draw))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(NASTY_TEXT + NASTY_DATES),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(
        ["id", "datetime", "venue", "latitude", "longitude", "lineup", "offers", "title",
         "name", "events", "life-span", "begin", "time", "relations", "place", "coordinates",
         "area", "url", "type", "cancelled", "startDate", "location", "@type", "@graph",
         "address", "performer", "eventStatus", "country", "city", "iso-3166-1-codes",
         "event-count", "event-offset", "target-type", "artist"]), children, max_size=6),
    max_leaves=30)


@pytest.mark.parametrize("parser", ["bandsintown", "musicbrainz"])
@hypothesis_settings
@given(answer=JSON)
def test_json_of_any_shape_never_crashes_an_api_parser(parser, answer):
    body = json.dumps(answer)
    run(parser, body)
    run(parser, json.dumps({"events": [answer]}) if parser == "musicbrainz"
        else json.dumps([answer]))


@hypothesis_settings
@given(answer=JSON)
def test_json_ld_of_any_shape_never_crashes_the_page_parser(answer):
    for data in (answer, {"@type": "MusicEvent", "x": answer}, {"@graph": [answer]}):
        run("jsonld", _page(json.dumps(data)))


def _jsonld_event(name, start, lat, lon, country, tz_date):
    return {"@type": "MusicEvent", "@id": f"/e/{name[:10]!s}", "name": name,
            "startDate": start, "endDate": tz_date,
            "location": {"@type": "Place", "name": name,
                         "geo": {"latitude": lat, "longitude": lon},
                         "address": {"addressLocality": name, "addressCountry": country}},
            "performer": [{"name": name}, "Organization"]}


GOOD = {"@type": "MusicEvent", "@id": "/good", "name": "Good show", "startDate": "2027-05-01T20:00",
        "location": {"@type": "Place", "name": "Lido",
                     "address": {"addressLocality": "Berlin", "addressCountry": "DE"}}}


@hypothesis_settings
@given(name=st.sampled_from(NASTY_TEXT) | st.text(max_size=50),
       start=st.sampled_from(NASTY_DATES) | st.text(max_size=30),
       lat=st.sampled_from(NASTY_NUMBERS), lon=st.sampled_from(NASTY_NUMBERS),
       country=st.sampled_from(["", "ZZ", "United Kingdom of Nowhere", "🇫🇷", None, 7]),
       end=st.sampled_from(NASTY_DATES))
def test_a_nasty_event_is_dropped_or_kept_and_the_good_one_beside_it_survives(
        name, start, lat, lon, country, end):
    bad = _jsonld_event(name, start, lat, lon, country, end)
    out = run("jsonld", _page(json.dumps([bad, GOOD])))
    goods = [i for i in out if isinstance(i, dict) and i.get("title") == "Good show"]
    assert len(goods) == 1 and goods[0]["local_date"] == "2027-05-01"


# -- the corpus -------------------------------------------------------------------------------

def _page(*blocks: str) -> str:
    # As a site must: "</" inside a script would end it, so JSON writes it as "<\\/".
    escaped = (b.replace("</", "<\\/") for b in blocks)
    return "".join(f'<script type="application/ld+json">{b}</script>' for b in escaped)


NASTY_TEXT_EVENT = {**GOOD, "@id": "/nasty", "name": NASTY_TEXT[0] + NASTY_TEXT[1] + NASTY_TEXT[2],
                    "location": {"@type": "Place", "name": "Bar 🍺 <i>&amp;</i> ' OR 1=1 --",
                                 "address": {"addressLocality": "Köln", "addressCountry": "DE"}}}
CORPUS = {
    "jsonld": {
        "json nested 100000 deep": _page("[" * 100_000 + "]" * 100_000, json.dumps(GOOD)),
        "object nested 5000 deep": _page('{"a":' * 5000 + "1" + "}" * 5000, json.dumps(GOOD)),
        "nested 500 deep, parseable": _page(  # the deep block is dropped, the next one kept
            '{"@graph": [{"@type": "Event"}, ' + "[" * 500 + "1" + "]" * 500 + "]}",
            json.dumps(GOOD)),
        "truncated block": _page(json.dumps(GOOD), json.dumps([GOOD, GOOD])[:-7]),
        "binary garbage": bytes(range(256)) * 64,
        "utf-16 page": _page(json.dumps(GOOD)).encode("utf-16"),
        "latin-1 bytes claiming utf-8": ('<meta charset="utf-8">' + _page(json.dumps(
            {**GOOD, "name": "Café Größe"}, ensure_ascii=False))).encode("latin-1"),
        "nul bytes": b"\x00" * 5000 + _page(json.dumps(GOOD)).encode(),
        "nasty text": _page(json.dumps(NASTY_TEXT_EVENT)),
        "dates": _page(json.dumps([{**GOOD, "@id": f"/{d}", "startDate": d}
                                   for d in NASTY_DATES] + [GOOD])),
        "latitude 1000": _page(json.dumps({**GOOD, "location": {
            **GOOD["location"], "geo": {"latitude": 1000, "longitude": 2}}})),
        "100000 events": _page(json.dumps([{**GOOD, "@id": f"/e{i}", "name": f"Show {i}"}
                                           for i in range(100_000 if FULL else 20_000)])),
    },
    "ical": {
        "truncated": b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART:2027",
        "nonexistent tz": ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:A @ B, Paris\r\n"
                           "DTSTART;TZID=Mars/Olympus_Mons:20270101T200000\r\nEND:VEVENT\r\n"
                           "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:A @ B, Paris\r\n"
                           "DTSTART:00000000T000000\r\nEND:VEVENT\r\n"
                           "BEGIN:VEVENT\r\nUID:3\r\nSUMMARY:A @ B, Paris\r\n"
                           "DTSTART:99991231T200000Z\r\nGEO:1000;2000\r\nEND:VEVENT\r\n"
                           "BEGIN:VEVENT\r\nUID:4\r\nSUMMARY:Good @ Lido, Berlin\r\n"
                           "DTSTART:20270501T200000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"),
        "binary garbage": bytes(range(256)) * 64,
        "deeply nested components": "BEGIN:VCALENDAR\r\n" + "BEGIN:X\r\n" * 5000
        + "END:X\r\n" * 5000 + "END:VCALENDAR\r\n",
        "events": "BEGIN:VCALENDAR\r\n" + "".join(
            f"BEGIN:VEVENT\r\nUID:{i}\r\nDTSTART:20270101T200000Z\r\n"
            f"SUMMARY:Band @ Hall {i}, Paris\r\nEND:VEVENT\r\n"
            for i in range(100_000 if FULL else 10_000)) + "END:VCALENDAR\r\n",
    },
    "bandsintown": {
        "deep": "[" * 100_000 + "]" * 100_000, "truncated": '[{"id": "1", "datetime": "20',
        "html": "<html>502 Bad Gateway</html>", "garbage": bytes(range(256)) * 64,
        "numbers": json.dumps([{"id": 1e999, "datetime": "99999-01-01T00:00:00",
                                "venue": {"latitude": "1000", "longitude": "NaN"}}]),
    },
    "musicbrainz": {
        "deep": '{"events":' + "[" * 100_000 + "]" * 100_000 + "}",
        "truncated": '{"events": [{"id": "x", "life-span": {"begin": "20',
        "garbage": bytes(range(256)) * 64, "utf-16": json.dumps({"events": []}).encode("utf-16"),
        "nonsense": json.dumps({"events": [None, 1, "x", [], {"life-span": "1990"},
                                           {"id": "y", "life-span": {"begin": "0000-00-00"}}],
                                "event-count": "many", "event-offset": -1}),
    },
}
CASES = [(parser, name) for parser, cases in CORPUS.items() for name in cases]


@pytest.mark.parametrize(("parser", "case"), CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_the_nasty_corpus_never_crashes_or_hangs_a_parser(parser, case):
    out = run(parser, CORPUS[parser][case], budget=120 if FULL else 30)
    if parser == "jsonld" and case not in ("binary garbage", "utf-16 page", "100000 events"):
        goods = [i for i in out if isinstance(i, dict) and i.get("title") == "Good show"]
        if "Good show" in str(CORPUS[parser][case])[:200_000]:
            assert goods, [getattr(i, "detail", i) for i in out][:5]


def test_text_is_kept_as_given_never_interpreted():
    # Markup is formatting and is removed (entities decoded); quotes, SQL, emoji and the
    # words inside a script element stay exactly as they were.
    [item] = run("jsonld", CORPUS["jsonld"]["nasty text"])
    assert item["title"] == "alert(1)Robert'); DROP TABLE concerts;--🎸🔥 Ünïcødé"
    assert item["venue_name"] == "Bar 🍺 & ' OR 1=1 --"


def test_a_feed_with_many_events_parses_in_linear_time():
    def feed(n: int) -> str:
        return "BEGIN:VCALENDAR\r\n" + "".join(
            f"BEGIN:VEVENT\r\nUID:{i}\r\nDTSTART:20270101T200000Z\r\n"
            f"SUMMARY:Band @ Hall {i}, Paris\r\nEND:VEVENT\r\n" for i in range(n)) \
            + "END:VCALENDAR\r\n"

    timings = []
    for n in (1000, 4000):
        started = time.monotonic()
        assert len(run("ical", feed(n))) == n
        timings.append(time.monotonic() - started)
    assert timings[1] < timings[0] * 4 * 2  # linear with slack; quadratic would be 16x
