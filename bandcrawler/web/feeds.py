"""Subscribable URLs: calendars and Atom feeds, made by the services the CLI's commands use."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.feeds.atom import changes_feed
from bandcrawler.services.bands import list_bands
from bandcrawler.services.calendars import (
    band_calendar,
    concerts_calendar,
    watch_calendar,
    watch_feed,
)
from bandcrawler.services.changes import list_changes
from bandcrawler.services.watches import watch_by_token
from bandcrawler.web.caching import conditional, last_modified
from bandcrawler.web.params import BadRequest, check_no_params
from bandcrawler.web.search import concert_document, run_search

ICS = "text/calendar; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
CHANGES = 200  # entries in a changes feed


def search_calendar(request: Request) -> Response:
    answer = run_search(request, default_limit=1000)
    docs = [hit.source for hit in answer.hits]
    body = concerts_calendar(_app(request).store, docs, name="bandcrawler: search")
    return conditional(request, body, ICS, last_modified(docs))


def concert_calendar(request: Request) -> Response:
    check_no_params(request.query_params)
    doc = concert_document(request)
    if doc is None:
        raise HTTPException(404)
    body = concerts_calendar(_app(request).store, [doc], name=f"bandcrawler: {doc['band']}")
    return conditional(request, body, ICS, last_modified([doc]))


def band_calendar_ics(request: Request) -> Response:
    check_no_params(request.query_params)
    app = _app(request)
    band_id = request.path_params["band_id"]
    band = next((b for b in list_bands(app.store) if b.band_id == band_id), None)
    if band is None:
        raise HTTPException(404)
    return conditional(request, band_calendar(app.store, band.name), ICS)


def watch_calendar_ics(request: Request) -> Response:
    return conditional(request, watch_calendar(_app(request).store, _watch(request)), ICS)


def watch_feed_atom(request: Request) -> Response:
    watch = _watch(request)
    body = watch_feed(_app(request).store, watch, link=str(request.url), limit=CHANGES)
    return conditional(request, body, ATOM)


def changes_atom(request: Request) -> Response:
    check_no_params(request.query_params)
    changes = list_changes(_app(request).store, limit=CHANGES)
    body = changes_feed(changes, title="bandcrawler: changes", feed_id="urn:bandcrawler:changes",
                        link=str(request.url))
    return conditional(request, body, ATOM)


def _watch(request: Request):
    """The watch of the URL, if the token is its own; anything else is a plain 404 (a wrong
    token must not tell that the watch exists)."""
    params = request.query_params
    if set(params) - {"token"} or len(params.getlist("token")) > 1:
        raise BadRequest("a watch's URL takes only its token")
    watch = watch_by_token(_app(request).store, params.get("token") or "")
    if watch is None or watch.name != request.path_params["name"]:
        raise HTTPException(404)
    return watch


def _app(request: Request) -> Bandcrawler:
    return request.app.state.app
