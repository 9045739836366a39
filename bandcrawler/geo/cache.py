"""Persistent geocoder cache in the `geocode_cache` table, keyed by provider and query."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from bandcrawler.geo.model import GeoResult
from bandcrawler.store.tables import geocode_cache

_QUERY_LIMIT: int = getattr(geocode_cache.c.query.type, "length", None) or 500
_PROVIDER_LIMIT: int = getattr(geocode_cache.c.provider.type, "length", None) or 50
_SPACES = re.compile(r"\s+")
_COMMA = re.compile(r"\s*,\s*")


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
    results and "not found"; transient failures are never stored."""

    def __init__(self, engine: Engine, provider: str) -> None:
        self.engine = engine
        self.provider = _fit(provider, _PROVIDER_LIMIT)

    def get(self, query_key: str) -> CachedAnswer | None:
        """The cached answer for `query_key`, or None when it was never asked."""
        table = geocode_cache
        statement = select(table).where(
            table.c.provider == self.provider, table.c.query == normalize_query(query_key)
        )
        with self.engine.connect() as conn:
            row = conn.execute(statement).first()
        if row is None:
            return None
        if not row.found:
            return CachedAnswer(None)
        return CachedAnswer(
            GeoResult(row.latitude, row.longitude, row.precision, row.timezone, row.country)
        )

    def put(self, query_key: str, result: GeoResult | None) -> None:
        """Remember `result` (None: not found). The first writer wins a race."""
        values = {
            "provider": self.provider,
            "query": normalize_query(query_key),
            "found": result is not None,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if result is not None:
            values.update(
                latitude=result.latitude, longitude=result.longitude,
                precision=result.precision, timezone=result.timezone, country=result.country,
            )
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(geocode_cache).values(**values))
        except IntegrityError:
            pass  # another process cached the same query first; its answer is as good
