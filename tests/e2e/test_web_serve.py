"""`bandcrawler serve` as a user runs it: a real process, its URL, its one-line errors."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx
import pytest

from bandcrawler.cli import main
from tests.support.commands import ROOT, Deployment
from tests.support.servers import free_port, wait_for_http
from tests.support.web import concert, indexed


@pytest.mark.parametrize("args", [("serve", "--port", "x"), ("serve", "--port", "70000"),
                                  ("serve", "extra"), ("demo", "--serve", "--port", "-1")],
                         ids=" ".join)
def test_a_bad_serve_argument_is_one_line_and_exit_code_2(args, capsys):
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("bandcrawler")


def test_a_busy_port_or_a_bad_tile_setting_is_one_line(tmp_path):
    deployment = Deployment(f"sqlite:///{tmp_path / 'db.sqlite'}", "http://127.0.0.1:1", "x")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = deployment.bandcrawler("serve", "--port", str(port), check=False)
    assert done.returncode == 1
    assert done.stderr.strip() == f"bandcrawler: error: cannot listen on 127.0.0.1:{port}: " \
                                  "Address already in use"
    done = deployment.bandcrawler("-s", "BANDCRAWLER_TILE_URL=ftp://tiles", "serve",
                                  check=False)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("bandcrawler: error: BANDCRAWLER_TILE_URL must be")


def test_serve_answers_on_its_port_until_stopped(tmp_path, es_url):
    docs = [concert("one", "Low", "2099-01-01", "Paris", "FR", 48.85, 2.35)]
    with indexed(es_url, docs) as alias:
        deployment = Deployment(f"sqlite:///{tmp_path / 'db.sqlite'}", es_url, alias)
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "bandcrawler", "serve", "--port", str(port)], cwd=ROOT,
            env=deployment.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_http(f"http://127.0.0.1:{port}/static/site.css")
            page = httpx.get(f"http://127.0.0.1:{port}/", params={"from": "2098-12-31"})
            assert page.status_code == 200 and 'data-id="one"' in page.text
        finally:
            process.terminate()
            out, err = process.communicate(timeout=30)
    # uvicorn shuts down cleanly, then re-raises the SIGTERM it caught, as a daemon should.
    assert process.returncode in (0, -15), err
    assert f"bandcrawler web page at http://127.0.0.1:{port}/" in out
    assert "Traceback" not in err
