"""Which scrapyd jobs count as already queued, and scrapyd credentials kept out of sight."""

from __future__ import annotations

from bandcrawler.services.scheduling import Crawl, ScrapydClient, _job_band, select_spiders


def test_a_whole_spider_job_covers_every_band_and_a_band_job_only_its_band():
    queued = {("jsonld", "ghost-notes"), ("ical", None)}

    assert Crawl("jsonld", "ghost-notes", "Ghost Notes").covered_by(queued)
    assert not Crawl("jsonld", "kodiak-static", "Kodiak Static").covered_by(queued)
    assert not Crawl("jsonld").covered_by(queued)
    assert Crawl("ical", "ghost-notes", "Ghost Notes").covered_by(queued)
    assert Crawl("ical").covered_by(queued)


def test_the_band_of_a_job_comes_from_its_arguments_or_from_the_job_id_we_gave_it():
    assert _job_band({"id": "x", "spider": "jsonld", "args": {"band": "Ghost Notes"}}) == \
        "ghost-notes"
    assert _job_band({"id": "x", "spider": "jsonld", "args": {}}) is None
    assert _job_band({"id": "jsonld.ghost-notes.0123abcd", "spider": "jsonld"}) == "ghost-notes"
    assert _job_band({"id": "jsonld._all.0123abcd", "spider": "jsonld"}) is None
    # A running job someone else started: no band known, so it counts as crawling all.
    assert _job_band({"id": "4f1c2e0a9b", "spider": "jsonld"}) is None


def test_credentials_in_the_url_become_basic_auth_and_leave_the_url():
    client = ScrapydClient("http://user:s3cret@127.0.0.1:6800")

    assert client.url == "http://127.0.0.1:6800/"
    assert "s3cret" not in client.url and "s3cret" not in repr(vars(client)).replace(
        client._auth or "", "")


def test_unknown_spiders_are_named_with_the_ones_that_exist():
    available = {"ical": "ical", "jsonld": "website"}

    assert select_spiders(available, []) == available
    assert select_spiders(available, ["jsonld"]) == {"jsonld": "website"}
    try:
        select_spiders(available, ["nope"])
    except ValueError as exc:
        assert str(exc) == "unknown spider(s) nope; the band-source spiders are ical, jsonld"
    else:
        raise AssertionError("no error for an unknown spider")
