"""What every band-source spider shares: which bands to crawl, and counting rejected input."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import scrapy

from bandcrawler.app import Bandcrawler
from bandcrawler.config import Config
from bandcrawler.extract import Rejected
from bandcrawler.services.bands import BandView, list_bands


class BandSourceSpider(scrapy.Spider):
    """Crawls the sources of kind `source_kind` of every registered band (`-a band=NAME`
    limits it to one)."""

    source_kind = ""

    def __init__(self, *args: Any, band: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.band_name = band

    def bands(self) -> list[BandView]:
        app = Bandcrawler(Config.from_settings(self.settings))
        try:
            found = list_bands(app.store, kind=self.source_kind, name=self.band_name)
        finally:
            app.close()
        if not found:
            self.logger.warning("No registered band has a %s source%s", self.source_kind,
                                f" and the name {self.band_name!r}" if self.band_name else "")
        return found

    def emit(self, results: Iterable[dict | Rejected], band: BandView, url: str):
        """Items for the pipelines; rejected input is logged and counted, never raised."""
        for result in results:
            if isinstance(result, Rejected):
                self.crawler.stats.inc_value(f"bandcrawler/dropped/{result.reason}")
                self.logger.warning("Dropped from %s: %s (%s)", url, result.reason,
                                    result.detail)
                continue
            yield {**result, "band_id": band.band_id, "band": band.name}
