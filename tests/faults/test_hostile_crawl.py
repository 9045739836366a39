"""Scenario 5 (end to end): hostile sites through the real spider and every pipeline.

Redirect loops, redirects to another host, pages beyond DOWNLOAD_MAXSIZE, binary garbage, a
thousand-deep JSON-LD block and nasty text: the crawl finishes, the good concerts are stored
(text as given) and each bad page is counted.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, timedelta

from sqlalchemy import create_engine, select

from bandcrawler.store.tables import concerts
from tests.faults.conftest import drop_index, new_deployment, snapshot
from tests.support.servers import handler_server

NASTY = "Robert'); DROP TABLE concerts;-- 🎸 \"quoted\" %s ${x}"


def _event(n: int, name: str = "Good show", city: str = "Berlin") -> dict:
    return {"@type": "MusicEvent", "@id": f"/hostile/{n}", "name": name,
            "startDate": f"{date.today() + timedelta(days=30 + n)}T20:00",
            "location": {"@type": "Place", "name": f"Hall {n}",
                         "address": {"addressLocality": city, "addressCountry": "DE"}}}


def _page(data, links: str = "") -> bytes:
    script = json.dumps(data).replace("</", "<\\/")
    return (f'<html><head>{links}<script type="application/ld+json">{script}</script>'
            "</head><body></body></html>").encode()


def _site(other_host: str):
    pages = {
        "/tour": _page([_event(1), _event(2, NASTY)], '<link rel="next" href="/tour2">'),
        "/tour2": _page([_event(3)], '<link rel="next" href="/deep">'),
        "/deep": b'<script type="application/ld+json">' + b"[" * 50_000 + b"]" * 50_000
                 + b"</script>" + _page([_event(4)]),
        "/garbage": bytes(range(256)) * 200,
        "/huge": b"<html>" + b"x" * 3_000_000,
        "/moved": _page([_event(5, "Moved show")]),
    }
    redirects = {"/loop1": "/loop2", "/loop2": "/loop1", "/away": f"{other_host}/moved"}

    def handle(request):
        path = request.path.split("?")[0]
        if path in redirects:
            request.send_response(302)
            request.send_header("Location", redirects[path])
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        body = pages.get(path)
        if path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
        if body is None:
            request.send_error(404)
            return
        request.send_response(200)
        request.send_header("Content-Type", "application/octet-stream" if path == "/garbage"
                            else "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handle, pages



def _stat(crawl, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", crawl.stderr)
    return int(found.group(1)) if found else 0


def test_a_hostile_site_costs_only_its_bad_pages(tmp_path, es_url):
    deployment = new_deployment(tmp_path, es_url)
    with handler_server(lambda r: other(r)) as other_url:
        other, _ = _site(other_url)
        handle, _ = _site(other_url)
        with handler_server(handle) as url:
            deployment.bandcrawler("band", "add", "Hostile", *[
                a for path in ("/tour", "/loop1", "/away", "/garbage", "/huge")
                for a in ("--website", url + path)])
            crawl = deployment.run(
                sys.executable, "-m", "scrapy", "crawl", "jsonld", "-s", "DOWNLOAD_DELAY=0",
                "-s", "BANDCRAWLER_BULK_MAX_AGE=1", "-s", "DOWNLOAD_MAXSIZE=1000000",
                "-s", "REDIRECT_MAX_TIMES=5", timeout=120)
    try:
        state = snapshot(deployment)
        titles = sorted(r["title"] for r in state["concerts"].values())
        assert titles == sorted(["Good show", NASTY, "Good show", "Good show", "Moved show"])
        engine = create_engine(deployment.env["BANDCRAWLER_DATABASE_URL"])
        with engine.connect() as conn:
            stored = conn.execute(select(concerts.c.title).where(
                concerts.c.title == NASTY)).scalar_one()
        engine.dispose()
        assert stored == NASTY  # a bound parameter, never SQL
        assert {d["title"] for _, d in state["documents"].values()} >= {NASTY, "Moved show"}
        assert _stat(crawl, "bandcrawler/dropped/broken_jsonld") == 1
        assert _stat(crawl, "bandcrawler/source_errors/website") >= 2  # the loop, the huge page
        assert "Traceback" not in crawl.stderr
    finally:
        drop_index(deployment)
