"""Band websites with schema.org events (JSON-LD or microdata), following "next" pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from bandcrawler.extract.jsonld import next_page_urls, parse_events
from bandcrawler.spiders.base import BandSourceSpider


class JsonLdSpider(BandSourceSpider):
    name = "jsonld"
    source_kind = "website"

    async def start(self):
        for band in self.bands():
            for url in band.sources["website"]:
                yield self.band_request(url, band, self.parse_page)

    def parse_page(self, response, band):
        self.crawler.stats.inc_value("bandcrawler/pages")
        yield from self.emit(parse_events(response.body, response.url), band, response.url)
        site = urlsplit(response.url).netloc
        for url in next_page_urls(response.body, response.url):
            if urlsplit(url).netloc == site:  # pagination stays within the band's site
                yield self.band_request(response.urljoin(url), band, self.parse_page)
