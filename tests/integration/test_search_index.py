"""ConcertIndex against a real server: template, versioned indices, atomic alias swap."""

from __future__ import annotations

import pytest

from bandcrawler.search.bulk import BulkIndexer
from bandcrawler.search.index import ConcertIndex, load_template


@pytest.fixture
def concert_index(client, index_alias):
    index = ConcertIndex(client, index_alias)
    yield index
    _drop(client, index_alias)


def test_template_is_package_data_with_the_public_fields():
    properties = load_template()["template"]["mappings"]["properties"]
    assert properties["location"] == {"type": "geo_point"}
    assert properties["venue"]["properties"]["country"] == {"type": "keyword"}


def test_ensure_creates_a_v1_index_behind_the_alias_with_the_mapping(client, concert_index):
    name = concert_index.ensure()

    assert name.startswith(f"{concert_index.alias}-v1-")
    assert concert_index.current_index() == name
    mapping = client.indices.get_mapping(index=name)[name]["mappings"]
    props = mapping["properties"]
    assert props["location"]["type"] == "geo_point"
    assert props["local_date"] == {"type": "date", "format": "yyyy-MM-dd"}
    assert props["band"]["fields"]["keyword"]["type"] == "keyword"
    assert props["venue"]["properties"]["city"]["fields"]["keyword"]["type"] == "keyword"
    assert str(mapping["dynamic"]).lower() == "false"


def test_ensure_is_idempotent(client, concert_index):
    first = concert_index.ensure()
    second = concert_index.ensure()

    assert first == second
    assert list(client.indices.get_alias(name=concert_index.alias)) == [first]
    assert list(client.indices.get_alias(index=f"{concert_index.alias}-v*")) == [first]


def test_current_index_is_none_before_ensure(concert_index):
    assert concert_index.current_index() is None


def test_index_settings_override_the_development_defaults(client, index_alias):
    index = ConcertIndex(client, index_alias, index_settings={"number_of_shards": 2})
    try:
        name = index.ensure()
        settings = client.indices.get_settings(index=name)[name]["settings"]["index"]
        assert settings["number_of_shards"] == "2"
    finally:
        _drop(client, index_alias)


def test_swap_alias_moves_readers_to_the_new_index_and_deletes_the_old(client, concert_index):
    old = concert_index.ensure()
    _write(client, concert_index.alias, "old-concert")
    new = concert_index.new_index()
    _write(client, new, "new-concert")

    deleted = concert_index.swap_alias(new)

    assert new.startswith(f"{concert_index.alias}-v2-")
    assert deleted == [old]
    assert concert_index.current_index() == new
    assert not client.indices.exists(index=old)
    concert_index.refresh()
    assert set(concert_index.documents()) == {"new-concert"}


def test_new_index_counts_up_from_the_highest_version(concert_index):
    concert_index.ensure()
    second = concert_index.new_index()
    concert_index.swap_alias(second)

    assert concert_index.new_index().startswith(f"{concert_index.alias}-v3-")


def test_swap_alias_refuses_an_index_of_another_alias(concert_index):
    concert_index.ensure()
    with pytest.raises(ValueError, match="not a versioned index"):
        concert_index.swap_alias("somebody-else-v1-20240101000000-abcdef")


def test_racing_ensure_settles_on_one_index(client, concert_index):
    # Another process created its own v1 and pointed the alias at it too.
    winner = concert_index.ensure()
    rival = concert_index._create(version=1)
    client.indices.update_aliases(actions=[{"add": {"index": rival, "alias": concert_index.alias}}])

    settled = concert_index._settle(rival)

    assert settled == min(winner, rival)
    assert list(client.indices.get_alias(name=concert_index.alias)) == [settled]
    assert not client.indices.exists(index=max(winner, rival))


def test_documents_returns_versions_and_sources(client, concert_index):
    concert_index.ensure()
    _write(client, concert_index.alias, "c1", version=4)
    concert_index.refresh()

    assert concert_index.documents() == {"c1": (4, {"concert_id": "c1", "version": 4})}


def _write(client, target: str, concert_id: str, version: int = 1) -> None:
    indexer = BulkIndexer(client, target)
    indexer.add(concert_id, version, {"concert_id": concert_id, "version": version})
    assert indexer.flush().indexed == {concert_id: version}


def _drop(client, alias: str) -> None:
    """Delete what a test made (destructive requests need names, not wildcards)."""
    ConcertIndex(client, alias).drop()
