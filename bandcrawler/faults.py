"""Fault injection for the crash tests: `kill_point(name)` SIGKILLs the process on demand.

`BANDCRAWLER_KILL_AT=name:N` makes the Nth call of `kill_point(name)` in this process kill
it with SIGKILL (no cleanup, no flush, no atexit: a power cut as far as the process can tell).
Unset, a kill point costs one dictionary lookup. The points sit at the moments a crash is
most dangerous: inside an append before its commit, between the write model's rows and its
checkpoint, around a bulk write, before the alias swap, between resume's steps.
"""

from __future__ import annotations

import os
import signal
import threading

_SPEC = os.environ.get("BANDCRAWLER_KILL_AT", "")
_NAME, _, _NTH = _SPEC.partition(":")
_WANTED = int(_NTH) if _NTH.isdigit() else 1
_calls = 0
_lock = threading.Lock()


def kill_point(name: str) -> None:
    """Die here, by SIGKILL, if BANDCRAWLER_KILL_AT names this point and call number."""
    global _calls
    if name != _NAME:
        return
    with _lock:
        _calls += 1
        if _calls == _WANTED:
            os.kill(os.getpid(), signal.SIGKILL)
