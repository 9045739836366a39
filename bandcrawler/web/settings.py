"""The web front end's settings: the map's tile layer, and the CSP it implies."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from bandcrawler.config import ConfigError

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
OSM_COPYRIGHT = "https://www.openstreetmap.org/copyright"


@dataclass(frozen=True)
class WebSettings:
    tile_url: str = OSM_TILES
    tile_attribution: str = OSM_ATTRIBUTION
    tile_attribution_url: str = OSM_COPYRIGHT

    def __post_init__(self) -> None:
        parts = urlsplit(self.tile_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not all(
                part in self.tile_url for part in ("{z}", "{x}", "{y}")):
            raise ConfigError("BANDCRAWLER_TILE_URL must be an http(s) URL template with "
                              "{z}, {x} and {y}, e.g. " + OSM_TILES)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> WebSettings:
        return cls(tile_url=settings.get("BANDCRAWLER_TILE_URL") or OSM_TILES,
                   tile_attribution=settings.get("BANDCRAWLER_TILE_ATTRIBUTION")
                   or OSM_ATTRIBUTION,
                   tile_attribution_url=settings.get("BANDCRAWLER_TILE_ATTRIBUTION_URL")
                   or OSM_COPYRIGHT)

    @property
    def tile_origin(self) -> str:
        """The tiles' origin as a CSP source ("{s}" subdomains become a wildcard)."""
        parts = urlsplit(self.tile_url.replace("{s}", "x"))
        host = parts.netloc.replace("x.", "*.", 1) if "{s}" in self.tile_url else parts.netloc
        return f"{parts.scheme}://{host}"

    @property
    def content_security_policy(self) -> str:
        return "; ".join((
            "default-src 'none'", "script-src 'self'", "style-src 'self'",
            f"img-src 'self' data: {self.tile_origin}", "connect-src 'self'",
            "font-src 'self'", "form-action 'self'", "base-uri 'none'",
            "frame-ancestors 'none'"))
