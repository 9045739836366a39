"""The saga store on SQLite: how far each concert got, merged in any order, with retries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bandcrawler.store import saga as saga_module
from bandcrawler.store.engine import make_engine
from bandcrawler.store.saga import SagaStore


@pytest.fixture
def sagas(database_url):
    engine = make_engine(database_url)
    yield SagaStore(engine)
    engine.dispose()


def test_a_new_concert_is_pending_until_every_step_reports(sagas):
    state = sagas.report("c1", version=1, geocoded=False, persisted_version=None)

    assert not state.complete and state.pending_step == "geocode"
    assert sagas.report("c1", geocoded=True).pending_step == "persist"
    assert sagas.report("c1", persisted_version=1).pending_step == "index"


def test_the_pipeline_report_then_the_index_report_completes_the_saga(sagas):
    state = sagas.report("c1", version=3, geocoded=True, persisted_version=3)
    assert state.pending_step == "index"

    sagas.report_indexed({"c1": 3}, {})

    final = sagas.get("c1")
    assert final.complete
    assert (final.version, final.persisted_version, final.indexed_version) == (3, 3, 3)
    assert sagas.pending() == []


def test_the_index_report_arriving_before_the_pipeline_report_still_completes(sagas):
    sagas.report_indexed({"c1": 2}, {})
    assert sagas.get("c1").pending_step == "geocode"

    state = sagas.report("c1", version=2, geocoded=True, persisted_version=2)

    assert state.complete
    assert sagas.get("c1").indexed_version == 2


def test_an_older_version_never_moves_a_saga_back(sagas):
    sagas.report("c1", version=5, geocoded=True, persisted_version=5)
    sagas.report_indexed({"c1": 5}, {})

    state = sagas.report("c1", version=4, persisted_version=4)

    assert state.complete
    assert (state.version, state.persisted_version, state.indexed_version) == (5, 5, 5)


def test_a_new_version_reopens_a_complete_saga(sagas):
    sagas.report("c1", version=1, geocoded=True, persisted_version=1)
    sagas.report_indexed({"c1": 1}, {})

    state = sagas.report("c1", version=2, geocoded=True, persisted_version=2)

    assert state.pending_step == "index"


def test_an_error_records_the_reason_attempts_and_next_retry(sagas):
    before = datetime.now(UTC)
    first = sagas.report("c1", version=1, geocoded=False, error="geocode: timeout")
    second = sagas.report("c1", version=1, geocoded=False, error="geocode: unavailable")

    assert first.attempts == 1 and second.attempts == 2
    assert second.last_error == "geocode: unavailable"
    assert second.pending_step == "geocode"
    retry_at = datetime.fromisoformat(second.next_retry_at)
    assert retry_at > before + timedelta(seconds=30)
    assert sagas.get("c1") == second


def test_an_index_failure_is_recorded_against_the_index_step(sagas):
    sagas.report("c1", version=1, geocoded=True, persisted_version=1)

    sagas.report_indexed({}, {"c1": "mapper_parsing_exception"})

    state = sagas.get("c1")
    assert state.pending_step == "index"
    assert state.last_error == "index: mapper_parsing_exception"
    assert state.attempts == 1 and state.next_retry_at is not None


def test_completing_clears_the_error_and_attempts(sagas):
    sagas.report("c1", version=1, geocoded=False, error="geocode: timeout")

    state = sagas.report("c1", version=1, geocoded=True, persisted_version=1)
    sagas.report_indexed({"c1": 1}, {})

    final = sagas.get("c1")
    assert state.pending_step == "index"
    assert final.complete
    assert (final.last_error, final.attempts, final.next_retry_at) == (None, 0, None)


def test_pending_due_only_leaves_out_a_failed_step_until_its_retry_is_due(sagas, monkeypatch):
    sagas.report("failed", version=1, geocoded=False, error="geocode: timeout")
    sagas.report("waiting", version=1, geocoded=True)  # never failed: due at once
    sagas.report("done", version=1, geocoded=True, persisted_version=1, indexed_version=1)

    assert [s.concert_id for s in sagas.pending()] == ["failed", "waiting"]
    assert [s.concert_id for s in sagas.pending(due_only=True)] == ["waiting"]

    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    monkeypatch.setattr(saga_module, "utc_now", lambda: later)

    assert [s.concert_id for s in sagas.pending(due_only=True)] == ["failed", "waiting"]


def test_summary_counts_concerts_per_pending_step_and_reason(sagas):
    sagas.report("a", version=1, geocoded=False, error="geocode: timeout")
    sagas.report("b", version=1, geocoded=False, error="geocode: timeout")
    sagas.report("c", version=1, geocoded=False, error="geocode: not_found")
    sagas.report("d", version=1, geocoded=True)
    sagas.report("e", version=1, geocoded=True, persisted_version=1)
    sagas.report_indexed({"e": 1}, {})
    sagas.report("f", version=2, geocoded=True, persisted_version=2)
    sagas.report_indexed({}, {"f": "es down\ntraceback..."})

    summary = sagas.summary()

    assert summary["concerts"] == 6
    assert summary["complete"] == 1
    assert summary["pending"] == {"geocode": 3, "persist": 1, "index": 1}
    assert summary["reasons"] == [
        {"step": "geocode", "reason": "geocode: timeout", "count": 2},
        {"step": "geocode", "reason": "geocode: not_found", "count": 1},
        {"step": "persist", "reason": "not yet run", "count": 1},
        {"step": "index", "reason": "index: es down", "count": 1},
    ]


def test_summary_of_no_sagas(sagas):
    assert sagas.summary() == {"concerts": 0, "complete": 0, "pending": {}, "reasons": []}


def test_settled_are_the_concerts_complete_at_exactly_their_current_version(sagas):
    sagas.report("done", version=2, geocoded=True, persisted_version=2)
    sagas.report_indexed({"done": 2}, {})
    sagas.report("moved-on", version=2, geocoded=True, persisted_version=2)
    sagas.report_indexed({"moved-on": 2}, {})
    sagas.report("pending", version=1, geocoded=False, persisted_version=1)

    settled = sagas.settled({"done": 2, "moved-on": 3, "pending": 1, "unknown": 1})

    assert settled == {"done"}


def test_two_writers_reporting_on_one_concert_at_once_lose_no_update(sagas):
    """The pipeline and an index flush (or two scrapyd jobs) report at the same moment: each
    report reads the row, merges and writes it back; neither may overwrite the other's."""
    reports = 1000
    sagas.report("c1", version=1, geocoded=True, persisted_version=0)

    def pipeline():
        for n in range(1, reports + 1):
            sagas.report("c1", version=n, geocoded=True, persisted_version=n)

    def index_flush():
        for n in range(1, reports + 1):
            sagas.report_indexed({"c1": n}, {})

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(pipeline), pool.submit(index_flush)]:
            done.result()

    final = sagas.get("c1")
    assert (final.version, final.persisted_version, final.indexed_version) == (
        reports, reports, reports)
    assert final.complete


def test_a_long_reason_is_shortened_between_words_not_inside_one(sagas):
    sagas.report("g", version=1, geocoded=True, persisted_version=1)
    words = ["unavailable:"] + [f"word{i:03d}" for i in range(100)]
    sagas.report_indexed({}, {"g": " ".join(words)})

    reason = sagas.summary()["reasons"][0]["reason"]

    assert len(reason) <= 200 and reason.endswith(" …")
    assert set(reason.removesuffix(" …").split()[1:]) <= set(words)
