"""Real local servers for the tests: static files, a request handler, noida-db Elasticsearch."""

from __future__ import annotations

import functools
import http.server
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from bandcrawler.demo.devserver import (
    DevElasticsearch,
    QuietHandler,
    free_port,
    serving,
    wait_for_http,
)

NoidaElasticsearch = DevElasticsearch
__all__ = [
    "NoidaElasticsearch",
    "elasticsearch_url_from_env",
    "free_port",
    "handler_server",
    "static_server",
    "wait_for_http",
]


class _StaticHandler(QuietHandler, http.server.SimpleHTTPRequestHandler):
    pass


def static_server(directory: Path):
    """Serve `directory` on 127.0.0.1; yields the base URL (no trailing slash)."""
    return serving(functools.partial(_StaticHandler, directory=str(directory)))  # type: ignore[arg-type]


def handler_server(handle: Callable[[http.server.BaseHTTPRequestHandler], None]):
    """Serve every request with `handle(request_handler)`; yields the base URL."""

    class Handler(QuietHandler):
        do_GET = do_POST = do_PUT = lambda self: handle(self)  # noqa: N815

    return serving(Handler)


def elasticsearch_url_from_env() -> str | None:
    return os.environ.get("ELASTICSEARCH_URL") or None


def reply(handler: http.server.BaseHTTPRequestHandler, body: bytes, content_type: str,
          status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> None:
    """Answer the request with `body`, its type and length (and any further headers)."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
