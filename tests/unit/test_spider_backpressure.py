"""Specifications of ItemBackpressure: downloads wait while the item pipelines are full."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from scrapy import Request, signals
from scrapy.utils.test import get_crawler

from bandcrawler.middlewares.backpressure import MAX_ITEMS_IN_FLIGHT, ItemBackpressure
from bandcrawler.spiders.jsonld import JsonLdSpider


def middleware(limit: int | None, in_flight: int) -> ItemBackpressure:
    settings = {} if limit is None else {"BANDCRAWLER_MAX_ITEMS_IN_FLIGHT": limit}
    crawler = get_crawler(settings_dict=settings)
    slot = SimpleNamespace(itemproc_size=in_flight)
    crawler.engine = SimpleNamespace(scraper=SimpleNamespace(slot=slot))
    return ItemBackpressure.from_crawler(crawler)


async def finished_within(coroutine, seconds: float) -> bool:
    task = asyncio.ensure_future(coroutine)
    done, _ = await asyncio.wait([task], timeout=seconds)
    if not done:
        task.cancel()
    return bool(done)


async def held_request(mw) -> asyncio.Future:
    """A request that the middleware holds back (still waiting after 0.1 s)."""
    waiting = asyncio.ensure_future(mw.process_request(Request("http://a/")))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    return waiting


def test_a_request_goes_straight_on_while_the_pipelines_have_room():
    mw = middleware(limit=10, in_flight=9)

    assert asyncio.run(finished_within(mw.process_request(Request("http://a/")), 0.5))


def test_a_request_waits_while_the_pipelines_are_full_and_goes_on_when_an_item_leaves():
    mw = middleware(limit=10, in_flight=10)

    async def scenario():
        waiting = await held_request(mw)
        # Scrapy sends the signal while the finished item still counts.
        mw.crawler.signals.send_catch_log(signals.item_scraped, item={}, response=None,
                                          spider=None)
        mw.crawler.engine.scraper.slot.itemproc_size = 9
        # The signal came while the item still counted (10 <= 10): there is room now.
        assert await finished_within(waiting, 0.5)

    asyncio.run(scenario())


def test_a_request_waits_until_the_count_drops_even_without_a_signal():
    mw = middleware(limit=10, in_flight=12)

    async def scenario():
        waiting = await held_request(mw)
        mw.crawler.engine.scraper.slot.itemproc_size = 3
        assert await finished_within(waiting, 2.0)

    asyncio.run(scenario())


def test_zero_means_no_limit_and_the_default_is_two_batches():
    assert asyncio.run(finished_within(
        middleware(limit=0, in_flight=10**6).process_request(Request("http://a/")), 0.5))
    assert middleware(limit=None, in_flight=0).limit == MAX_ITEMS_IN_FLIGHT == 1000


def test_every_band_source_spider_installs_it():
    from bandcrawler.spiders.bandsintown import BandsintownSpider
    from bandcrawler.spiders.ical import IcalSpider
    from bandcrawler.spiders.musicbrainz import MusicBrainzSpider

    for spider in (JsonLdSpider, IcalSpider, BandsintownSpider, MusicBrainzSpider):
        middlewares = spider.custom_settings["DOWNLOADER_MIDDLEWARES"]
        assert "bandcrawler.middlewares.backpressure.ItemBackpressure" in middlewares, spider
