"""The JSON API: concerts (paged with search_after), one concert, GeoJSON for the map."""

from __future__ import annotations

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bandcrawler.web.caching import conditional, last_modified
from bandcrawler.web.params import check_no_params
from bandcrawler.web.present import api_concert, feature
from bandcrawler.web.search import concert_document, query_string, run_search

JSON = "application/json"


def concerts(request: Request) -> Response:
    answer = run_search(request)
    following = answer.next_params
    body = {
        "concerts": [api_concert(hit) for hit in answer.hits],
        "next": None if following is None else {
            "search_after": following["search_after"],
            "url": "/api/concerts?" + query_string(following)},
    }
    return _json(request, body, [h.source for h in answer.hits])


def concert(request: Request) -> Response:
    check_no_params(request.query_params)
    doc = concert_document(request)
    if doc is None:
        raise HTTPException(404)
    return _json(request, doc, [doc])


def geojson(request: Request) -> Response:
    answer = run_search(request, default_limit=1000)
    features = [f for f in (feature(hit) for hit in answer.hits) if f is not None]
    body = {"type": "FeatureCollection", "features": features}
    return _json(request, body, [h.source for h in answer.hits], "application/geo+json")


def _json(request: Request, body: object, docs: list[dict], media_type: str = JSON
          ) -> Response:
    encoded = orjson.dumps(body)
    return conditional(request, encoded, media_type, last_modified(docs))
