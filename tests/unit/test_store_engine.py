"""The engine factory's shortcut: a database at HEAD_REVISION is not upgraded."""

from __future__ import annotations

from bandcrawler.store.engine import HEAD_REVISION, _script_directory


def test_head_revision_is_the_latest_migration():
    # Adding a migration? Set HEAD_REVISION (bandcrawler/store/engine.py) to its revision.
    assert set(_script_directory().get_heads()) == {HEAD_REVISION}
