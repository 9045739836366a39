"""Saga resume: finish the steps that crawls left pending, through the same services."""

from __future__ import annotations

import logging
from typing import Any

from bandcrawler.faults import kill_point
from bandcrawler.search.projector import ReadModelUnavailable
from bandcrawler.services.concerts import geocode_concert
from bandcrawler.services.projections import catch_up

logger = logging.getLogger(__name__)


def resume_pending(app, *, due_only: bool = False,
                   concert_ids: list[str] | None = None) -> dict[str, Any]:
    """Geocode the pending concerts (all, those due, or these) again, catch every projection
    up with the log (which finishes what an outage or a crash left), and index once more
    the concerts Elasticsearch rejected before.

    Idempotent: a step already done is a no-op, and documents carry their version.
    """
    states = app.saga.pending(due_only=due_only)
    if concert_ids is not None:
        wanted = set(concert_ids)
        states = [s for s in states if s.concert_id in wanted]
    ids = [s.concert_id for s in states]
    for state in states:
        if state.pending_step == "geocode":
            located = geocode_concert(app.concerts, app.locator, state.concert_id,
                                      {"resumed": True})
            app.saga.report(state.concert_id, version=located.concert.version,
                            geocoded=located.done,
                            error=f"geocode: {located.error}" if located.error else None)
    kill_point("resume")  # geocoded, not yet persisted or indexed
    catch_up(app.write_model, app.store)
    if ids:
        _index(app, ids)
    versions = app.saga.versions(ids)
    indexed = sum(1 for version, indexed_version in versions.values()
                  if indexed_version >= version)
    pending = app.saga.pending()
    tried = set(ids)
    return {
        "attempted": len(ids),
        "indexed": indexed,
        "index_failed": len(ids) - indexed,
        "still_pending": len(pending),
        # Of those tried: what is still pending, and why (the first reason).
        "tried_still_pending": sum(1 for s in pending if s.concert_id in tried),
        "reason": next((s.last_error for s in pending if s.concert_id in tried
                        and s.last_error), None),
        # When the earliest retry falls due (`--due` only takes those whose time has come).
        "next_due": min((s.next_retry_at for s in pending if s.next_retry_at), default=None),
    }


def _index(app, ids: list[str]) -> None:
    """Catch the read model up; then send again the concerts still not indexed at their
    version (Elasticsearch rejected them once: a fixed mapping may take them now)."""
    try:
        catch_up(app.read_model, app.store)
    except ReadModelUnavailable as exc:
        logger.warning("Elasticsearch unavailable: %s", exc)
        app.saga.report_indexed({}, dict.fromkeys(ids, str(exc)))
        return
    behind = [concert_id for concert_id, (version, indexed_version)
              in app.saga.versions(ids).items() if indexed_version < version]
    if behind:
        app.read_model.index_concerts(behind)
    app.read_model.refresh()
