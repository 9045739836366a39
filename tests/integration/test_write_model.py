"""The write side on a real SQLite file: recording listings, locating concerts, and the
write-model projector that turns the event store into bands and concerts rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bandcrawler.domain import events as ev
from bandcrawler.domain.band import Band, decide_register
from bandcrawler.domain.concert import listing_from
from bandcrawler.domain.identity import concert_stream
from bandcrawler.geo.model import GeocodingError, GeoResult
from bandcrawler.services.concerts import geocode_concert, record_listing
from bandcrawler.services.projections import catch_up, rebuild
from bandcrawler.services.validation import clean_item
from bandcrawler.store.engine import make_engine
from bandcrawler.store.event_store import EventStore, utc_now
from bandcrawler.store.repository import (
    ConcertCache,
    ConcertRepository,
    known_concert_ids,
    remember_keys_many,
    to_new_events,
)
from bandcrawler.store.tables import band_sources, bands, checkpoints, concerts
from bandcrawler.store.upsert import upsert_many
from bandcrawler.store.write_model import WriteModelProjector

META = {"spider": "test"}


@pytest.fixture
def store(database_url):
    engine = make_engine(database_url)
    yield EventStore(engine)
    engine.dispose()


@pytest.fixture
def repository(store) -> ConcertRepository:
    return ConcertRepository(store)


@pytest.fixture
def projector(store) -> WriteModelProjector:
    return WriteModelProjector(store.engine, store, batch_size=3)


def listing(**changes):
    item = {"band_id": "the-velvet-lanterns", "band": "The Velvet Lanterns", "source": "jsonld",
            "source_id": "https://velvet.example/tour#paris", "local_date": "2025-03-14",
            "local_time": "20:00", "venue_name": "La Cigale", "venue_city": "Paris",
            "venue_country": "FR", "title": "Live in Paris"}
    return listing_from(clean_item({**item, **changes}))


def stream_types(store: EventStore, concert_id: str) -> list[str]:
    return [e.type for e in store.read_stream(concert_stream(concert_id))]


class Locator:
    """A tiny locator: answers from a table of cities, or raises the error it was given."""

    def __init__(self, error: Exception | None = None):
        self.error = error
        self.calls: list[dict] = []

    def locate(self, *, city=None, region=None, country=None, address=None, venue_name=None):
        self.calls.append({"city": city, "country": country, "venue_name": venue_name})
        if self.error is not None:
            raise self.error
        return GeoResult(48.8566, 2.3522, "city", "Europe/Paris", "FR")

    def timezone_at(self, latitude, longitude):
        self.calls.append({"timezone_at": (latitude, longitude)})
        if self.error is not None:
            raise self.error
        return "America/New_York"


# -- record_listing ------------------------------------------------------------------------


def test_recording_the_same_listing_twice_appends_nothing_the_second_time(store, repository):
    first = record_listing(repository, listing(), META)
    second = record_listing(repository, listing(), META)

    assert first.appended == 1
    assert second.appended == 0
    assert second.concert_id == first.concert_id
    assert second.version == first.version == 1
    assert stream_types(store, first.concert_id) == ["ConcertAnnounced"]
    assert store.read_stream(concert_stream(first.concert_id))[0].meta == META


def test_a_different_source_id_with_the_same_natural_key_is_the_same_concert(store, repository):
    first = record_listing(repository, listing(), META)
    other_id = record_listing(repository, listing(source_id="other-id"), META)
    other_source = record_listing(repository, listing(source="bandsintown", source_id="123"), META)
    other_spelling = record_listing(repository, listing(source="ical", source_id="uid-7",
                                                   venue_city="ZÜRICH", venue_name=None), META)
    zurich = record_listing(repository, listing(source_id=None, venue_city="Zurich",
                                           venue_name=None), META)

    assert other_id.concert_id == other_source.concert_id == first.concert_id
    assert other_id.appended == 0
    assert stream_types(store, first.concert_id) == ["ConcertAnnounced",
                                                     "ConcertListedBySource"]
    assert other_spelling.concert_id != first.concert_id
    assert zurich.concert_id == other_spelling.concert_id


def test_a_known_source_id_keeps_its_concert_when_the_date_changes(store, repository):
    first = record_listing(repository, listing(), META)

    moved = record_listing(repository, listing(local_date="2025-04-02", status="rescheduled"), META)

    assert moved.concert_id == first.concert_id
    assert moved.appended == 2
    stored = store.read_stream(concert_stream(first.concert_id))
    assert [e.type for e in stored] == ["ConcertAnnounced", "ConcertDetailsChanged",
                                        "ConcertRescheduled"]
    assert stored[1].data["changes"] == {"local_date": "2025-04-02"}
    assert moved.concert.details["local_date"] == "2025-04-02"
    assert moved.concert.status == "rescheduled"
    # A source without the id, listing the new date, finds the same concert by its natural key.
    again = record_listing(repository, listing(source_id=None, local_date="2025-04-02",
                                          status="rescheduled"), META)
    assert again.concert_id == first.concert_id and again.appended == 0


def test_different_dates_without_a_shared_source_id_are_different_concerts(store, repository):
    paris = record_listing(repository, listing(source_id=None), META)
    lyon = record_listing(repository, listing(source_id=None, local_date="2025-03-15",
                                         venue_city="Lyon"), META)

    assert paris.concert_id != lyon.concert_id


# -- geocode_concert -----------------------------------------------------------------------


def test_source_coordinates_are_used_with_precision_source_and_the_locators_timezone(
        store, repository):
    recorded = record_listing(repository, listing(latitude="40.7506", longitude="-73.9935"), META)
    locator = Locator()

    located = geocode_concert(repository, locator, recorded.concert_id, META)

    assert located.done
    assert located.concert.location == (40.7506, -73.9935)
    assert located.concert.geo_precision == "source"
    assert located.concert.timezone == "America/New_York"
    assert locator.calls == [{"timezone_at": (40.7506, -73.9935)}]
    assert stream_types(store, recorded.concert_id) == ["ConcertAnnounced", "ConcertGeocoded"]
    # 20:00 on 14 March in New York is EDT (UTC-4): DST began on 9 March 2025.
    assert located.concert.starts_at == "2025-03-15T00:00:00Z"
    # Located already: a second call asks nothing and appends nothing.
    again = geocode_concert(repository, locator, recorded.concert_id, META)
    assert again.done and again.concert.version == 2
    assert len(locator.calls) == 1


def test_a_venue_is_located_by_the_locator(store, repository):
    recorded = record_listing(repository, listing(), META)
    locator = Locator()

    located = geocode_concert(repository, locator, recorded.concert_id, META)

    assert located.done
    assert locator.calls == [{"city": "Paris", "country": "FR", "venue_name": "La Cigale"}]
    assert (located.concert.geo_precision, located.concert.timezone) == ("city", "Europe/Paris")
    assert located.concert.starts_at == "2025-03-14T19:00:00Z"


def test_a_failing_locator_leaves_the_concert_recorded_and_records_the_reason_once(
        store, repository):
    recorded = record_listing(repository, listing(), META)
    failing = Locator(GeocodingError("unavailable", "503 from the geocoder"))

    located = geocode_concert(repository, failing, recorded.concert_id, META)

    assert not located.done
    assert located.error == "unavailable: 503 from the geocoder"
    assert located.concert.geocoding_error == located.error
    assert stream_types(store, recorded.concert_id) == ["ConcertAnnounced",
                                                        "ConcertGeocodingFailed"]
    position = store.last_position()

    again = geocode_concert(repository, failing, recorded.concert_id, META)

    assert again.error == located.error
    assert store.last_position() == position
    assert len(failing.calls) == 2

    fixed = geocode_concert(repository, Locator(), recorded.concert_id, META)
    assert fixed.done and fixed.concert.geocoding_error is None
    assert stream_types(store, recorded.concert_id)[-1] == "ConcertGeocoded"


# -- the write-model projector -------------------------------------------------------------


def register(store: EventStore, name: str, band_id: str, sources) -> None:
    decided = decide_register(Band(band_id), name, sources, utc_now())
    store.append_now(f"band-{band_id}", to_new_events(decided, META), 0)


def fill(store: EventStore) -> None:
    repository = ConcertRepository(store)
    register(store, "The Velvet Lanterns", "the-velvet-lanterns",
             [("website", "https://velvet.example/tour"), ("bandsintown", "Velvet Lanterns")])
    register(store, "Marée Basse", "maree-basse", [("ical", "https://maree.example/feed.ics")])
    paris = record_listing(repository, listing(), META).concert_id
    record_listing(repository, listing(source="bandsintown", source_id="9", local_time="21:00"),
                   META)
    record_listing(repository, listing(source_id="lyon", local_date="2025-03-20",
                                       venue_city="Lyon", status="cancelled"), META)
    geocode_concert(repository, Locator(), paris, META)


def all_rows(store: EventStore) -> dict[str, list[tuple]]:
    with store.engine.connect() as conn:
        return {
            table.name: [tuple(r) for r in conn.execute(
                select(table).order_by(*table.primary_key.columns))]
            for table in (bands, band_sources, concerts, checkpoints)
        }


def test_catch_up_projects_bands_sources_and_concerts_and_moves_the_checkpoint(store,
                                                                                projector):
    fill(store)

    reached = catch_up(projector, store)

    assert reached == store.last_position() == projector.position()
    with store.engine.connect() as conn:
        band_rows = conn.execute(select(bands.c.band_id, bands.c.name)
                                 .order_by(bands.c.band_id)).all()
        source_rows = conn.execute(select(band_sources.c.band_id, band_sources.c.kind,
                                          band_sources.c.value).order_by(band_sources.c.band_id,
                                                                      band_sources.c.kind)).all()
        concert_rows = {r.venue_city: r for r in conn.execute(select(concerts))}
    assert [tuple(r) for r in band_rows] == [("maree-basse", "Marée Basse"),
                                             ("the-velvet-lanterns", "The Velvet Lanterns")]
    assert [tuple(r) for r in source_rows] == [
        ("maree-basse", "ical", "https://maree.example/feed.ics"),
        ("the-velvet-lanterns", "bandsintown", "Velvet Lanterns"),
        ("the-velvet-lanterns", "website", "https://velvet.example/tour"),
    ]
    assert set(concert_rows) == {"Paris", "Lyon"}
    paris, lyon = concert_rows["Paris"], concert_rows["Lyon"]
    assert paris.local_time == "20:00"  # the band's own website beats Bandsintown's 21:00
    assert paris.sources == ["jsonld", "bandsintown"]
    assert (paris.latitude, paris.longitude, paris.geo_precision) == (48.8566, 2.3522, "city")
    assert paris.timezone == "Europe/Paris"
    assert paris.starts_at == "2025-03-14T19:00:00Z"
    assert paris.status == "scheduled"
    # Announced, listed by Bandsintown too (its own details kept in that event), geocoded.
    assert paris.version == len(store.read_stream(concert_stream(paris.concert_id))) == 3
    assert lyon.status == "cancelled" and lyon.latitude is None and lyon.version == 2
    assert lyon.lineup == ["The Velvet Lanterns"]


def test_catch_up_again_changes_nothing(store, projector):
    fill(store)
    catch_up(projector, store)
    before = all_rows(store)

    assert catch_up(projector, store) == store.last_position()
    assert all_rows(store) == before


def test_catch_up_follows_new_events(store, projector, repository):
    fill(store)
    catch_up(projector, store)
    record_listing(repository, listing(status="postponed"), META)

    catch_up(projector, store)

    with store.engine.connect() as conn:
        status = conn.execute(select(concerts.c.status)
                              .where(concerts.c.venue_city == "Paris")).scalar()
    assert status == "postponed"
    assert projector.position() == store.last_position()


def test_rebuild_produces_identical_rows(store, projector, repository):
    fill(store)
    catch_up(projector, store)
    record_listing(repository, listing(local_time="22:00"), META)  # a later change, caught up live
    catch_up(projector, store)
    before = all_rows(store)

    assert rebuild(projector, store) == store.last_position()
    assert all_rows(store) == before
    assert rebuild(WriteModelProjector(store.engine, store, batch_size=1000), store) == \
        store.last_position()
    assert all_rows(store) == before


class CrashingProjector(WriteModelProjector):
    """Does a batch's writes, then dies before the batch's transaction commits."""

    def _apply(self, conn, batch):
        super()._apply(conn, batch)
        raise RuntimeError("crash mid-projection")


def test_a_crash_mid_projection_changes_neither_rows_nor_checkpoint(store, projector, repository):
    fill(store)
    catch_up(projector, store)
    record_listing(repository, listing(status="cancelled"), META)
    record_listing(repository, listing(source_id="bern", local_date="2025-05-01",
                                  venue_city="Bern"), META)
    before = all_rows(store)
    checkpoint = projector.position()

    with pytest.raises(RuntimeError, match="crash mid-projection"):
        catch_up(CrashingProjector(store.engine, store, batch_size=3), store)

    assert projector.position() == checkpoint < store.last_position()
    assert all_rows(store) == before

    assert catch_up(projector, store) == store.last_position()
    after = all_rows(store)
    assert after != before
    with store.engine.connect() as conn:
        assert conn.execute(select(concerts.c.venue_city)
                            .where(concerts.c.status == "cancelled")
                            .order_by(concerts.c.venue_city)).scalars().all() == ["Lyon",
                                                                                  "Paris"]
    rebuild(projector, store)
    assert all_rows(store) == after


def test_a_crash_in_a_later_batch_keeps_the_batches_committed_before_it(store):
    fill(store)
    total = store.last_position()

    class CrashOnSecondBatch(WriteModelProjector):
        calls = 0

        def _apply(self, conn, batch):
            super()._apply(conn, batch)
            type(self).calls += 1
            if self.calls == 2:
                raise RuntimeError("crash mid-projection")

    crashing = CrashOnSecondBatch(store.engine, store, batch_size=2)
    with pytest.raises(RuntimeError):
        catch_up(crashing, store)

    assert crashing.position() == 2
    assert catch_up(WriteModelProjector(store.engine, store), store) == total


def test_events_of_a_concert_replay_into_the_row(store, projector, repository):
    """The row is the fold of the stream: the same code the read model uses."""
    recorded = record_listing(repository, listing(), META)
    catch_up(projector, store)
    events = store.read_stream(concert_stream(recorded.concert_id))

    assert [ev.event_from(e.type, e.data).type for e in events] == ["ConcertAnnounced"]
    with store.engine.connect() as conn:
        row = conn.execute(select(concerts)).one()
    assert row.first_seen == row.updated_at == events[0].data["at"]


# -- batch forms: the identity index, the projector with the crawl's concert cache ----------


def test_remember_keys_many_maps_new_keys_and_a_known_key_keeps_its_concert(store):
    with store.engine.begin() as conn:
        remember_keys_many(conn, {"k1": "c1", "k2": "c1"})
        remember_keys_many(conn, {"k2": "c2", "k3": "c2"})
        remember_keys_many(conn, {})

        assert known_concert_ids(conn, ["k1", "k2", "k3", "k4"]) == {
            "k1": "c1", "k2": "c1", "k3": "c2"}


def test_upsert_many_inserts_new_rows_and_updates_existing_ones(store):
    with store.engine.begin() as conn:
        upsert_many(conn, checkpoints, [{"name": "a", "position": 1},
                                        {"name": "b", "position": 2}], ["name"])
        upsert_many(conn, checkpoints, [{"name": "b", "position": 5},
                                        {"name": "c", "position": 3}], ["name"])
        upsert_many(conn, checkpoints, [], ["name"])

        assert conn.execute(select(checkpoints).order_by(checkpoints.c.name)).all() == [
            ("a", 1), ("b", 5), ("c", 3)]


class SpyCache(ConcertCache):
    def __init__(self):
        super().__init__()
        self.asked: list[tuple[str, int]] = []
        self.hits = 0

    def get(self, concert_id, version, *, copy=True):
        self.asked.append((concert_id, version))
        found = super().get(concert_id, version, copy=copy)
        self.hits += found is not None
        return found


@pytest.mark.parametrize("batch_size", [2, 1000])
def test_the_projector_takes_cached_states_only_at_the_version_it_projects(store, batch_size):
    fill(store)
    catch_up(WriteModelProjector(store.engine, store), store)
    expected = all_rows(store)
    cache = SpyCache()
    with store.engine.connect() as conn:  # the crawl's steps leave the current states there
        ids = conn.execute(select(concerts.c.concert_id)).scalars().all()
        repository = ConcertRepository(store, identity_map=cache)
        repository.get_many(conn, ids)
    cache.asked.clear()
    projector = WriteModelProjector(store.engine, store, batch_size=batch_size,
                                    repository=repository)

    assert rebuild(projector, store) == store.last_position()

    assert all_rows(store) == expected
    versions = {concert_id: len(store.read_stream(concert_stream(concert_id)))
                for concert_id in ids}
    assert cache.hits == sum(1 for concert_id, version in cache.asked
                             if versions[concert_id] == version)
    assert cache.hits >= len(ids)  # at least each concert's last batch came from the cache
    if batch_size == 2:  # earlier batches asked for earlier versions, which it does not hold
        assert cache.hits < len(cache.asked)


def test_the_repository_serves_what_it_recorded_and_nothing_stale(store):
    cache = SpyCache()
    repository = ConcertRepository(store, identity_map=cache)
    recorded = record_listing(repository, listing(), META)

    with store.engine.connect() as conn:
        state = repository.get(conn, recorded.concert_id)
    assert cache.hits == 1  # from the identity map, not folded again
    assert state.version == recorded.version and state is not recorded.concert  # a copy

    record_listing(ConcertRepository(store), listing(local_time="22:00"), META)  # elsewhere
    with store.engine.connect() as conn:
        moved = repository.get(conn, recorded.concert_id)
    assert cache.hits == 1  # the map's state is older than the stream: folded instead
    assert moved.version == recorded.version + 1 and moved.local_time == "22:00"


class InterruptingLocator(Locator):
    """While it locates the first time, another writer changes the concert."""

    def __init__(self, store: EventStore):
        super().__init__()
        self.store = store

    def locate(self, **where):
        if not self.calls:
            record_listing(ConcertRepository(self.store), listing(local_time="21:30"), META)
        return super().locate(**where)


def test_geocoding_decides_again_when_another_writer_moved_the_concert_on(store, repository):
    recorded = record_listing(repository, listing(), META)
    locator = InterruptingLocator(store)

    located = geocode_concert(repository, locator, recorded.concert_id, META)

    assert len(locator.calls) == 2  # located, conflicted, read again and located again
    assert located.done and located.concert.location is not None
    assert located.concert.local_time == "21:30"  # the other writer's change is kept
    assert stream_types(store, recorded.concert_id)[-2:] == [
        "ConcertDetailsChanged", "ConcertGeocoded"]
