"""Saga: record the concert's version, whether it is located, and why a step failed."""

from __future__ import annotations

from bandcrawler.pipelines.context import ContextPipeline, is_settled, step_errors
from bandcrawler.store.saga import Report


class SagaPipeline(ContextPipeline):
    """Persisted and indexed are not reported here: the projections tell the saga, in the
    transaction that moves their checkpoint (see store/write_model.py, search/projector.py)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self._report = self.context.batcher("db", self.app.saga.report_many)

    async def process_item(self, item):
        if is_settled(item):  # complete at this version already (see RecordPipeline)
            self.context.count("bandcrawler/saga/complete")
            return item
        errors = step_errors(item)
        state = await self._report(Report(
            item["concert_id"], version=item["version"], geocoded="geocode" not in errors,
            error="; ".join(f"{step}: {error}" for step, error in errors.items()) or None,
        ))
        self.context.count(f"bandcrawler/saga/{'complete' if state.complete else 'pending'}")
        return item
