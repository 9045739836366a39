"""Conditional answers: an ETag of the body and a Last-Modified, and 304 when unchanged."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response


def last_modified(docs: list[dict[str, Any]]) -> datetime | None:
    """The newest `updated_at` of the documents an answer is made of."""
    newest = None
    for doc in docs:
        try:
            stamp = datetime.fromisoformat(str(doc.get("updated_at")))
        except ValueError:
            continue
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        newest = stamp if newest is None or stamp > newest else newest
    return newest.replace(microsecond=0) if newest else None


def conditional(request: Request, body: bytes, media_type: str,
                modified: datetime | None = None, status_code: int = 200) -> Response:
    """`body` with its validators, or an empty 304 when the client already holds it."""
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if modified is not None:
        headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
    if status_code == 200 and _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status_code, media_type=media_type, headers=headers)


def _not_modified(request: Request, etag: str, modified: datetime | None) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return etag in tags or "*" in tags
    since = request.headers.get("if-modified-since")
    if since is None or modified is None:
        return False
    try:
        return modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
