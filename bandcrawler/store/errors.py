"""The store's exceptions, and how a database failure becomes one of them.

Code outside bandcrawler/store sees these, never SQLAlchemy's or a driver's: engine.py
translates every driver error where SQLAlchemy raises it (its `handle_error` event) and every
URL or driver problem where the engine is made. A message is one line: the driver's exception
type and the first line of its message, never SQL, parameters or the URL's password. The
driver's exception is the `__cause__`.
"""

from __future__ import annotations

from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import IntegrityError

# A unique or primary key already taken, as each driver codes it (PostgreSQL's SQLSTATE,
# SQLite's extended result code); other integrity failures (NOT NULL, CHECK, FOREIGN KEY)
# are not a key someone else got first.
_PG_UNIQUE_VIOLATION = "23505"
_SQLITE_KEY_TAKEN = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


class StoreError(Exception):
    """The database failed at what it was asked."""


class StoreUnavailable(StoreError):
    """The database cannot be had: a bad URL, a driver that is not installed, a server that
    does not answer or refuses us, a database or file that does not exist, a connection
    lost."""


class KeyTaken(StoreError):
    """A row's unique key is already taken: another writer got there first."""


class ConcurrencyError(Exception):
    """Another writer appended to the stream since it was read; re-read and decide again.
    (The store's answer to an append's expectation, not a failure of the database.)"""

    def __init__(self, stream_id: str, expected: int, actual: int | None = None):
        found = "" if actual is None else f", found version {actual}"
        super().__init__(f"stream {stream_id!r}: expected version {expected}{found}")
        self.stream_id = stream_id


def one_line(error: BaseException, secret: str | None = None) -> str:
    """`Type: first line of the message`, with `secret` (a URL's password) masked."""
    lines = str(error).strip().splitlines()
    line = f"{type(error).__name__}: {lines[0].strip()}" if lines else type(error).__name__
    return line.replace(secret, "***") if secret else line


def translate(context: ExceptionContext) -> None:
    """The `handle_error` listener: raise the store's exception for a driver's error.

    A pool pre-ping is left alone: the pool reads the driver's error to decide that a
    connection is dead and connects again, and an exception raised here would reach the
    caller instead. Errors that are not the driver's (a value no column can hold, a bad
    statement) are bugs, left as SQLAlchemy raises them. SQLAlchemy still invalidates a
    disconnected connection after this raises (it does so on the way out)."""
    if context.is_pre_ping or not isinstance(context.original_exception,
                                             context.dialect.loaded_dbapi.Error):
        return
    error = context.original_exception
    url = context.engine.url if context.engine is not None else None
    message = one_line(error, url.password if url is not None else None)
    if context.connection is None or context.is_disconnect:  # never connected, or lost it
        raise StoreUnavailable(message)
    if isinstance(context.sqlalchemy_exception, IntegrityError) and _is_key_taken(error):
        raise KeyTaken(message)
    raise StoreError(message)


def _is_key_taken(error: BaseException) -> bool:
    return (getattr(error, "sqlstate", None) == _PG_UNIQUE_VIOLATION
            or getattr(error, "sqlite_errorname", None) in _SQLITE_KEY_TAKEN)
