"""Run the web front end under uvicorn until interrupted."""

from __future__ import annotations

import uvicorn

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import ConfigError
from bandcrawler.web.app import create_app
from bandcrawler.web.settings import WebSettings


def serve_forever(app: Bandcrawler, web: WebSettings, host: str, port: int) -> None:
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port must be within 0..65535, not {port}")
    print(f"bandcrawler web page at http://{_display(host)}:{port}/ (Ctrl+C stops it)",
          flush=True)
    config = uvicorn.Config(create_app(app, web), host=host, port=port, log_level="warning",
                            access_log=False, server_header=False, proxy_headers=True)
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        raise ConfigError(f"cannot listen on {host}:{port} (in use, or not an address here)")


def _display(host: str) -> str:
    return f"[{host}]" if ":" in host else host
