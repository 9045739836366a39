"""Local servers for the demo, the tests and the benchmarks: an Elasticsearch-compatible dev
server (the `noida-db` package) and HTTP servers on 127.0.0.1."""

from __future__ import annotations

import contextlib
import http.server
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port(preferred: int | None = None) -> int:
    """`preferred` if nothing listens there, else any free port on 127.0.0.1."""
    if preferred is not None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", preferred)) != 0:
                return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def noida_binary() -> str:
    """noida-db from PATH, else beside this Python (a venv used without activating it)."""
    beside = Path(sys.executable).parent / "noida-db"
    found = shutil.which("noida-db") or (str(beside) if beside.exists() else None)
    if not found:
        raise RuntimeError("noida-db is not installed: pip install -r requirements.txt")
    return found


class DevElasticsearch:
    """noida-db serving only Elasticsearch on `port`, with its data in `data_dir`."""

    def __init__(self, data_dir: Path, port: int | None = None):
        self.data_dir = Path(data_dir).absolute()
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def stop_command(self) -> str:
        return f"{noida_binary()} down --data-dir {self.data_dir}"

    def _run(self, *args: str) -> None:
        subprocess.run([noida_binary(), *args, "--data-dir", str(self.data_dir)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def running_url(self) -> str | None:
        """The URL of Elasticsearch if a server already runs on this data dir."""
        status = subprocess.run([noida_binary(), "status", "--data-dir", str(self.data_dir)],
                                capture_output=True, text=True, check=False).stdout
        found = re.search(r"elasticsearch\s+(http://\S+)", status)
        return found.group(1) if found else None

    def start(self) -> None:
        """Start the server, or adopt the one already running on this data dir."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        running = self.running_url()
        if running:
            self.url, self.port = running, int(running.rsplit(":", 1)[1])
        else:
            self._run("up", "--only", "elasticsearch", "--elasticsearch-port", str(self.port))
        wait_for_http(self.url)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("down")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and answers(self.url):
            time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except OSError:
        return False


def wait_for_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(url):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that does not print every request on stderr."""

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler], port: int = 0
            ) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 (a free port unless `port`) from a thread; yields the
    base URL, without a trailing slash."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
