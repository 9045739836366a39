"""PostgreSQL for the tests, wherever it can be had, and a fresh schema per test on it.

In order: the server in BANDCRAWLER_TEST_POSTGRES_URL (`.ci/run` sets it); else a server
running on 127.0.0.1:5432, in a database made for this test session; else a throwaway server
started from the installed binaries (/usr/lib/postgresql/*/bin: initdb, pg_ctl) in a
temporary directory on a free port. Whatever this session made is dropped or stopped at its
end (`close`, from tests/conftest.py). Tests marked `requires_postgres` skip only when none
of the three can be had. Nothing is probed or started until a test needs PostgreSQL.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from bandcrawler.store.engine import normalize_url

ENV = "BANDCRAWLER_TEST_POSTGRES_URL"
LOCAL = "postgresql+psycopg://127.0.0.1:5432"
BINARIES = "/usr/lib/postgresql/*/bin"

requires_postgres = pytest.mark.postgres
SKIP_REASON = (f"no PostgreSQL: {ENV} is not set, none answers on 127.0.0.1:5432 and no "
               f"initdb/pg_ctl under {BINARIES}")

_cleanup: list = []  # what close() undoes, last first
_resolved: dict[str, str | None] = {}


def available() -> bool:
    return _server() is not None


def server_url() -> str:
    url = _server()
    if url is None:
        pytest.skip(SKIP_REASON)
    return url


@contextlib.contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections live in a new, empty schema (dropped afterwards): every
    process given the URL, including subprocesses, sees the same schema and nothing else."""
    base = server_url()
    schema = f"bc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def close() -> None:
    """Drop the session's database, stop the session's server (if this session made them)."""
    while _cleanup:
        with contextlib.suppress(Exception):
            _cleanup.pop()()
    _resolved.clear()


def _server() -> str | None:
    if "url" not in _resolved:
        given = os.environ.get(ENV)
        _resolved["url"] = normalize_url(given) if given else _local() or _throwaway_server()
    return _resolved["url"]


def _local() -> str | None:
    """A session database on the server at 127.0.0.1:5432, as ourselves or as `postgres`."""
    if not _answers(5432):
        return None
    return _session_database(LOCAL) or _session_database(LOCAL, user="postgres")


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _session_database(server: str, user: str = "") -> str | None:
    """A database of this session's own on `server` (dropped at close), or None if that
    server does not let us make one."""
    name = f"bandcrawler_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    login = f"{user}@" if user else ""
    host = server.split("://", 1)[1]
    admin = create_engine(f"postgresql+psycopg://{login}{host}/postgres",
                          isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - no such role, no right to create: try the next way
        admin.dispose()
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    _cleanup.append(drop)
    return f"postgresql+psycopg://{login}{host}/{name}"


def _throwaway_server() -> str | None:
    """initdb + pg_ctl start in a temporary directory (as the `postgres` user when we are
    root: PostgreSQL refuses to run as root); None if the binaries are not installed."""
    found = sorted(glob.glob(f"{BINARIES}/pg_ctl"))
    if not found:
        return None
    bin_dir = Path(found[-1]).parent  # the newest version
    as_user: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            return None
        as_user = ["runuser", "-u", "postgres", "--"]
    home = Path(tempfile.mkdtemp(prefix="bandcrawler-pg-"))
    if as_user:
        shutil.chown(home, "postgres")
    data, port = home / "data", _free_port()
    try:
        subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                        "-U", "postgres", "-E", "UTF8"], check=True, capture_output=True,
                       timeout=120)
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l",
                        str(home / "log"), "-o",
                        f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off",
                        "start"], check=True, capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        shutil.rmtree(home, ignore_errors=True)
        return None

    def stop() -> None:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60, check=False)
        shutil.rmtree(home, ignore_errors=True)

    _cleanup.append(stop)
    return _session_database(f"postgresql+psycopg://127.0.0.1:{port}", user="postgres")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
