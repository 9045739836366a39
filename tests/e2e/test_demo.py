"""End to end: the demo never deletes a database with a user's bands in it, and
`demo --serve` leaves its bands crawlable."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.support.commands import ROOT, Deployment
from tests.support.servers import free_port


@pytest.fixture
def demo(tmp_path, es_url):
    alias = f"concerts-demo-{uuid.uuid4().hex[:8]}"
    work = tmp_path / "demo"
    deployment = Deployment(f"sqlite:///{work / 'bandcrawler.db'}", es_url, alias)
    args = ("-s", f"BANDCRAWLER_INDEX={alias}", "demo", "--dir", str(work))
    yield deployment, args
    ConcertIndex(make_client(es_url), alias).drop()


def test_the_demo_refuses_to_delete_a_database_a_user_added_a_band_to(demo):
    deployment, args = demo
    deployment.bandcrawler(*args)
    deployment.bandcrawler("band", "add", "My Own Band", "--website", "https://mine.example/")

    again = deployment.bandcrawler(*args, check=False)

    assert again.returncode == 1
    assert "holds bands the demo did not register or change (my-own-band)" in again.stderr
    assert "My Own Band" in [b["name"] for b in deployment.bandcrawler_json("band", "list")]


def test_the_demo_runs_again_over_its_own_database(demo):
    deployment, args = demo
    deployment.bandcrawler(*args)

    again = deployment.bandcrawler(*args)

    assert "`bandcrawler demo --serve` keeps it up" in again.stdout


def test_demo_serve_keeps_its_bands_crawlable(demo):
    deployment, args = demo
    process = subprocess.Popen([sys.executable, "-m", "bandcrawler", *args, "--serve",
                                "--port", str(free_port())],
                               cwd=ROOT, env=deployment.env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "The demo site stays up at" in line:
                break
        else:
            pytest.fail("the demo ended without serving its site")

        crawl = deployment.crawl("jsonld")

        assert "Traceback" not in crawl.stderr
        assert "Connection refused" not in crawl.stderr
        assert "'item_scraped_count'" in crawl.stderr
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
