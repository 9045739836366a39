"""Saga: record how far the concert got, and why a step is pending."""

from __future__ import annotations

from bandcrawler.pipelines.context import ContextPipeline, is_settled, step_outcomes
from bandcrawler.store.saga import Report


class SagaPipeline(ContextPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._report = self.context.batcher("db", self.app.saga.report_many)

    async def process_item(self, item):
        if is_settled(item):  # complete at this version already (see RecordPipeline)
            self.context.count("bandcrawler/saga/complete")
            return item
        steps = step_outcomes(item)
        errors = [f"{step}: {error}" for step, error in steps.items()
                  if error and error != "buffered"]
        state = await self._report(Report(
            item["concert_id"], version=item["version"],
            geocoded=steps.get("geocode") is None,
            persisted_version=item["version"] if steps.get("persist") is None else None,
            error="; ".join(errors) or None,
        ))
        self.context.count(f"bandcrawler/saga/{'complete' if state.complete else 'pending'}")
        return item
