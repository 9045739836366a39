"""The one search a request runs: its filters parsed, the CLI's query, the next page's link."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.geo.model import GeocodingError
from bandcrawler.search.queries import Hit, find_concert, search
from bandcrawler.web.params import BadRequest, Search, parse_search


@dataclass
class Answer:
    search: Search
    hits: list[Hit]
    next_params: dict[str, str] | None  # the query of the page after this one


def run_search(request: Request, *, default_limit: int = 20) -> Answer:
    app: Bandcrawler = request.app.state.app
    asked = parse_search(request.query_params, lambda place: _locate(app, place),
                         default_limit=default_limit)
    hits = search(app.elasticsearch, app.config.index_alias, asked.filters)
    following = None
    if len(hits) == asked.filters.limit and hits[-1].sort is not None:
        following = {**request.query_params,
                     "search_after": json.dumps(hits[-1].sort, separators=(",", ":"))}
    return Answer(asked, hits, following)


def concert_document(request: Request) -> dict | None:
    app: Bandcrawler = request.app.state.app
    concert_id = request.path_params["concert_id"]
    if len(concert_id) > 200:
        return None
    return find_concert(app.elasticsearch, app.config.index_alias, concert_id)


def query_string(params: dict[str, str], **changes: str | None) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v})


def _locate(app: Bandcrawler, place: str) -> tuple[float, float]:
    try:
        found = app.locator.locate_place(place)
    except GeocodingError:
        raise BadRequest(f"cannot place {place[:80]!r}: not found") from None
    return found.latitude, found.longitude
