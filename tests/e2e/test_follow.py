"""End to end: crawls that only record and geocode (BANDCRAWLER_PROJECT_INLINE=false), and
`bandcrawler follow` catching the write model and the index up in processes of their own."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.e2e.conftest import register_demo_bands
from tests.support.commands import ROOT, Deployment

CONCERTS = 42


def _deployment(tmp_path, es_url) -> Deployment:
    deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url,
                            f"concerts-follow-{uuid.uuid4().hex[:8]}")
    deployment.env["BANDCRAWLER_PROJECT_INLINE"] = "false"
    return deployment


def _documents(deployment) -> dict:
    client = make_client(deployment.env["ELASTICSEARCH_URL"])
    try:
        index = ConcertIndex(client, deployment.env["BANDCRAWLER_INDEX"])
        if index.current_index() is None:
            return {}
        index.refresh()
        return index.documents()
    finally:
        client.close()


def _drop(deployment) -> None:
    client = make_client(deployment.env["ELASTICSEARCH_URL"])
    try:
        ConcertIndex(client, deployment.env["BANDCRAWLER_INDEX"]).drop()
    finally:
        client.close()


def test_a_crawl_without_inline_projections_leaves_persist_pending_until_follow_runs(
        tmp_path, site, es_url):
    deployment = _deployment(tmp_path, es_url)
    register_demo_bands(deployment, site)
    try:
        deployment.crawl("jsonld")
        status = deployment.bandcrawler_json("saga", "status")
        assert status["concerts"] == CONCERTS and status["complete"] == 0
        assert status["pending"] == {"persist": CONCERTS}
        assert _documents(deployment) == {}

        deployment.bandcrawler("follow", "--once")

        assert deployment.bandcrawler_json("saga", "status")["complete"] == CONCERTS
        before = _documents(deployment)
        assert len(before) == CONCERTS
        deployment.bandcrawler("reindex")
        assert _documents(deployment) == before  # what a rebuild from the store makes
    finally:
        _drop(deployment)


def _start_follower(deployment, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bandcrawler", "follow", "--poll", "0.2"],
                            cwd=ROOT, env=deployment.env, stdout=subprocess.DEVNULL,
                            stderr=log, text=True)


def test_two_followers_beside_a_crawl_complete_it_and_stop_cleanly_on_sigterm(
        tmp_path, site, es_url):
    deployment = _deployment(tmp_path, es_url)
    register_demo_bands(deployment, site)
    logs = [open(tmp_path / f"follow{n}.log", "w+", encoding="utf-8") for n in range(2)]
    followers = [_start_follower(deployment, log) for log in logs]
    try:
        deployment.crawl("jsonld")
        deadline = time.monotonic() + 60
        while deployment.bandcrawler_json("saga", "status")["complete"] < CONCERTS:
            assert time.monotonic() < deadline, "the followers did not catch up"
            time.sleep(0.3)
        for follower in followers:
            follower.send_signal(signal.SIGTERM)
        assert [f.wait(timeout=30) for f in followers] == [0, 0]
        documents = _documents(deployment)
        assert len(documents) == CONCERTS
        deployment.bandcrawler("reindex")
        assert _documents(deployment) == documents
        for log in logs:
            log.seek(0)
            text = log.read()
            assert "Traceback" not in text
            assert "Projection write_model at position" in text
            assert "event(s) behind the head" in text
    finally:
        for follower in followers:
            if follower.poll() is None:
                follower.kill()
                follower.wait()
        for log in logs:
            log.close()
        _drop(deployment)
