"""Validate: clean an extracted item, or drop it with a reason counted in the crawl stats."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from bandcrawler.pipelines.context import ContextPipeline
from bandcrawler.services.validation import InvalidItem, clean_item

logger = logging.getLogger(__name__)


class ValidatePipeline(ContextPipeline):
    async def process_item(self, item):
        try:
            cleaned = clean_item(item)
        except InvalidItem as exc:
            self.context.count(f"bandcrawler/dropped/{exc.reason}")
            raise DropItem(f"invalid item ({exc})") from None
        item.clear()
        item.update(cleaned)
        self.context.count("bandcrawler/items/valid")
        return item
