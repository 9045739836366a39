"""Saga resume: finish the steps that a crawl left pending, through the same services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bandcrawler.faults import kill_point
from bandcrawler.services.concerts import geocode_concert
from bandcrawler.store.tables import concerts


def resume_pending(app, *, due_only: bool = False,
                   concert_ids: list[str] | None = None) -> dict[str, Any]:
    """Run geocode, persist and index again for pending concerts (all, those due, or these).

    Idempotent: a step already done is a no-op, and documents carry their version.
    """
    states = app.saga.pending(due_only=due_only)
    if concert_ids is not None:
        wanted = set(concert_ids)
        states = [s for s in states if s.concert_id in wanted]
    ids = [s.concert_id for s in states]
    for state in states:
        if state.pending_step == "geocode":
            located = geocode_concert(app.store, app.locator, state.concert_id,
                                      {"resumed": True})
            app.saga.report(state.concert_id, version=located.concert.version,
                            geocoded=located.done,
                            error=f"geocode: {located.error}" if located.error else None)
    kill_point("resume")  # geocoded, not yet persisted or indexed
    app.write_model.catch_up()
    with app.engine.connect() as conn:
        persisted = dict(conn.execute(select(concerts.c.concert_id, concerts.c.version)
                                      .where(concerts.c.concert_id.in_(ids))).all())
    for concert_id, version in persisted.items():
        app.saga.report(concert_id, persisted_version=version)
    result = app.read_model.index_concerts(ids) if ids else None
    pending = app.saga.pending()
    tried = set(ids)
    return {
        "attempted": len(ids),
        "indexed": len(result.indexed) if result else 0,
        "index_failed": len(result.failed) if result else 0,
        "still_pending": len(pending),
        # Of those tried: what is still pending, and why (the first reason).
        "tried_still_pending": sum(1 for s in pending if s.concert_id in tried),
        "reason": next((s.last_error for s in pending if s.concert_id in tried
                        and s.last_error), None),
        # When the earliest retry falls due (`--due` only takes those whose time has come).
        "next_due": min((s.next_retry_at for s in pending if s.next_retry_at), default=None),
    }
