"""End to end: a listing that falls to nothing or shrinks by half is suspect and unlists
nothing until a later crawl says the same; a page that is not a web page is a source error."""

from __future__ import annotations

from tests.e2e.test_unlisting import band_site, listed, page  # noqa: F401 - the fixture

MAINTENANCE = b"<html><body><h1>Under maintenance</h1><p>Back soon!</p></body></html>"


def test_an_empty_page_unlists_nothing_and_is_shown_as_suspect(band_site):  # noqa: F811
    site, deployment = band_site
    site.pages["/tour"] = MAINTENANCE

    crawl = deployment.crawl("jsonld")

    assert "'bandcrawler/source/suspect': 1" in crawl.stderr
    assert "bandcrawler/concerts/unlisted" not in crawl.stderr
    assert "Suspect listing" in crawl.stderr
    assert listed(deployment) == {"Hall A": True, "Hall B": True, "Hall C": True}
    shown = deployment.bandcrawler("band", "list").stdout
    assert "suspect: listed 0 concert(s) where the last trusted crawl listed 3" in shown


def test_the_same_empty_answer_on_a_later_crawl_is_believed(band_site):  # noqa: F811
    site, deployment = band_site
    site.pages["/tour"] = MAINTENANCE
    deployment.crawl("jsonld")

    crawl = deployment.crawl("jsonld")

    assert "'bandcrawler/concerts/unlisted': 3" in crawl.stderr
    assert listed(deployment) == {"Hall A": False, "Hall B": False, "Hall C": False}
    assert "suspect" not in deployment.bandcrawler("band", "list").stdout


def test_a_listing_that_shrinks_by_more_than_half_is_suspect(band_site):  # noqa: F811
    site, deployment = band_site
    site.pages["/tour"] = page(["A"])  # 3 -> 1

    crawl = deployment.crawl("jsonld")

    assert "'bandcrawler/source/suspect': 1" in crawl.stderr
    assert listed(deployment) == {"Hall A": True, "Hall B": True, "Hall C": True}


def test_the_threshold_is_a_setting(band_site):  # noqa: F811
    site, deployment = band_site
    site.pages["/tour"] = page(["A"])

    crawl = deployment.crawl("jsonld", "-s", "BANDCRAWLER_SUSPECT_SHRINK=0.9")

    assert "bandcrawler/source/suspect" not in crawl.stderr
    assert listed(deployment) == {"Hall A": True, "Hall B": False, "Hall C": False}


def test_a_pdf_where_a_web_page_was_expected_is_a_source_error(band_site):  # noqa: F811
    site, deployment = band_site
    site.pages["/tour"] = b"%PDF-1.7 flyer"
    site.content_types = {"/tour": "application/pdf"}

    crawl = deployment.crawl("jsonld")

    assert "not a web page (application/pdf)" in crawl.stderr
    assert "'bandcrawler/source_errors/website': 1" in crawl.stderr
    assert "bandcrawler/concerts/unlisted" not in crawl.stderr
    assert listed(deployment) == {"Hall A": True, "Hall B": True, "Hall C": True}
