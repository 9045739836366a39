"""Scrapy settings for bandcrawler; the BANDCRAWLER_*/ELASTICSEARCH_* ones may come from the
environment (the environment beats these defaults, `-s NAME=VALUE` beats the environment)."""

from __future__ import annotations

import os

BOT_NAME = "bandcrawler"
SPIDER_MODULES = ["bandcrawler.spiders"]
NEWSPIDER_MODULE = "bandcrawler.spiders"

USER_AGENT = os.environ.get(
    "BANDCRAWLER_USER_AGENT",
    "bandcrawler/0.1 (+https://github.com/bandcrawler/bandcrawler; finds where bands play)",
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
HTTPCACHE_ENABLED = False
# An event page or feed is kilobytes; Scrapy's default 1 GB would let one hostile answer hold
# the crawl's memory and parser for minutes. Bigger answers fail like any unreadable page.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = os.environ.get("BANDCRAWLER_LOG_LEVEL", "INFO")

# Pipelines, in order: validate → record → geocode → persist → index → saga.
ITEM_PIPELINES = {
    "bandcrawler.pipelines.validate.ValidatePipeline": 100,
    "bandcrawler.pipelines.record.RecordPipeline": 200,
    "bandcrawler.pipelines.geocode.GeocodePipeline": 300,
    "bandcrawler.pipelines.persist.PersistPipeline": 400,
    "bandcrawler.pipelines.index.IndexPipeline": 500,
    "bandcrawler.pipelines.saga.SagaPipeline": 600,
}

EXTENSIONS = {
    # The per-crawl runtime the pipelines share: built first, found with CrawlContext.of.
    "bandcrawler.pipelines.context.CrawlContext": 0,
    "bandcrawler.extensions.unlisting.UnlistingExtension": 500,
}

# The event store and write model: any SQLAlchemy URL. With SQLite, prefer an absolute path.
BANDCRAWLER_DATABASE_URL = os.environ.get("BANDCRAWLER_DATABASE_URL", "sqlite:///bandcrawler.db")

# The read model.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200")
ELASTICSEARCH_API_KEY = os.environ.get("ELASTICSEARCH_API_KEY")
ELASTICSEARCH_USERNAME = os.environ.get("ELASTICSEARCH_USERNAME")
ELASTICSEARCH_PASSWORD = os.environ.get("ELASTICSEARCH_PASSWORD")
ELASTICSEARCH_CA_CERTS = os.environ.get("ELASTICSEARCH_CA_CERTS")
# Numbers from the environment stay text here: Config parses them and names a bad one.
ELASTICSEARCH_TIMEOUT = os.environ.get("ELASTICSEARCH_TIMEOUT", "10")
BANDCRAWLER_INDEX = os.environ.get("BANDCRAWLER_INDEX", "concerts")
BANDCRAWLER_BULK_MAX_DOCS = os.environ.get("BANDCRAWLER_BULK_MAX_DOCS", "500")
# The read model catches up when this many concerts wait, or the oldest waited this long.
BANDCRAWLER_BULK_MAX_AGE = os.environ.get("BANDCRAWLER_BULK_MAX_AGE", "5")
# Whether crawls catch the write and read models up themselves (true), or leave that to one
# `bandcrawler follow` process (false: crawls only record and geocode).
BANDCRAWLER_PROJECT_INLINE = os.environ.get("BANDCRAWLER_PROJECT_INLINE", "true")

# Tour-date APIs. The app id is a secret: it is never logged.
BANDSINTOWN_API_URL = os.environ.get("BANDSINTOWN_API_URL", "https://rest.bandsintown.com")
BANDSINTOWN_APP_ID = os.environ.get("BANDSINTOWN_APP_ID", "")
MUSICBRAINZ_API_URL = os.environ.get("MUSICBRAINZ_API_URL", "https://musicbrainz.org/ws/2")
# MusicBrainz asks for a User-Agent with a way to contact the operator.
MUSICBRAINZ_CONTACT = os.environ.get("MUSICBRAINZ_CONTACT", "bandcrawler@example.org")

# Geocoding: "offline" (GeoNames, no network) or any geopy service name ("nominatim", ...),
# with its options as JSON, e.g. '{"domain": "nominatim.example.org"}'.
BANDCRAWLER_GEOCODER = os.environ.get("BANDCRAWLER_GEOCODER", "offline")
BANDCRAWLER_GEOCODER_OPTIONS = os.environ.get("BANDCRAWLER_GEOCODER_OPTIONS", "{}")
BANDCRAWLER_GEOCODER_MIN_DELAY = os.environ.get("BANDCRAWLER_GEOCODER_MIN_DELAY", "1.0")
# Seconds a "not found" answer stays cached before the geocoder is asked again (results are
# kept forever); within it, resume and later crawls do not ask about that place.
BANDCRAWLER_GEOCODER_MISS_TTL = os.environ.get("BANDCRAWLER_GEOCODER_MISS_TTL", "86400")
