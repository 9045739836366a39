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
from bandcrawler.search.index import ConcertIndex
from bandcrawler.search.projector import fold_all_concerts
from bandcrawler.services.concerts import record_listing
from bandcrawler.services.indexing import reindex
from bandcrawler.services.projections import catch_up
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
        record_listing(app.concerts, listing_from(clean_item(item)), {"spider": "test"})
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


def _changed_listing(number: int, **changes):
    item = {"band_id": "the-velvet-lanterns", "band": "The Velvet Lanterns",
            "source": "jsonld", "source_id": f"https://velvet.example/tour#{number}",
            "local_date": f"2025-03-{number + 1:02d}", "local_time": "20:00",
            "venue_name": "La Cigale", "venue_city": "Paris", "venue_country": "FR",
            "title": f"Live {number}", **changes}
    return listing_from(clean_item(item))


def test_a_live_write_after_the_rebuild_read_a_concert_and_before_the_swap_is_kept(
        app, monkeypatch):
    catch_up(app.read_model, app.store)  # the live index holds every concert
    swap = ConcertIndex.swap_alias
    changed: list[str] = []

    def live_write_then_swap(self, new_index):
        # The rebuild has read every concert. A crawl records a newer version of one, and
        # its index step writes it through the alias: into the index about to be replaced.
        recorded = record_listing(app.concerts, _changed_listing(0, local_time="22:30"),
                                  {"spider": "test"})
        changed.append(recorded.concert_id)
        catch_up(app.read_model, app.store)
        return swap(self, new_index)

    monkeypatch.setattr(ConcertIndex, "swap_alias", live_write_then_swap)
    reindex(app.read_model, app.store)
    app.read_model.index.refresh()

    concerts = fold_all_concerts(app.store)
    documents = app.read_model.index.documents()
    assert documents[changed[0]][1]["local_time"] == "22:30"
    assert documents == {concert_id: (c.version, concert_document(c))
                         for concert_id, c in concerts.items()}
    assert app.saga.indexed_versions([changed[0]]) == {changed[0]: concerts[changed[0]].version}


def test_live_writers_go_on_from_the_new_index_checkpoint_after_a_reindex(app):
    catch_up(app.read_model, app.store)
    target, _ = reindex(app.read_model, app.store)
    record_listing(app.concerts, _changed_listing(1, title="Live 1 (sold out)"), {"spider": "t"})
    app.read_model._resolved = None  # as after RESOLVE_SECONDS: it finds the new index
    catch_up(app.read_model, app.store)
    app.read_model.index.refresh()

    assert app.read_model.name == f"read_model:{target}"
    assert app.read_model.checkpoint() == app.store.last_position()
    assert app.read_model.index.documents() == {
        concert_id: (c.version, concert_document(c))
        for concert_id, c in fold_all_concerts(app.store).items()}
