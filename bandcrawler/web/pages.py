"""The HTML pages: the map and list of concerts, one concert, and errors."""

from __future__ import annotations

from typing import Any

import jinja2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bandcrawler.domain.changes import describe
from bandcrawler.services.history import concert_history
from bandcrawler.web import present
from bandcrawler.web.caching import conditional, last_modified
from bandcrawler.web.params import STATUSES, check_no_params
from bandcrawler.web.search import concert_document, query_string, run_search

HTML = "text/html; charset=utf-8"
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("bandcrawler.web", "templates"),
    autoescape=True,  # every text from a source is escaped, in text and in attributes
    trim_blocks=True, lstrip_blocks=True)
TEMPLATES.globals.update(
    safe_url=present.safe_url, short=present.short, marks=present.marks, when=present.when,
    place=present.place, statuses=STATUSES, describe=describe)


def index(request: Request) -> Response:
    answer = run_search(request)
    params = dict(request.query_params)
    map_params = {k: v for k, v in params.items() if k not in ("search_after", "limit")}
    following = answer.next_params
    body = _render(
        request, "index.html", hits=answer.hits, form=params, filters=answer.search.filters,
        geojson_url="/api/concerts.geojson?" + query_string(map_params, limit="1000"),
        calendar_url="/calendar.ics?" + query_string(map_params),
        next_url=None if following is None else "/?" + query_string(following),
        paged="search_after" in params,
        whole_map_url="/?" + query_string(params, bbox=None, search_after=None))
    return conditional(request, body, HTML, last_modified([h.source for h in answer.hits]))


def concert(request: Request) -> Response:
    check_no_params(request.query_params)
    doc = concert_document(request)
    if doc is None:
        raise HTTPException(404)
    app = request.app.state.app
    history = concert_history(app.store, doc["concert_id"])
    body = _render(request, "concert.html", doc=doc, history=history)
    return conditional(request, body, HTML, last_modified([doc]))


def error_page(request: Request, status: int, reason: str) -> Response:
    body = _render(request, "error.html", status=status, reason=reason)
    return HTMLResponse(body, status_code=status)


def _render(request: Request, name: str, **context: Any) -> bytes:
    web = request.app.state.web
    return TEMPLATES.get_template(name).render(web=web, **context).encode()
