"""Use cases on the read model: rebuild it into a new index while crawls go on."""

from __future__ import annotations

from bandcrawler.search.projector import ReadModelProjector
from bandcrawler.services.projections import catch_up
from bandcrawler.store.event_store import EventStore


def reindex(read_model: ReadModelProjector, store: EventStore) -> tuple[str, int]:
    """Build a new index from the log and put it behind the alias; returns its name and how
    many documents it holds.

    1. Load every concert as of the head of the log (H0) into a new index, its checkpoint
       at H0: the state a catch-up from position 0 reaches, folded stream after stream.
    2. Catch the new index up to the head, through the runner, like any projection.
    3. Swap the alias in one atomic call, which deletes the old index.
    4. Catch up once more.

    Why no write made meanwhile is lost: live writers (a crawl's index step, `follow`) write
    through the alias. A document one of them wrote into the old index was sent before the
    swap, so the events it shows were committed before the swap, and step 4, which reads the
    log after the swap, applies them to the new index. Whatever a live writer sends after
    the swap lands in the new index itself. Live checkpoints are named after the index they
    were kept for: once a live writer finds the new index behind the alias, it goes on from
    the new index's checkpoint (replaying is harmless: documents carry their version).
    """
    builder = read_model.rebuild_into_new_index()
    catch_up(builder, store)
    read_model.swap_in(builder)
    catch_up(builder, store)
    assert builder.target is not None
    builder.index.refresh(builder.target)
    return builder.target, read_model.client.count(index=builder.target)["count"]
