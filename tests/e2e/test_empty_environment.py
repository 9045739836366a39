"""An environment variable set to the empty string (`NAME=`) means "not set", everywhere."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

from bandcrawler.config import Config, project_settings
from bandcrawler.demo.devserver import DevElasticsearch
from bandcrawler.search.bulk import BulkIndexer
from bandcrawler.search.index import ConcertIndex
from tests.support.commands import ROOT, Deployment

SETTINGS_SOURCE = (ROOT / "bandcrawler" / "settings.py").read_text(encoding="utf-8")
# Every variable settings.py reads, found in its source so that a new one is covered too.
VARIABLES = sorted(set(re.findall(r'_env\(\s*"([A-Z0-9_]+)"', SETTINGS_SOURCE)))

SHOW_CONFIG = """
import dataclasses, json
from bandcrawler.config import Config, project_settings
settings = project_settings()
print(json.dumps({"settings": {name: settings.get(name) for name in settings
                               if name.isupper() and name.startswith(("BANDCRAWLER", "ELASTIC",
                               "BANDSINTOWN", "MUSICBRAINZ", "USER_AGENT", "LOG_LEVEL"))},
                  "config": dataclasses.asdict(Config.from_settings(settings))}, default=str))
"""


def _configuration(**environment: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    done = subprocess.run([sys.executable, "-c", SHOW_CONFIG], cwd=ROOT, capture_output=True,
                          text=True, env={**env, **environment}, check=True, timeout=120)
    return json.loads(done.stdout)


def test_every_variable_set_empty_gives_the_same_configuration_as_none_set():
    assert len(VARIABLES) >= 20 and "BANDCRAWLER_INDEX" in VARIABLES

    empty = _configuration(**dict.fromkeys(VARIABLES, ""))

    assert empty == _configuration()
    assert empty["config"]["index_alias"] == "concerts"
    assert empty["config"]["es_password"] is None


def test_an_empty_setting_given_with_s_is_not_set_either():
    settings = project_settings({"BANDCRAWLER_INDEX": "", "ELASTICSEARCH_TIMEOUT": "",
                                 "BANDCRAWLER_GEOCODER_OPTIONS": "", "ELASTICSEARCH_URL": "x"})

    config = Config.from_settings(settings)

    assert (config.index_alias, config.es_timeout, config.geocoder_options) == (
        "concerts", 10.0, {})
    assert dataclasses.replace(config, elasticsearch_url="x") == config


def test_search_with_an_empty_index_variable_does_not_search_every_index(
        tmp_path, es_url, client):
    stranger = ConcertIndex(client, f"unrelated-{uuid.uuid4().hex[:8]}")
    stranger.ensure()
    indexer = BulkIndexer(client, stranger.alias)
    indexer.add("c1", 1, {"concert_id": "c1", "band_id": "b", "band": "Somebody Elses Band",
                          "local_date": "2030-01-01", "status": "scheduled", "version": 1,
                          "listed": True, "lineup": ["Somebody Elses Band"]})
    assert not indexer.flush().failed
    stranger.refresh()
    deployment = Deployment(f"sqlite:///{tmp_path / 'b.db'}", es_url, "")

    try:
        done = deployment.bandcrawler("search", "--from", "2000-01-01", "--json", check=False)
    finally:
        stranger.drop()

    assert "Traceback" not in done.stderr
    assert "Somebody Elses Band" not in done.stdout
    if done.returncode != 0:  # no "concerts" alias on this server: one line saying so
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1


def test_the_demo_runs_with_an_empty_index_variable(tmp_path: Path):
    deployment = Deployment(f"sqlite:///{tmp_path / 'unused.db'}", "", "")
    deployment.env.pop("ELASTICSEARCH_URL")  # the demo's own server, the one users get
    work = tmp_path / "demo"
    try:
        done = deployment.bandcrawler("demo", "--dir", str(work), check=False)
    finally:
        if (work / "elasticsearch").exists():
            DevElasticsearch(work / "elasticsearch").stop()

    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 0
    assert "(alias 'concerts')" in done.stdout
    assert re.search(r"saga\s+\d+ complete, 0 pending", done.stdout)
