"""A misbehaving HTTP proxy in front of a real server: passes, refuses, throttles or stalls."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bandcrawler.demo.devserver import QuietHandler, serving


@dataclass
class Faults:
    """What the proxy does to the next requests; change it while the crawl runs.

    mode: "pass", "drop" (close the connection unanswered: Elasticsearch is down), "429",
    "503", or "stall" (answer after `stall_seconds`: a timeout). `only` limits the fault to
    paths containing it (e.g. "_bulk"); `budget` faults that many requests, then passes
    (None: until changed). `log` counts what happened.
    """

    mode: str = "pass"
    only: str = ""
    budget: int | None = None
    stall_seconds: float = 3.0
    log: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, mode: str, *, only: str = "", budget: int | None = None) -> None:
        with self.lock:
            self.mode, self.only, self.budget = mode, only, budget

    def decide(self, path: str) -> str:
        with self.lock:
            mode = self.mode
            if mode == "pass" or (self.only and self.only not in path):
                mode = "pass"
            elif self.budget is not None:
                if self.budget <= 0:
                    mode = self.mode = "pass"
                else:
                    self.budget -= 1
            self.log[mode] = self.log.get(mode, 0) + 1
            return mode


def faulty_proxy(target: str, faults: Faults) -> contextlib.AbstractContextManager[str]:
    """Serve a proxy to `target` on a free port; yields its URL."""
    upstream = urlsplit(target)

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            mode = faults.decide(self.path)
            if mode == "drop":
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if mode in ("429", "503"):
                payload = (b'{"error":{"type":"es_rejected_execution_exception",'
                           b'"reason":"injected"},"status":' + mode.encode() + b"}")
                self.send_response(int(mode))
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            if mode == "stall":
                time.sleep(faults.stall_seconds)
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
            finally:
                conn.close()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815

    return serving(Handler)
