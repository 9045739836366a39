"""BulkIndexer's buffer: when it is due, and which version of a document it keeps."""

from __future__ import annotations

from bandcrawler.search.bulk import BulkIndexer
from bandcrawler.search.client import make_client


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _indexer(**kwargs) -> BulkIndexer:
    # Never contacted: these tests only touch the buffer.
    return BulkIndexer(make_client("http://127.0.0.1:9"), "concerts", **kwargs)


def test_empty_buffer_is_never_due():
    indexer = _indexer(max_docs=1, max_age_seconds=0)
    assert indexer.pending() == 0
    assert not indexer.due()


def test_due_when_buffer_reaches_max_docs():
    indexer = _indexer(max_docs=3, max_age_seconds=60)
    indexer.add("a", 1, {})
    indexer.add("b", 1, {})
    assert not indexer.due()
    indexer.add("c", 1, {})
    assert indexer.due()


def test_due_when_oldest_document_reaches_max_age():
    clock = FakeClock()
    indexer = _indexer(max_docs=100, max_age_seconds=5.0, clock=clock)
    indexer.add("a", 1, {})
    clock.now += 3
    indexer.add("b", 1, {})
    assert not indexer.due()
    clock.now += 2
    assert indexer.due()


def test_a_later_add_for_the_same_id_replaces_the_earlier_one():
    indexer = _indexer()
    indexer.add("a", 1, {"title": "first"})
    indexer.add("a", 2, {"title": "second"})
    assert indexer.pending() == 1
    assert indexer._buffer["a"] == (2, {"title": "second"})


def test_the_buffer_keeps_the_higher_version_of_a_document():
    indexer = _indexer()
    indexer.add("a", 5, {"title": "newer"})
    indexer.add("a", 4, {"title": "older"})
    assert indexer._buffer["a"] == (5, {"title": "newer"})


def test_flushing_an_empty_buffer_does_nothing():
    result = _indexer().flush()
    assert result.indexed == {} and result.failed == {}


def test_discard_empties_the_buffer_and_reports_every_document_as_failed():
    indexer = _indexer()
    indexer.add("a", 1, {})
    indexer.add("b", 2, {})

    result = indexer.discard("unavailable: no index")

    assert result.indexed == {}
    assert result.failed == {"a": "unavailable: no index", "b": "unavailable: no index"}
    assert indexer.pending() == 0 and not indexer.due()
