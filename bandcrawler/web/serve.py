"""Run the web front end under uvicorn until interrupted."""

from __future__ import annotations

import socket

import uvicorn

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import ConfigError
from bandcrawler.web.app import create_app
from bandcrawler.web.settings import WebSettings


def serve_forever(app: Bandcrawler, web: WebSettings, host: str, port: int) -> None:
    _check_free(host, port)
    if app.config.geocoder == "offline":
        # Load the GeoNames index now, not in the first "near" request (seconds); an online
        # geocoder is never called before a user asks.
        app.locator.locate_place("Paris")
    print(f"bandcrawler web page at http://{_display(host)}:{port}/ (Ctrl+C stops it)",
          flush=True)
    config = uvicorn.Config(create_app(app, web), host=host, port=port, log_level="warning",
                            access_log=False, server_header=False, proxy_headers=True)
    uvicorn.Server(config).run()


def _check_free(host: str, port: int) -> None:
    """One line now rather than uvicorn's log line and exit later."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _display(host: str) -> str:
    return f"[{host}]" if ":" in host else host
