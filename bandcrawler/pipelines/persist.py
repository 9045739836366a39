"""Persist: bring the SQLite write model up to date with the event store."""

from __future__ import annotations

import logging

from bandcrawler.pipelines.context import ContextPipeline, is_settled, step_outcomes

logger = logging.getLogger(__name__)


class PersistPipeline(ContextPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        # One catch-up applies every new event: one call serves a whole batch of items.
        self._catch_up = self.context.batcher("db", self._catch_up_for)

    def _catch_up_for(self, concert_ids: list[str]) -> list[int]:
        checkpoint = self.app.write_model.catch_up()
        return [checkpoint] * len(concert_ids)

    async def process_item(self, item):
        if is_settled(item):  # nothing to do (see RecordPipeline)
            return item
        try:
            await self._catch_up(item["concert_id"])
        except Exception as exc:
            step_outcomes(item)["persist"] = f"{type(exc).__name__}: {exc}"[:300]
            logger.exception("Write model update failed for %s", item["concert_id"])
        else:
            step_outcomes(item)["persist"] = None
        return item
