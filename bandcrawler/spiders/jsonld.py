"""Band websites with schema.org events (JSON-LD or microdata), following "next" pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from bandcrawler.extract.jsonld import next_page_urls, parse_events
from bandcrawler.spiders.base import BandSourceSpider

WEB_PAGE_TYPES = ("text/html", "application/xhtml+xml")


def _media_type(header: bytes | None) -> str:
    return (header or b"").decode("latin-1").split(";")[0].strip().lower()


class JsonLdSpider(BandSourceSpider):
    name = "jsonld"
    source_kind = "website"

    async def start(self):
        self._visited: set[tuple[str, str]] = set()
        for band in self.bands():
            for url in band.sources["website"]:
                if self._first_visit(band.band_id, url):
                    yield self.band_request(url, band, self.parse_page)

    def _first_visit(self, band_id: str, url: str) -> bool:
        """False for a page this band's crawl already asked for (pagination that loops)."""
        key = (band_id, url)
        if key in self._visited:
            return False
        self._visited.add(key)
        return True

    def parse_page(self, response, band):
        self.crawler.stats.inc_value("bandcrawler/pages")
        media_type = _media_type(response.headers.get("Content-Type"))
        if media_type and media_type not in WEB_PAGE_TYPES:
            # A PDF flyer, a JSON error or an image is not a listing with no events in it.
            self.source_failed(band, response.url, f"not a web page ({media_type})")
            return
        yield from self.emit(parse_events(response.body, response.url), band, response.url)
        site = urlsplit(response.url).netloc
        for url in next_page_urls(response.body, response.url):
            url = response.urljoin(url)
            # Pagination stays within the band's site and never visits a page twice.
            if urlsplit(url).netloc == site and self._first_visit(band.band_id, url):
                yield self.band_request(url, band, self.parse_page)
