"""Specifications of suspect listings: when a complete crawl's listing may unlist."""

from __future__ import annotations

from types import SimpleNamespace

from bandcrawler.services.unlisting import ListingRule, judge_listing

NOW = "2026-01-01T00:00:00Z"
RULE = ListingRule(shrink=0.5, confirmations=1)


def ids(n: int) -> set[str]:
    return {f"c{i}" for i in range(n)}


def after(row: dict) -> SimpleNamespace:
    return SimpleNamespace(**row)


def test_the_first_complete_listing_is_trusted_even_when_empty():
    trusted, row = judge_listing(None, set(), True, NOW, RULE)

    assert trusted and row["accepted_concerts"] == 0


def test_a_listing_that_falls_to_zero_is_suspect_until_seen_again():
    _ok, seven = judge_listing(None, ids(7), True, NOW, RULE)

    first, row = judge_listing(after(seven), set(), True, NOW, RULE)
    second, row2 = judge_listing(after(row), set(), True, NOW, RULE)

    assert not first and "listed 0 concert(s) where the last trusted crawl listed 7" in \
        row["suspect_reason"]
    assert row["accepted_concerts"] == 7
    assert second and row2["accepted_concerts"] == 0 and row2["suspect_reason"] is None


def test_shrinking_by_half_is_fine_and_by_more_is_suspect():
    _ok, six = judge_listing(None, ids(6), True, NOW, RULE)

    assert judge_listing(after(six), ids(3), True, NOW, RULE)[0]
    assert not judge_listing(after(six), ids(2), True, NOW, RULE)[0]


def test_a_different_suspect_answer_starts_the_count_again():
    _ok, seven = judge_listing(None, ids(7), True, NOW, RULE)
    _no, one = judge_listing(after(seven), {"x"}, True, NOW, RULE)

    trusted, row = judge_listing(after(one), {"y"}, True, NOW, RULE)

    assert not trusted and row["suspect_crawls"] == 1


def test_more_confirmations_need_more_crawls():
    rule = ListingRule(shrink=0.5, confirmations=2)
    _ok, row = judge_listing(None, ids(4), True, NOW, rule)
    verdicts = []
    for _crawl in range(3):
        trusted, row = judge_listing(after(row), set(), True, NOW, rule)
        verdicts.append(trusted)

    assert verdicts == [False, False, True]


def test_an_incomplete_read_is_kept_but_never_trusted_and_keeps_the_last_trusted_size():
    _ok, five = judge_listing(None, ids(5), True, NOW, RULE)

    trusted, row = judge_listing(after(five), ids(1), False, NOW, RULE)

    assert not trusted and row["complete"] is False and row["accepted_concerts"] == 5
