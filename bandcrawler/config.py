"""The application's configuration, read once from Scrapy settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # importing Scrapy costs the command line more than it needs to start
    from scrapy.settings import Settings


class SettingsLike(Protocol):
    """Scrapy settings, or the plain dict of `command_settings`."""

    def get(self, name: str, default: Any = None, /) -> Any: ...


class ConfigError(ValueError):
    """A setting has a value that cannot work; the message says which and why."""


# Items the item pipelines may hold at once before downloads wait (ItemBackpressure): two of
# the pipelines' largest batches (500), so every step still gets full batches.
MAX_ITEMS_IN_FLIGHT = 1000


@dataclass(frozen=True)
class Config:
    database_url: str
    elasticsearch_url: str
    index_alias: str = "concerts"
    geocoder: str = "offline"
    geocoder_options: dict[str, Any] = field(default_factory=dict)
    geocoder_min_delay: float = 1.0
    geocoder_miss_ttl: float = 86_400.0
    user_agent: str = "bandcrawler"
    es_api_key: str | None = field(default=None, repr=False)
    es_username: str | None = None
    es_password: str | None = field(default=None, repr=False)
    es_ca_certs: str | None = None
    es_timeout: float = 10.0
    bulk_max_docs: int = 500
    bulk_max_age: float = 5.0
    project_inline: bool = True
    log_level: str = "INFO"
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "bandcrawler@localhost"
    smtp_ca_certs: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    notify_timeout: float = 10.0
    notify_retry_seconds: float = 60.0
    recurrence_horizon_months: int = 18  # how far ahead a repeating iCal event is expanded
    max_items_in_flight: int = MAX_ITEMS_IN_FLIGHT  # crawls: see ItemBackpressure
    retry_after_max: float = 300.0  # crawls: the longest HTTP 429 Retry-After waited out

    @classmethod
    def from_settings(cls, settings: SettingsLike) -> Config:
        """From Scrapy settings, or any mapping of setting names (`command_settings`)."""
        options = _text(settings, "BANDCRAWLER_GEOCODER_OPTIONS") or {}
        if isinstance(options, str):
            try:
                options = json.loads(options)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"BANDCRAWLER_GEOCODER_OPTIONS is not JSON: {exc}") from None
        if not isinstance(options, dict):
            raise ConfigError("BANDCRAWLER_GEOCODER_OPTIONS must be a JSON object, e.g. "
                              '{"domain": "nominatim.example.org"}')
        return cls(
            database_url=_text(settings, "BANDCRAWLER_DATABASE_URL"),
            elasticsearch_url=_text(settings, "ELASTICSEARCH_URL"),
            index_alias=_text(settings, "BANDCRAWLER_INDEX", "concerts"),
            geocoder=_text(settings, "BANDCRAWLER_GEOCODER", "offline"),
            geocoder_options=dict(options),
            geocoder_min_delay=_number(settings, "BANDCRAWLER_GEOCODER_MIN_DELAY", float, 1.0),
            geocoder_miss_ttl=_number(settings, "BANDCRAWLER_GEOCODER_MISS_TTL", float,
                                      86_400.0),
            user_agent=_text(settings, "USER_AGENT"),
            es_api_key=_text(settings, "ELASTICSEARCH_API_KEY"),
            es_username=_text(settings, "ELASTICSEARCH_USERNAME"),
            es_password=_text(settings, "ELASTICSEARCH_PASSWORD"),
            es_ca_certs=_text(settings, "ELASTICSEARCH_CA_CERTS"),
            es_timeout=_number(settings, "ELASTICSEARCH_TIMEOUT", float, 10.0, minimum=0.001),
            bulk_max_docs=_number(settings, "BANDCRAWLER_BULK_MAX_DOCS", int, 500, minimum=1),
            bulk_max_age=_number(settings, "BANDCRAWLER_BULK_MAX_AGE", float, 5.0),
            project_inline=_flag(settings, "BANDCRAWLER_PROJECT_INLINE", True),
            log_level=str(_text(settings, "LOG_LEVEL", "INFO")).upper(),
            smtp_url=settings.get("BANDCRAWLER_SMTP_URL") or None,
            mail_from=settings.get("BANDCRAWLER_MAIL_FROM") or "bandcrawler@localhost",
            smtp_ca_certs=settings.get("BANDCRAWLER_SMTP_CA_CERTS") or None,
            webhook_secret=settings.get("BANDCRAWLER_WEBHOOK_SECRET") or None,
            notify_timeout=_number(settings, "BANDCRAWLER_NOTIFY_TIMEOUT", float, 10.0,
                                   minimum=0.001),
            notify_retry_seconds=_number(settings, "BANDCRAWLER_NOTIFY_RETRY_SECONDS", float,
                                         60.0),
            recurrence_horizon_months=recurrence_horizon(settings),
            max_items_in_flight=max_items_in_flight(settings),
            retry_after_max=retry_after_max(settings),
        )


def recurrence_horizon(settings: SettingsLike) -> int:
    """BANDCRAWLER_RECURRENCE_HORIZON_MONTHS: whole months, 0 or more."""
    value = _number(settings, "BANDCRAWLER_RECURRENCE_HORIZON_MONTHS", float, 18)
    if value != int(value):
        raise ConfigError(f"BANDCRAWLER_RECURRENCE_HORIZON_MONTHS must be whole months, "
                          f"got {value!r}")
    return int(value)


def max_items_in_flight(settings: SettingsLike) -> int:
    """BANDCRAWLER_MAX_ITEMS_IN_FLIGHT: a whole number, 0 or more (0: no limit)."""
    return _number(settings, "BANDCRAWLER_MAX_ITEMS_IN_FLIGHT", int, MAX_ITEMS_IN_FLIGHT)


def retry_after_max(settings: SettingsLike) -> float:
    """BANDCRAWLER_RETRY_AFTER_MAX: seconds, 0 or more."""
    return _number(settings, "BANDCRAWLER_RETRY_AFTER_MAX", float, 300.0)


def _text(settings: SettingsLike, name: str, default: Any = None) -> Any:
    """A setting's value; an empty one (`NAME=` in the environment or `-s NAME=`) is not
    set, so it takes the default rather than meaning "" (an alias of "" searches every
    index)."""
    value = settings.get(name)
    return default if value is None or value == "" else value


def _number(settings: SettingsLike, name: str, kind: type, default: float,
            minimum: float = 0) -> Any:
    """A numeric setting, or a ConfigError naming it (settings may come from the environment
    as text)."""
    value = _text(settings, name, default)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not number >= minimum:  # also rejects NaN
        raise ConfigError(f"{name} must be at least {minimum}, got {value!r}")
    return number


def _flag(settings: SettingsLike, name: str, default: bool) -> bool:
    """A true/false setting (true/false, 1/0; empty: the default), or a ConfigError."""
    value = _text(settings, name, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """bandcrawler's Scrapy settings, wherever the command runs from."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("bandcrawler.settings", priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def command_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The same settings as `project_settings` for what Config reads, without importing
    Scrapy: the `bandcrawler` command starts in a fraction of the time."""
    from bandcrawler import settings as module

    values = {name: getattr(module, name) for name in dir(module) if name.isupper()}
    values.update(overrides or {})
    # Scrapy's `get` answers the default for a setting that is None; so does this.
    return {name: value for name, value in values.items() if value is not None}
