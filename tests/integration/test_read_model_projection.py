"""The read model as a projection, against a real server: its checkpoint moves only with
Elasticsearch's answer; a document Elasticsearch rejects is the saga's business alone."""

from __future__ import annotations

import threading

import pytest

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config
from bandcrawler.domain.concert import listing_from
from bandcrawler.domain.view import concert_document
from bandcrawler.search import projector as projector_module
from bandcrawler.search.projector import ReadModelUnavailable, fold_all_concerts
from bandcrawler.services.concerts import record_listing
from bandcrawler.services.projections import catch_up, follow
from bandcrawler.services.resume import resume_pending
from bandcrawler.services.validation import clean_item
from bandcrawler.store.saga import Report

CONCERTS = 6


def _record(app, number: int, **changes) -> str:
    item = {"band_id": "the-velvet-lanterns", "band": "The Velvet Lanterns",
            "source": "jsonld", "source_id": f"https://velvet.example/tour#{number}",
            "local_date": f"2025-04-{number + 1:02d}", "local_time": "20:00",
            "venue_name": "La Cigale", "venue_city": "Paris", "venue_country": "FR",
            "title": f"Live {number}", **changes}
    recorded = record_listing(app.concerts, listing_from(clean_item(item)), {"spider": "test"})
    # As the pipelines do: located and persisted, so that only the index step is left.
    app.saga.report_many([Report(recorded.concert_id, version=recorded.version,
                                 geocoded=True, persisted_version=recorded.version)])
    return recorded.concert_id


def _app(database_url, es_url, alias) -> Bandcrawler:
    return Bandcrawler(Config(database_url=database_url, elasticsearch_url=es_url,
                              index_alias=alias))


@pytest.fixture
def app(database_url, es_url, index_alias):
    app = _app(database_url, es_url, index_alias)
    yield app
    app.read_model.index.drop()
    app.close()


def test_with_elasticsearch_down_the_checkpoint_stays_and_a_later_catch_up_replays(
        database_url, es_url, index_alias):
    down = _app(database_url, "http://127.0.0.1:9", index_alias)  # the discard port
    ids = [_record(down, n) for n in range(CONCERTS)]
    with pytest.raises(ReadModelUnavailable, match="unavailable"):
        catch_up(down.read_model, down.store)
    down.close()

    up = _app(database_url, es_url, index_alias)
    try:
        assert up.read_model.checkpoint() == 0
        assert catch_up(up.read_model, up.store) == up.store.last_position()
        up.read_model.index.refresh()
        assert set(up.read_model.index.documents()) == set(ids)
        assert up.saga.summary()["complete"] == CONCERTS
    finally:
        up.read_model.index.drop()
        up.close()


def test_a_rejected_document_is_recorded_with_its_reason_and_holds_no_one_back(
        app, monkeypatch):
    ids = [_record(app, n) for n in range(CONCERTS)]
    bad = ids[2]
    document = projector_module.concert_document

    def broken(concert):  # a mapping error for one concert: not a date
        made = document(concert)
        return {**made, "local_date": "not a date"} if concert.concert_id == bad else made

    monkeypatch.setattr(projector_module, "concert_document", broken)

    assert catch_up(app.read_model, app.store) == app.store.last_position()
    assert app.read_model.checkpoint() == app.store.last_position()
    app.read_model.index.refresh()
    assert set(app.read_model.index.documents()) == set(ids) - {bad}
    state = app.saga.get(bad)
    assert state is not None and state.pending_step == "index"
    assert state.last_error.startswith("index: HTTP 400")
    summary = app.saga.summary()
    assert summary["complete"] == CONCERTS - 1 and summary["pending"] == {"index": 1}
    assert summary["reasons"][0]["reason"].startswith("index: HTTP 400")

    # Once Elasticsearch takes it (the mapping fixed, say), resume indexes it.
    monkeypatch.setattr(projector_module, "concert_document", document)
    outcome = resume_pending(app)
    assert outcome["attempted"] == 1 and outcome["indexed"] == 1
    app.read_model.index.refresh()
    concerts = fold_all_concerts(app.store)
    assert app.read_model.index.documents() == {
        concert_id: (c.version, concert_document(c)) for concert_id, c in concerts.items()}
    assert app.saga.summary()["complete"] == CONCERTS


def test_a_follower_goes_on_with_the_other_projections_while_elasticsearch_is_down(
        database_url, index_alias, caplog):
    down = _app(database_url, "http://127.0.0.1:9", index_alias)
    try:
        _record(down, 0)
        follow(down.projections(), down.store, stop=threading.Event(), once=True)
        assert down.write_model.checkpoint() == down.store.last_position()
        assert "Projection ReadModelProjector could not catch up: unavailable" in caplog.text
        assert down.saga.summary()["pending"] == {"index": 1}
    finally:
        down.close()
