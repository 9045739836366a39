"""Persist: bring the SQLite write model up to date with the event store."""

from __future__ import annotations

import logging

from bandcrawler.pipelines.context import ContextPipeline, step_outcomes

logger = logging.getLogger(__name__)


class PersistPipeline(ContextPipeline):
    async def process_item(self, item):
        try:
            await self.context.run("db", self.app.write_model.catch_up)
        except Exception as exc:
            step_outcomes(item)["persist"] = f"{type(exc).__name__}: {exc}"[:300]
            logger.exception("Write model update failed for %s", item["concert_id"])
        else:
            step_outcomes(item)["persist"] = None
        return item
