"""How the `bandcrawler` command prints the saga summary and the search table."""

from __future__ import annotations

from bandcrawler.cli.output import format_saga


def test_a_saga_reason_names_its_step_once():
    summary = {"concerts": 2, "complete": 0, "pending": {"index": 1, "persist": 1},
               "reasons": [{"step": "index", "count": 1,
                            "reason": "index: unavailable: ConnectionError: connection refused"},
                           {"step": "persist", "count": 1, "reason": "not yet run"}]}

    lines = format_saga(summary).splitlines()

    assert lines[-2].split("× ")[1] == "index: unavailable: ConnectionError: connection refused"
    assert lines[-1].split("× ")[1] == "persist: not yet run"
