"""Serves the bundled demo band websites on 127.0.0.1, with concert dates relative to today."""

from __future__ import annotations

import contextlib
import re
from datetime import date, timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable

from bandcrawler.demo.devserver import QuietHandler, serving

_DAY_TOKEN = re.compile(rb"@@DAY([+-]\d+)@@")
_TYPES = {".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
          ".json": "application/json"}


def render(body: bytes, today: date) -> bytes:
    """Replace every @@DAY+N@@ token with the ISO date N days from `today`."""
    return _DAY_TOKEN.sub(
        lambda m: (today + timedelta(days=int(m.group(1)))).isoformat().encode(), body)


def _resource(path: str) -> Traversable | None:
    node = files("bandcrawler.demo.site")
    for part in filter(None, path.split("?")[0].split("/")):
        if part in ("..", "."):
            return None
        node = node.joinpath(part)
    return node if node.is_file() else None


class _Handler(QuietHandler):
    today: date = date.today()
    edits: dict[str, list[tuple[bytes, bytes]]] = {}  # noqa: RUF012 - each site's own copy

    def do_GET(self):  # noqa: N802 - the stdlib handler's name
        resource = _resource(self.path)
        if resource is None:
            self.send_error(404)
            return
        suffix = "." + resource.name.rsplit(".", 1)[-1]
        raw = resource.read_bytes()
        for old, new in self.edits.get(self.path.split("?")[0], ()):
            raw = raw.replace(old, new)
        body = render(raw, self.today) if suffix == ".html" else raw
        self.send_response(200)
        self.send_header("Content-Type", _TYPES.get(suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class DemoSite:
    """`with DemoSite() as site:` serves the demo on a free port; `site.url` is its base."""

    def __init__(self, today: date | None = None, port: int = 0):
        self._handler: type[_Handler] = type(
            "Handler", (_Handler,), {"today": today or date.today(), "edits": {}})
        self._port = port
        self._stack = contextlib.ExitStack()
        self.url = ""

    def __enter__(self) -> DemoSite:
        self.url = self._stack.enter_context(serving(self._handler, self._port))
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def edit(self, path: str, old: bytes, new: bytes) -> None:
        """Serve the page at `path` with `old` replaced by `new` from now on (the demo's
        change between two crawls)."""
        self._handler.edits.setdefault(path, []).append((old, new))

    @staticmethod
    def bands() -> list[dict]:
        import json

        return json.loads(files("bandcrawler.demo.site").joinpath("bands.json").read_text())
