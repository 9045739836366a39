"""Persistent geocoder cache in the `geocode_cache` table, keyed by provider and query."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select, update

from bandcrawler.geo.model import GeoResult
from bandcrawler.store.tables import geocode_cache
from bandcrawler.store.upsert import insert_or_ignore

_QUERY_LIMIT: int = getattr(geocode_cache.c.query.type, "length", None) or 500
_PROVIDER_LIMIT: int = getattr(geocode_cache.c.provider.type, "length", None) or 50
_SPACES = re.compile(r"\s+")
_COMMA = re.compile(r"\s*,\s*")
# How long a "not found" stands before the geocoder is asked again (results stand forever):
# long enough that nobody hammers a service about a place it does not know, short enough
# that a place it learns (or a venue the source corrects) is found by a later resume.
DEFAULT_MISS_TTL_SECONDS = 86_400.0


def _fit(text: str, limit: int) -> str:
    """`text`, or a prefix and a digest when it is too long for its column."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{text[: limit - 17]}#{digest}"


def normalize_query(query: str) -> str:
    """The cache key of a query: NFKC, casefolded, single spaces, ", " between parts."""
    text = unicodedata.normalize("NFKC", query).casefold()
    text = _COMMA.sub(", ", _SPACES.sub(" ", text)).strip(" ,")
    return _fit(text, _QUERY_LIMIT)


@dataclass(frozen=True)
class CachedAnswer:
    """What the geocoder answered earlier: a result, or None for "not found"."""

    result: GeoResult | None

    @property
    def found(self) -> bool:
        return self.result is not None


class GeocodeCache:
    """Answers of one provider, kept across processes. Only definitive answers go in:
    results, kept forever, and "not found", kept for `miss_ttl_seconds` (then asked again);
    transient failures are never stored."""

    def __init__(self, engine: Engine, provider: str, *,
                 miss_ttl_seconds: float = DEFAULT_MISS_TTL_SECONDS,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.provider = _fit(provider, _PROVIDER_LIMIT)
        self.miss_ttl_seconds = miss_ttl_seconds
        self.clock = clock

    def get(self, query_key: str) -> CachedAnswer | None:
        """The cached answer for `query_key`, or None when it was never asked or its
        "not found" has expired."""
        with self.engine.connect() as conn:
            row = conn.execute(select(geocode_cache).where(*self._key(query_key))).first()
        if row is None:
            return None
        if not row.found:
            return None if self._expired(row.created_at) else CachedAnswer(None)
        return CachedAnswer(
            GeoResult(row.latitude, row.longitude, row.precision, row.timezone, row.country)
        )

    def put(self, query_key: str, result: GeoResult | None) -> None:
        """Remember `result` (None: not found). The first writer wins a race; an expired
        "not found" is replaced."""
        values = {
            "provider": self.provider,
            "query": normalize_query(query_key),
            "found": result is not None,
            "created_at": self.clock().isoformat(timespec="seconds"),
            "latitude": None, "longitude": None, "precision": None, "timezone": None,
            "country": None,
        }
        if result is not None:
            values.update(
                latitude=result.latitude, longitude=result.longitude,
                precision=result.precision, timezone=result.timezone, country=result.country,
            )
        with self.engine.begin() as conn:
            if not insert_or_ignore(conn, geocode_cache, values):
                # Another process cached the same query first (its answer is as good), or
                # this is the fresh answer to an expired "not found".
                self._replace_expired_miss(conn, query_key, values)

    def _replace_expired_miss(self, conn: Connection, query_key: str,
                              values: dict[str, object]) -> None:
        found = conn.execute(select(geocode_cache.c.found, geocode_cache.c.created_at)
                             .where(*self._key(query_key))).first()
        if found is None or found.found or not self._expired(found.created_at):
            return
        conn.execute(update(geocode_cache).where(
            *self._key(query_key), geocode_cache.c.found.is_(False),
            geocode_cache.c.created_at == found.created_at).values(**values))

    def _key(self, query_key: str) -> tuple:
        return (geocode_cache.c.provider == self.provider,
                geocode_cache.c.query == normalize_query(query_key))

    def _expired(self, created_at: str) -> bool:
        try:
            created = datetime.fromisoformat(created_at)
        except ValueError:
            return True  # unreadable: ask again rather than trust it forever
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        return (self.clock() - created).total_seconds() >= self.miss_ttl_seconds
