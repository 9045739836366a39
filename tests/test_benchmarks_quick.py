"""Every benchmark runs at its quick size and prints its result line.

This keeps `benchmarks/` working; it asserts no timing (CI machines are noisy and small).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.commands import ROOT

BENCHMARKS = ["pipeline_overhead", "event_store", "rebuild", "recrawl", "memory", "geocoding",
              "cli_startup", "serve", "batch_costs"]


@pytest.mark.parametrize("name", BENCHMARKS)
def test_the_benchmark_runs_at_its_quick_size_and_reports(name, es_url):
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--quick"], cwd=ROOT,
        env={**os.environ, "ELASTICSEARCH_URL": es_url}, capture_output=True, text=True,
        timeout=180)

    assert done.returncode == 0, done.stderr[-4000:]
    assert f"RESULT {name} " in done.stdout, done.stdout
    assert "sizes: " in done.stdout and "cores" in done.stdout
