"""Pausing Python's cyclic garbage collector while many objects without cycles are made."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Making many dicts, lists or tuples sets off collections, and in a process with a
    large heap each of those walks all of it; for objects that make no reference cycles
    (decoded JSON, an unpickled index) there is nothing to find. The collector is turned
    back on only by the caller that found it on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
