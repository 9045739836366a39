"""The `bandcrawler` command starts without the libraries its subcommand does not need."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.commands import ROOT

HEAVY = ["scrapy", "sqlalchemy", "elasticsearch", "geopy", "extruct", "twisted"]

# Run the command in process, then report which heavy libraries it had imported.
PROBE = """
import json, sys
from bandcrawler.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(%r))), file=sys.stderr)
"""


def imported(*args: str, env: dict[str, str] | None = None) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE % HEAVY, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env=env)
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--help"], ["search", "--help"], ["band", "add", "--help"],
                                  ["search", "--radius", "far"]], ids=" ".join)
def test_help_and_usage_errors_import_no_heavy_library(args):
    assert imported(*args) == []


def test_band_list_needs_the_database_but_not_scrapy_elasticsearch_or_the_geocoder(tmp_path):
    env = {**os.environ, "BANDCRAWLER_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    assert imported("band", "list", env=env) == ["sqlalchemy"]
