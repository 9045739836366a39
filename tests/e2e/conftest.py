"""End-to-end fixtures: the bundled demo band sites served locally, and a deployment."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from bandcrawler.demo.server import DemoSite
from tests.support.commands import ROOT, Deployment
from tests.support.servers import free_port, wait_for_http


@pytest.fixture(scope="module")
def site():
    with DemoSite() as served:
        yield served


def register_demo_bands(deployment: Deployment, site: DemoSite) -> list[str]:
    names = []
    for band in site.bands():
        deployment.bandcrawler("band", "add", band["name"], "--website", site.url + band["website"])
        names.append(band["name"])
    return names


@dataclass
class DemoServed:
    url: str
    database_url: str


@pytest.fixture(scope="session")
def demo_served(es_url, tmp_path_factory):
    """`bandcrawler demo --serve` on a free port, shared by the web tests; its tiles point at
    a closed port, so the page must work without them (as with no network)."""
    port, no_tiles = free_port(), free_port()
    work = Path(tmp_path_factory.mktemp("demo"))
    command = [sys.executable, "-m", "bandcrawler",
               "-s", f"BANDCRAWLER_INDEX=concerts-browser-{uuid.uuid4().hex[:8]}",
               "-s", f"BANDCRAWLER_TILE_URL=http://127.0.0.1:{no_tiles}/{{z}}/{{x}}/{{y}}.png",
               "demo", "--dir", str(work), "--serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "ELASTICSEARCH_URL": es_url},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/api/concerts", timeout=300)
        yield DemoServed(url, f"sqlite:///{work / 'bandcrawler.db'}")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "bandcrawler web page at " + url in output
