"""Scrapy settings for bandcrawler; the BANDCRAWLER_*/ELASTICSEARCH_* ones may come from the
environment (the environment beats these defaults, `-s NAME=VALUE` beats the environment)."""

from __future__ import annotations

import os


def _env(name: str, default: str | None = None) -> str | None:
    """The environment's value of `name`: one set to the empty string (`NAME=`) is not set."""
    return os.environ.get(name) or default


BOT_NAME = "bandcrawler"
SPIDER_MODULES = ["bandcrawler.spiders"]
NEWSPIDER_MODULE = "bandcrawler.spiders"

USER_AGENT = _env(
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
LOG_LEVEL = _env("BANDCRAWLER_LOG_LEVEL", "INFO")

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
    "bandcrawler.extensions.failure_lines.FailureLinesExtension": 510,
    "bandcrawler.extensions.notify.NotifyExtension": 900,
}
# A page that could not be read is told once, by the spider, with its band (see
# BandSourceSpider._band_failed); Scrapy's own "Gave up retrying" stays in the debug log.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"

# Downloads wait while the item pipelines hold this many items (0: no limit); the longest
# Retry-After, in seconds, that a 429/503 answer is waited out for.
BANDCRAWLER_MAX_ITEMS_IN_FLIGHT = _env("BANDCRAWLER_MAX_ITEMS_IN_FLIGHT", "1000")
BANDCRAWLER_RETRY_AFTER_MAX = _env("BANDCRAWLER_RETRY_AFTER_MAX", "300")

# The event store and write model: any SQLAlchemy URL. With SQLite, prefer an absolute path.
BANDCRAWLER_DATABASE_URL = _env("BANDCRAWLER_DATABASE_URL", "sqlite:///bandcrawler.db")

# The read model.
ELASTICSEARCH_URL = _env("ELASTICSEARCH_URL", "http://127.0.0.1:9200")
ELASTICSEARCH_API_KEY = _env("ELASTICSEARCH_API_KEY")
ELASTICSEARCH_USERNAME = _env("ELASTICSEARCH_USERNAME")
ELASTICSEARCH_PASSWORD = _env("ELASTICSEARCH_PASSWORD")
ELASTICSEARCH_CA_CERTS = _env("ELASTICSEARCH_CA_CERTS")
# Numbers from the environment stay text here: Config parses them and names a bad one.
ELASTICSEARCH_TIMEOUT = _env("ELASTICSEARCH_TIMEOUT", "10")
BANDCRAWLER_INDEX = _env("BANDCRAWLER_INDEX", "concerts")
BANDCRAWLER_BULK_MAX_DOCS = _env("BANDCRAWLER_BULK_MAX_DOCS", "500")
# The read model catches up when this many concerts wait, or the oldest waited this long.
BANDCRAWLER_BULK_MAX_AGE = _env("BANDCRAWLER_BULK_MAX_AGE", "5")
# Whether crawls catch the write and read models up themselves (true), or leave that to one
# `bandcrawler follow` process (false: crawls only record and geocode).
BANDCRAWLER_PROJECT_INLINE = _env("BANDCRAWLER_PROJECT_INLINE", "true")

# Tour-date APIs. The app id is a secret: it is never logged.
BANDSINTOWN_API_URL = _env("BANDSINTOWN_API_URL", "https://rest.bandsintown.com")
BANDSINTOWN_APP_ID = _env("BANDSINTOWN_APP_ID", "")
MUSICBRAINZ_API_URL = _env("MUSICBRAINZ_API_URL", "https://musicbrainz.org/ws/2")
# MusicBrainz asks for a User-Agent with a way to contact the operator.
MUSICBRAINZ_CONTACT = _env("MUSICBRAINZ_CONTACT", "bandcrawler@example.org")

# Geocoding: "offline" (GeoNames, no network) or any geopy service name ("nominatim", ...),
# with its options as JSON, e.g. '{"domain": "nominatim.example.org"}'.
BANDCRAWLER_GEOCODER = _env("BANDCRAWLER_GEOCODER", "offline")
BANDCRAWLER_GEOCODER_OPTIONS = _env("BANDCRAWLER_GEOCODER_OPTIONS", "{}")
BANDCRAWLER_GEOCODER_MIN_DELAY = _env("BANDCRAWLER_GEOCODER_MIN_DELAY", "1.0")
# Seconds a "not found" answer stays cached before the geocoder is asked again (results are
# kept forever); within it, resume and later crawls do not ask about that place.
BANDCRAWLER_GEOCODER_MISS_TTL = _env("BANDCRAWLER_GEOCODER_MISS_TTL", "86400")

# Alerts (bandcrawler notify): e-mail through SMTP (smtp://user:pass@host:587 uses STARTTLS,
# smtps:// TLS from the start), the sender address, a CA file for a private server's
# certificate, the secret that signs webhook bodies (HMAC-SHA256), the time a channel may
# take, and the first retry's wait (doubling on each failure, at most 6 hours).
BANDCRAWLER_SMTP_URL = _env("BANDCRAWLER_SMTP_URL")
BANDCRAWLER_MAIL_FROM = _env("BANDCRAWLER_MAIL_FROM", "bandcrawler@localhost")
BANDCRAWLER_SMTP_CA_CERTS = _env("BANDCRAWLER_SMTP_CA_CERTS")
BANDCRAWLER_WEBHOOK_SECRET = _env("BANDCRAWLER_WEBHOOK_SECRET")
BANDCRAWLER_NOTIFY_TIMEOUT = _env("BANDCRAWLER_NOTIFY_TIMEOUT", "10")
BANDCRAWLER_NOTIFY_RETRY_SECONDS = _env("BANDCRAWLER_NOTIFY_RETRY_SECONDS", "60")
# Whether a crawl tells people of its changes once it has stopped.
BANDCRAWLER_NOTIFY_AT_CRAWL_END = _env("BANDCRAWLER_NOTIFY_AT_CRAWL_END", "true")
# How many months ahead a repeating iCalendar event (RRULE) gives its occurrences.
BANDCRAWLER_RECURRENCE_HORIZON_MONTHS = _env("BANDCRAWLER_RECURRENCE_HORIZON_MONTHS", "18")

# The web page's map tiles (`bandcrawler serve`): an XYZ template and its attribution.
BANDCRAWLER_TILE_URL = _env("BANDCRAWLER_TILE_URL",
                            "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
BANDCRAWLER_TILE_ATTRIBUTION = _env("BANDCRAWLER_TILE_ATTRIBUTION",
                                    "© OpenStreetMap contributors")
BANDCRAWLER_TILE_ATTRIBUTION_URL = _env("BANDCRAWLER_TILE_ATTRIBUTION_URL",
                                        "https://www.openstreetmap.org/copyright")

# Discovery and import (`bandcrawler band add/discover/import`). MusicBrainz is asked at most
# once per MUSICBRAINZ_MIN_INTERVAL seconds across a whole import.
MUSICBRAINZ_MIN_INTERVAL = _env("MUSICBRAINZ_MIN_INTERVAL", "1.0")
LISTENBRAINZ_API_URL = _env("LISTENBRAINZ_API_URL", "https://api.listenbrainz.org")

# Suspect listings: a complete crawl whose listing of a band fell to zero or shrank by more
# than this fraction since the last trusted one unlists nothing, until this many later
# crawls give the same answer.
BANDCRAWLER_SUSPECT_SHRINK = _env("BANDCRAWLER_SUSPECT_SHRINK", "0.5")
BANDCRAWLER_SUSPECT_CONFIRMATIONS = _env("BANDCRAWLER_SUSPECT_CONFIRMATIONS", "1")
