"""Builds the Elasticsearch client every search component uses."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import Elasticsearch

try:  # orjson encodes and decodes several times faster than the json module
    from elasticsearch.serializer import OrjsonSerializer
except ImportError:  # pragma: no cover - orjson not installed
    OrjsonSerializer = None  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)

# The client retries a failed request at once (no backoff) on another try of the
# same node. Keep that short, and not on 429: "too many requests" wants a pause,
# which BulkIndexer gives with exponential backoff (and it switches the client's
# own retries off for its bulk calls, so attempts never multiply).
CLIENT_MAX_RETRIES = 2
CLIENT_RETRY_ON_STATUS = (502, 503, 504)


def make_client(
    url: str,
    *,
    api_key: str | None = None,
    username: str | None = None,
    password: str | None = None,
    ca_certs: str | None = None,
    request_timeout: float = 10.0,
) -> Elasticsearch:
    """An Elasticsearch client for `url`, with API-key or basic auth when given."""
    kwargs: dict = {
        "request_timeout": request_timeout,
        "max_retries": CLIENT_MAX_RETRIES,
        "retry_on_status": CLIENT_RETRY_ON_STATUS,
        "retry_on_timeout": True,
    }
    if OrjsonSerializer is not None:
        # Request bodies (bulk documents) and responses (a bulk answers one item per
        # document): the CPU this saves is the dev server's, when both share the cores.
        kwargs["serializer"] = OrjsonSerializer()
    if api_key:
        kwargs["api_key"] = api_key
    elif username:
        kwargs["basic_auth"] = (username, password or "")
    if ca_certs:
        kwargs["ca_certs"] = ca_certs
    logger.debug(
        "Elasticsearch client for %s (auth: %s)",
        redact_url(url),
        "api key" if api_key else "basic" if username else "none",
    )
    return Elasticsearch(url, **kwargs)


def redact_url(url: str) -> str:
    """`url` without any user:password part, fit for logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


_ERRNO = re.compile(r"\[Errno -?\d+\]\s*([^)\]'\"]+)")


def transport_problem(exc: Exception) -> str:
    """One readable line for a failed connection: "ConnectionError: connection refused",
    not the nested urllib3 text (which repeats the host and a Python object's address)."""
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    errno = _ERRNO.search(text)
    if errno:
        detail = errno.group(1).strip().rstrip(".").lower()
    elif "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        detail = "timed out"
    else:
        detail = re.sub(r"<[^>]*object at 0x[0-9a-f]+>:?\s*", "", text)
    return f"{type(exc).__name__}: {detail}"
