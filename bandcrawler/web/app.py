"""The Starlette application: routes, static files (ours and Leaflet's), headers, errors."""

from __future__ import annotations

import logging
from importlib import resources

import xstatic.pkg.leaflet as leaflet
import xstatic.pkg.leaflet_markercluster as markercluster
from elasticsearch import ApiError, TransportError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.web import api, feeds, pages
from bandcrawler.web.params import BadRequest
from bandcrawler.web.settings import WebSettings

logger = logging.getLogger(__name__)


def create_app(app: Bandcrawler, web: WebSettings | None = None) -> ASGIApp:
    """The web front end over `app`'s read model (the caller closes `app`)."""
    web = web or WebSettings()
    static = StaticFiles(directory=str(resources.files("bandcrawler.web") / "static"))
    routes = [
        Route("/", pages.index, methods=["GET", "HEAD"]),
        Route("/concerts/{concert_id}", pages.concert, methods=["GET", "HEAD"]),
        Route("/concerts/{concert_id}/calendar.ics", feeds.concert_calendar,
              methods=["GET", "HEAD"]),
        Route("/calendar.ics", feeds.search_calendar, methods=["GET", "HEAD"]),
        Route("/bands/{band_id}/calendar.ics", feeds.band_calendar_ics, methods=["GET", "HEAD"]),
        Route("/watches/{name}/calendar.ics", feeds.watch_calendar_ics, methods=["GET", "HEAD"]),
        Route("/watches/{name}/feed.atom", feeds.watch_feed_atom, methods=["GET", "HEAD"]),
        Route("/changes.atom", feeds.changes_atom, methods=["GET", "HEAD"]),
        Route("/api/concerts", api.concerts, methods=["GET", "HEAD"]),
        Route("/api/concerts.geojson", api.geojson, methods=["GET", "HEAD"]),
        Route("/api/concerts/{concert_id}", api.concert, methods=["GET", "HEAD"]),
        Mount("/static/leaflet", StaticFiles(directory=leaflet.BASE_DIR)),
        Mount("/static/markercluster", StaticFiles(directory=markercluster.BASE_DIR)),
        Mount("/static", static),
    ]
    handlers = {BadRequest: _bad_request, HTTPException: _http_error,
                ApiError: _backend_error, TransportError: _backend_error,
                Exception: _internal_error}
    starlette = Starlette(routes=routes, exception_handlers=handlers)  # type: ignore[arg-type]
    starlette.state.app = app
    starlette.state.web = web
    # Outside Starlette's own error middleware, so that a 500 carries the headers too.
    return SecurityHeaders(starlette, csp=web.content_security_policy)


class SecurityHeaders:
    """Adds the CSP and its companions to every answer, errors and static files included."""

    def __init__(self, app: ASGIApp, csp: str):
        self.app = app
        self.headers = [(b"content-security-policy", csp.encode()),
                        (b"x-content-type-options", b"nosniff"),
                        (b"x-frame-options", b"DENY"),
                        # OpenStreetMap's tile policy asks for a Referer.
                        (b"referrer-policy", b"strict-origin-when-cross-origin")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)


def _error(request: Request, status: int, reason: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": reason}, status_code=status)
    if request.url.path.startswith("/static/"):
        return PlainTextResponse(reason + "\n", status_code=status)
    return pages.error_page(request, status, reason)


async def _bad_request(request: Request, exc: Exception) -> Response:
    return _error(request, 400, str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    reason = exc.detail if exc.status_code != 404 else "not found"
    return _error(request, exc.status_code, str(reason))


async def _backend_error(request: Request, exc: Exception) -> Response:
    # The exception may name the cluster's address: it stays in the server's own log.
    logger.warning("search backend failed for %s: %s", request.url.path, type(exc).__name__)
    return _error(request, 503, "the concert index is not available; try again shortly")


async def _internal_error(request: Request, exc: Exception) -> Response:
    logger.error("internal error for %s: %s", request.url.path, type(exc).__name__)
    return _error(request, 500, "internal error")
