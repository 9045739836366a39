"""Use cases on watches: create, remove, load them (with where in the log they begin)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection

from bandcrawler.domain.events import event_from
from bandcrawler.domain.watch import (
    Watch,
    decide_create,
    decide_remove,
    watch_id_for,
    watch_stream,
)
from bandcrawler.store.event_store import EventStore, utc_now
from bandcrawler.store.repository import to_new_events


class WatchError(ValueError):
    """A watch that cannot be made or found; the message says why."""


def create_watch(store: EventStore, name: str, spec: dict[str, Any], *,
                 backfill: bool = False, token: str | None = None) -> Watch:
    """Record a new watch; it hears of changes after this moment (all of them: backfill).
    Its feed token is new and random unless given."""
    try:
        watch_id = watch_id_for(name)
    except ValueError as exc:
        raise WatchError(str(exc)) from None
    with store.engine.begin() as conn:
        watch = load_watch(conn, watch_id) or Watch(watch_id)
        try:
            decided = decide_create(watch, name.strip(), spec, token or secrets.token_urlsafe(18),
                                    backfill, utc_now())
        except ValueError as exc:
            raise WatchError(str(exc)) from None
        store.append(conn, watch_stream(watch_id), to_new_events(decided, {}), watch.version)
    created = get_watch(store, name)
    assert created is not None
    return created


def remove_watch(store: EventStore, name: str) -> None:
    watch_id = _watch_id(name)
    with store.engine.begin() as conn:
        watch = load_watch(conn, watch_id) or Watch(watch_id)
        try:
            decided = decide_remove(watch, utc_now())
        except ValueError:
            raise WatchError(f"no watch named {name!r}") from None
        store.append(conn, watch_stream(watch_id), to_new_events(decided, {}), watch.version)


def load_watches(conn: Connection, *, include_removed: bool = False) -> list[Watch]:
    """Every watch folded from its stream (its events upcast), by name; a removed one only
    if asked."""
    stored = EventStore(conn.engine).read_category("watch", with_meta=False, conn=conn)
    watches: dict[str, Watch] = {}
    for position, stream_id, version, kind, data, *_ in stored:
        watch = watches.setdefault(stream_id, Watch(stream_id.removeprefix("watch-")))
        if kind == "WatchCreated" and watch.removed:  # the name taken again: a new watch
            watch = watches[stream_id] = Watch(watch.watch_id)
        watch.apply(event_from(kind, data), version, position)
    found = [w for w in watches.values() if include_removed or not w.removed]
    return sorted(found, key=lambda w: w.name.casefold())


def load_watch(conn: Connection, watch_id: str) -> Watch | None:
    found = [w for w in load_watches(conn, include_removed=True) if w.watch_id == watch_id]
    return found[0] if found else None


def get_watch(store: EventStore, name: str) -> Watch | None:
    """The live watch named `name` (a name or its id), or None."""
    watch_id = _watch_id(name)
    with store.engine.connect() as conn:
        watch = load_watch(conn, watch_id)
    return watch if watch is not None and not watch.removed else None


def require_watch(store: EventStore, name: str) -> Watch:
    watch = get_watch(store, name)
    if watch is None:
        raise WatchError(f"no watch named {name!r}")
    return watch


def watch_by_token(store: EventStore, token: str) -> Watch | None:
    """The live watch whose feed token this is (for the web feeds' URLs)."""
    with store.engine.connect() as conn:
        return next((w for w in load_watches(conn)
                     if secrets.compare_digest(w.token, token)), None)


def _watch_id(name: str) -> str:
    try:
        return watch_id_for(name)
    except ValueError as exc:
        raise WatchError(str(exc)) from None
