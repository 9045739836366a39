"""End-to-end fixtures: the bundled demo band sites served locally, and a deployment."""

from __future__ import annotations

import pytest

from bandcrawler.demo.server import DemoSite
from tests.support.commands import Deployment


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
