"""MusicBrainz events of each band's artist id, page by page, at one request per second."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import scrapy

from bandcrawler.extract.musicbrainz import next_offset, parse_events
from bandcrawler.services.bands import BandView
from bandcrawler.spiders.base import BandSourceSpider

PAGE_SIZE = 100  # the most a MusicBrainz browse request returns
# area-rels too: an event with no place may still say which city it was held in.
INCLUDES = "place-rels+artist-rels+area-rels"
_MBID = re.compile(
    r"^(?:https?://(?:www\.)?musicbrainz\.org/artist/)?"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/?$",
    re.IGNORECASE,
)


def artist_mbid(value: str) -> str | None:
    """The artist MBID of a source value (the bare UUID or its musicbrainz.org page), else None."""
    match = _MBID.match(value.strip())
    return match.group(1).lower() if match else None


class MusicBrainzSpider(BandSourceSpider):
    """Browses `/event?artist=<mbid>` for every band with a MusicBrainz artist id.

    MusicBrainz allows one request per second per client and asks for a User-Agent naming the
    application and a contact (MUSICBRAINZ_CONTACT); above that rate it answers 503, which
    Scrapy's RetryMiddleware retries (503 is in RETRY_HTTP_CODES). One request at a time with
    a fixed delay keeps to the limit: AutoThrottle would lower the delay on a fast answer and
    a randomized delay would go below a second half of the time. A `-s` on the command line
    still overrides these (only for a local test server).
    """

    name = "musicbrainz"
    source_kind = "musicbrainz"
    custom_settings = {  # noqa: RUF012 - Scrapy's own attribute, read once per crawl
        **BandSourceSpider.custom_settings,
        "DOWNLOAD_DELAY": 1.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY_JITTER": 0,  # no random variation
        "AUTOTHROTTLE_ENABLED": False,
    }

    async def start(self):
        api = self.settings.get("MUSICBRAINZ_API_URL").rstrip("/")
        headers = {"User-Agent": self._user_agent()}
        for band in self.bands():
            for value in band.sources["musicbrainz"]:
                mbid = artist_mbid(value)
                if mbid is None:
                    self.crawler.stats.inc_value("bandcrawler/dropped/bad_mbid")
                    self.logger.warning("Not a MusicBrainz artist id for %s: %r", band.name,
                                        value)
                    continue
                yield self._page_request(api, mbid, 0, band, headers)

    def parse_page(self, response, band, api, mbid, headers):
        self.crawler.stats.inc_value("bandcrawler/pages")
        yield from self.emit(parse_events(response.body, response.url), band, response.url)
        offset = next_offset(response.body)
        if offset is not None:
            yield self._page_request(api, mbid, offset, band, headers)

    def _page_request(self, api: str, mbid: str, offset: int, band: BandView,
                      headers: dict[str, str]) -> scrapy.Request:
        query = urlencode({"artist": mbid, "fmt": "json", "inc": INCLUDES,
                           "limit": PAGE_SIZE, "offset": offset}, safe="+")
        return self.band_request(
            f"{api}/event?{query}", band, self.parse_page, headers=headers,
            cb_kwargs={"api": api, "mbid": mbid, "headers": headers},
        )

    def _user_agent(self) -> str:
        """The project's User-Agent with the operator's contact, as MusicBrainz asks."""
        user_agent = self.settings.get("USER_AGENT")
        contact = (self.settings.get("MUSICBRAINZ_CONTACT") or "").strip()
        if not contact:
            self.logger.warning("MUSICBRAINZ_CONTACT is empty: MusicBrainz may block a "
                                "client it cannot contact")
            return user_agent
        return f"{user_agent} ( {contact} )"
