"""`bandcrawler parse`'s input: a file read, or a URL fetched once with the crawler's User-Agent."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from bandcrawler.extract.bandsintown import public_url
from bandcrawler.search.client import redact_url

TIMEOUT_SECONDS = 30
MAX_BYTES = 20 * 1024 * 1024  # a page or feed larger than this is not one band's listing


class FetchError(Exception):
    """The source could not be read; the message is one line and holds no credentials."""


def read_source(source: str, user_agent: str | None) -> tuple[bytes, str]:
    """(body, url) of a local file or an http(s) URL; a file's url is its file:// URI."""
    if source.startswith(("http://", "https://")):
        return _fetch(source, user_agent or "bandcrawler"), source
    path = Path(source)
    try:
        return path.read_bytes()[:MAX_BYTES], path.resolve().as_uri()
    except OSError as exc:
        raise FetchError(f"cannot read {source}: {exc.strerror or exc}") from None


def _fetch(url: str, user_agent: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.read(MAX_BYTES)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{_shown(url)} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot fetch {_shown(url)}: {reason}") from None


def _shown(url: str) -> str:
    """The URL without credentials nor an API key in its query."""
    return redact_url(public_url(url))
