"""The application's configuration, read once from Scrapy settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from scrapy.settings import BaseSettings, Settings


class ConfigError(ValueError):
    """A setting has a value that cannot work; the message says which and why."""


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

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Config:
        options = settings.get("BANDCRAWLER_GEOCODER_OPTIONS") or {}
        if isinstance(options, str):
            try:
                options = json.loads(options)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"BANDCRAWLER_GEOCODER_OPTIONS is not JSON: {exc}") from None
        if not isinstance(options, dict):
            raise ConfigError("BANDCRAWLER_GEOCODER_OPTIONS must be a JSON object, e.g. "
                              '{"domain": "nominatim.example.org"}')
        return cls(
            database_url=settings.get("BANDCRAWLER_DATABASE_URL"),
            elasticsearch_url=settings.get("ELASTICSEARCH_URL"),
            index_alias=settings.get("BANDCRAWLER_INDEX", "concerts"),
            geocoder=settings.get("BANDCRAWLER_GEOCODER", "offline"),
            geocoder_options=dict(options),
            geocoder_min_delay=_number(settings, "BANDCRAWLER_GEOCODER_MIN_DELAY", float, 1.0),
            geocoder_miss_ttl=_number(settings, "BANDCRAWLER_GEOCODER_MISS_TTL", float,
                                      86_400.0),
            user_agent=settings.get("USER_AGENT"),
            es_api_key=settings.get("ELASTICSEARCH_API_KEY"),
            es_username=settings.get("ELASTICSEARCH_USERNAME"),
            es_password=settings.get("ELASTICSEARCH_PASSWORD"),
            es_ca_certs=settings.get("ELASTICSEARCH_CA_CERTS"),
            es_timeout=_number(settings, "ELASTICSEARCH_TIMEOUT", float, 10.0, minimum=0.001),
            bulk_max_docs=_number(settings, "BANDCRAWLER_BULK_MAX_DOCS", int, 500, minimum=1),
            bulk_max_age=_number(settings, "BANDCRAWLER_BULK_MAX_AGE", float, 5.0),
            project_inline=_flag(settings, "BANDCRAWLER_PROJECT_INLINE", True),
            log_level=str(settings.get("LOG_LEVEL") or "INFO").upper(),
        )


def _number(settings: BaseSettings, name: str, kind: type, default: float,
            minimum: float = 0) -> Any:
    """A numeric setting, or a ConfigError naming it (settings may come from the environment
    as text)."""
    value = settings.get(name, default)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not number >= minimum:  # also rejects NaN
        raise ConfigError(f"{name} must be at least {minimum}, got {value!r}")
    return number


def _flag(settings: BaseSettings, name: str, default: bool) -> bool:
    """A true/false setting, or a ConfigError naming it."""
    try:
        return settings.getbool(name, default)
    except ValueError:
        raise ConfigError(f"{name} must be true or false, got {settings.get(name)!r}") from None


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """bandcrawler's Scrapy settings, wherever the command runs from."""
    settings = Settings()
    settings.setmodule("bandcrawler.settings", priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings
