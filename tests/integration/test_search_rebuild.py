"""`reindex` against a real server: every concert of the event store in a new index behind
the alias, in whole chunks, the saga told what it did not know; no write made meanwhile lost."""

from __future__ import annotations

import pytest

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config
from bandcrawler.domain.concert import listing_from
from bandcrawler.domain.view import concert_document
from bandcrawler.search import projector as projector_module
from bandcrawler.search.bulk import BulkIndexer
from bandcrawler.search.projector import fold_all_concerts
from bandcrawler.services.concerts import record_listing
from bandcrawler.services.indexing import reindex
from bandcrawler.services.validation import clean_item

CONCERTS = 23


@pytest.fixture
def app(database_url, es_url, index_alias):
    app = Bandcrawler(Config(database_url=database_url, elasticsearch_url=es_url,
                             index_alias=index_alias))
    for number in range(CONCERTS):
        item = {"band_id": "the-velvet-lanterns", "band": "The Velvet Lanterns",
                "source": "jsonld", "source_id": f"https://velvet.example/tour#{number}",
                "local_date": f"2025-03-{number + 1:02d}", "local_time": "20:00",
                "venue_name": "La Cigale", "venue_city": "Paris", "venue_country": "FR",
                "title": f"Live {number}"}
        record_listing(app.store, listing_from(clean_item(item)), {"spider": "test"})
    yield app
    app.read_model.index.drop()
    app.close()


def test_rebuild_indexes_every_concert_in_whole_chunks_and_restores_refreshes(
        app, client, monkeypatch):
    monkeypatch.setattr(projector_module, "REBUILD_CHUNK", 5)
    sizes: list[int] = []
    send = BulkIndexer._send

    def counting_send(self, todo, result):
        sizes.append(len(todo))
        return send(self, todo, result)

    monkeypatch.setattr(BulkIndexer, "_send", counting_send)
    concerts = fold_all_concerts(app.store)
    target, count = reindex(app.read_model, app.store)

    assert count == CONCERTS
    assert app.read_model.index.current_index() == target
    assert app.read_model.index.documents() == {
        concert_id: (c.version, concert_document(c)) for concert_id, c in concerts.items()}
    settings = client.indices.get_settings(index=target)[target]["settings"]["index"]
    assert settings.get("refresh_interval") in (None, "1s")
    assert sorted(sizes) == [3, 5, 5, 5, 5]  # two in flight: in any order


def test_rebuild_tells_the_saga_only_what_it_did_not_know(app):
    concerts = fold_all_concerts(app.store)
    ids = sorted(concerts)
    app.saga.report_indexed({ids[0]: concerts[ids[0]].version}, {})
    app.saga.report_indexed({ids[1]: concerts[ids[1]].version - 1}, {})
    told: list[dict[str, int]] = []
    report = app.saga.report_indexed

    def spy(indexed, failed, **kwargs):
        told.append(dict(indexed))
        return report(indexed, failed, **kwargs)

    app.saga.report_indexed = spy
    reindex(app.read_model, app.store)

    assert len(told) == 1 and ids[0] not in told[0] and ids[1] in told[0]
    assert set(told[0]) == set(ids) - {ids[0]}
    assert app.saga.indexed_versions(ids) == {i: concerts[i].version for i in ids}
