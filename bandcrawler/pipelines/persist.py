"""Persist: catch the write model up with the event store (one catch-up serves a batch)."""

from __future__ import annotations

import logging

from bandcrawler.pipelines.context import ContextPipeline, is_settled, step_errors
from bandcrawler.services.projections import catch_up

logger = logging.getLogger(__name__)


class PersistPipeline(ContextPipeline):
    """The write model reports what it persisted to the saga itself, in the transaction that
    moves its checkpoint; an item only carries the reason when the catch-up failed. With
    BANDCRAWLER_PROJECT_INLINE=false the crawl leaves this to `bandcrawler follow`."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self._catch_up = self.context.batcher("db", self._catch_up_for)

    def _catch_up_for(self, concert_ids: list[str]) -> list[str | None]:
        try:
            catch_up(self.app.write_model, self.app.store)
        except Exception as exc:
            logger.exception("Write model update failed for %d concert(s)", len(concert_ids))
            return [f"{type(exc).__name__}: {exc}"[:300]] * len(concert_ids)
        return [None] * len(concert_ids)

    async def process_item(self, item):
        if is_settled(item) or not self.context.project_inline:
            return item
        error = await self._catch_up(item["concert_id"])
        if error:
            step_errors(item)["persist"] = error
        return item
