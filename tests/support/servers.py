"""Real local servers for the tests: static files, a request handler, noida-db Elasticsearch."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from bandcrawler.devserver import DevElasticsearch, free_port, wait_for_http

NoidaElasticsearch = DevElasticsearch
__all__ = [
    "NoidaElasticsearch",
    "elasticsearch_url_from_env",
    "free_port",
    "handler_server",
    "static_server",
    "wait_for_http",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


@contextlib.contextmanager
def _serving(handler) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def static_server(directory: Path):
    """Serve `directory` on 127.0.0.1; yields the base URL (no trailing slash)."""
    return _serving(functools.partial(_QuietHandler, directory=str(directory)))


def handler_server(handle: Callable[[http.server.BaseHTTPRequestHandler], None]):
    """Serve every request with `handle(request_handler)`; yields the base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        do_GET = do_POST = do_PUT = lambda self: handle(self)  # noqa: N815

        def log_message(self, format, *args):  # noqa: A002
            pass

    return _serving(Handler)


def elasticsearch_url_from_env() -> str | None:
    return os.environ.get("ELASTICSEARCH_URL") or None
