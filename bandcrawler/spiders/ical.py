"""Bands' iCalendar feeds: one request per feed URL, one item per VEVENT."""

from __future__ import annotations

from bandcrawler.config import recurrence_horizon
from bandcrawler.extract.ical import parse_events
from bandcrawler.spiders.base import BandSourceSpider


class IcalSpider(BandSourceSpider):
    name = "ical"
    source_kind = "ical"

    async def start(self):
        for band in self.bands():
            for url in band.sources["ical"]:
                yield self.band_request(url, band, self.parse_feed)

    def parse_feed(self, response, band):
        self.crawler.stats.inc_value("bandcrawler/feeds")
        horizon = recurrence_horizon(self.settings)
        yield from self.emit(parse_events(response.body, response.url, horizon_months=horizon),
                             band, response.url)
