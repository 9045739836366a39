"""Helpers for the alert tests: listings recorded and located, local SMTP and webhook sinks."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bandcrawler.demo.devserver import free_port
from bandcrawler.domain.concert import listing_from
from bandcrawler.geo.model import GeoResult
from bandcrawler.services.concerts import geocode_concert, record_listing
from bandcrawler.services.validation import clean_item
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.repository import ConcertRepository

META = {"spider": "test", "source_url": "https://velvet.example/tour"}
CITIES = {"Paris": GeoResult(48.8566, 2.3522, "city", "Europe/Paris", "FR"),
          "Versailles": GeoResult(48.8049, 2.1204, "city", "Europe/Paris", "FR"),
          "Berlin": GeoResult(52.52, 13.405, "city", "Europe/Berlin", "DE"),
          "Lyon": GeoResult(45.764, 4.8357, "city", "Europe/Paris", "FR")}


class CityLocator:
    """Answers from CITIES; the place a concert names is found, as the offline geocoder
    would."""

    def locate(self, *, city=None, region=None, country=None, address=None, venue_name=None):
        return CITIES[city]

    def timezone_at(self, latitude, longitude):
        return None


def listing(**changes: Any):
    item = {"band_id": "the-velvet-lanterns", "band": "The Velvet Lanterns", "source": "jsonld",
            "source_id": "https://velvet.example/tour#paris", "local_date": "2030-03-14",
            "local_time": "20:00", "venue_name": "La Cigale", "venue_city": "Paris",
            "venue_country": "FR", "title": "Live in Paris",
            "url": "https://velvet.example/tour#paris"}
    return listing_from(clean_item({**item, **changes}))


def record(store: EventStore, **changes: Any) -> str:
    """Record a listing and locate its concert; returns the concert id."""
    concerts = ConcertRepository(store)
    recorded = record_listing(concerts, listing(**changes), META)
    geocode_concert(concerts, CityLocator(), recorded.concert_id, META)
    return recorded.concert_id


class WebhookSink:
    """A real HTTP server on 127.0.0.1 that keeps what it is sent; `status`, `delay` and
    `answer_bytes` make it hostile."""

    def __init__(self, status: int = 200, delay: float = 0.0, answer_bytes: int = 2):
        self.received: list[dict[str, Any]] = []
        self.status, self.delay, self.answer_bytes = status, delay, answer_bytes
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sink.received.append({"headers": dict(self.headers), "body": body,
                                      "path": self.path})
                time.sleep(sink.delay)
                self.send_response(sink.status)
                self.send_header("Content-Length", str(sink.answer_bytes))
                self.end_headers()
                try:
                    remaining = sink.answer_bytes
                    while remaining > 0:
                        chunk = min(remaining, 1 << 16)
                        self.wfile.write(b"x" * chunk)
                        remaining -= chunk
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookSink:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.received]


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 with STARTTLS and AUTH (a trustme
    certificate); `messages` holds what it was sent, parsed."""

    def __init__(self, tmp_path, user: str = "alerts", password: str = "s3cret-pw"):
        import ssl

        import trustme
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        ca = trustme.CA()
        self.ca_path = str(tmp_path / "smtp-ca.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.messages: list = []
        self.received_at: list[float] = []  # time.time() of each message's arrival
        self.logins: list[str] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                from email import message_from_bytes, policy

                sink.messages.append(message_from_bytes(envelope.content,
                                                        policy=policy.default))
                sink.received_at.append(time.time())
                return "250 OK"

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode(), auth_data.password.decode()) == (user, password)
            if ok:
                sink.logins.append(auth_data.login.decode())
            return AuthResult(success=ok)

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port,
                                     tls_context=context, require_starttls=True,
                                     authenticator=authenticate, auth_require_tls=True)
        self.url = f"smtp://{user}:{password}@127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
