"""Specifications of MusicBrainz artist answers: search candidates, and what each linked URL
of an artist is to bandcrawler."""

from __future__ import annotations

import json

import pytest

from bandcrawler.extract.musicbrainz_artists import (
    MalformedAnswer,
    linked_source,
    matching,
    parse_artist_search,
    parse_url_rels,
)

SEARCH = {
    "created": "2026-01-01T00:00:00.000Z", "count": 3, "offset": 0,
    "artists": [
        {"id": "11111111-1111-4111-8111-111111111111", "type": "Group", "score": 100,
         "name": "Nirvana", "country": "US", "disambiguation": "90s US grunge band",
         "life-span": {"begin": "1987", "end": "1994", "ended": True}},
        {"id": "22222222-2222-4222-8222-222222222222", "type": "Group", "score": 100,
         "name": "Nirvana", "country": "GB", "disambiguation": "60s band from the UK",
         "life-span": {"begin": "1965"}, "aliases": [{"name": "Nirvana UK"}]},
        {"id": "33333333-3333-4333-8333-333333333333", "score": "57", "name": "Nirvana Tribute"},
        {"id": "not-an-mbid", "score": 99, "name": "Broken"},
        "garbage",
    ],
}


def test_search_candidates_come_best_first_with_what_tells_them_apart():
    candidates = parse_artist_search(json.dumps(SEARCH))

    assert [c.mbid[:8] for c in candidates] == ["11111111", "22222222", "33333333"]
    assert candidates[0].describe() == ("Nirvana (90s US grunge band, US, 1987–1994) "
                                        "[11111111-1111-4111-8111-111111111111]")
    assert candidates[1].life_span == "since 1965" and candidates[2].score == 57


def test_two_artists_with_the_name_are_both_matches_and_a_near_name_is_none():
    candidates = parse_artist_search(json.dumps(SEARCH))

    assert len(matching(candidates, "nirvana")) == 2
    assert [c.country for c in matching(candidates, "Nirvana UK")] == ["GB"]  # an alias
    assert matching(candidates, "Nirvana Tribute Band") == []


def test_names_match_across_case_accents_punctuation_and_a_leading_the():
    body = {"artists": [{"id": "44444444-4444-4444-8444-444444444444", "score": 100,
                         "name": "The Beatles"},
                        {"id": "55555555-5555-4555-8555-555555555555", "score": 90,
                         "name": "Mötley Crüe"}]}
    candidates = parse_artist_search(json.dumps(body))

    assert len(matching(candidates, "beatles")) == 1
    assert len(matching(candidates, "motley crue")) == 1


@pytest.mark.parametrize("body", [b"<html>503</html>", b"[]", b'{"error": "x"}', b"\xff"])
def test_a_malformed_search_answer_says_what_is_wrong(body):
    with pytest.raises(MalformedAnswer):
        parse_artist_search(body)


def test_url_rels_say_which_links_bandcrawler_reads_and_why_not_the_others():
    body = {"id": "x", "name": "Copper Wires", "relations": [
        {"type": "official homepage", "url": {"resource": "https://copperwires.example/"}},
        {"type": "bandsintown", "url": {"resource": "https://www.bandsintown.com/a/15551234"}},
        {"type": "songkick", "url": {"resource": "https://www.songkick.com/artists/9-copper"}},
        {"type": "setlistfm", "url": {"resource": "https://www.setlist.fm/setlists/x.html"}},
        {"type": "social network", "url": {"resource": "https://www.instagram.com/copper"}},
        {"type": "official homepage", "ended": True,
         "url": {"resource": "https://old.copperwires.example/"}},
        {"type": "official homepage", "url": {"resource": "javascript:alert(1)"}},
        {"type": "official homepage"},
    ]}
    name, linked = parse_url_rels(json.dumps(body))

    assert name == "Copper Wires"
    assert [(link.kind, link.value) for link in linked] == [
        ("website", "https://copperwires.example/"), ("bandsintown", "id_15551234"),
        (None, None), (None, None), (None, None)]
    assert "Songkick" in linked[2].why_not and "past concerts" in linked[3].why_not


def test_a_bandsintown_url_without_an_artist_id_is_not_a_source():
    link = linked_source("bandsintown", "https://www.bandsintown.com/")

    assert link.kind is None and link.why_not
