"""A real scrapyd for the tests: its own port, directory and password; the project deployed as
an egg built and uploaded by scrapyd-deploy, exactly as a user deploys it."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from tests.support.commands import ROOT
from tests.support.servers import free_port

PROJECT = "bandcrawler"
USERNAME = "bandcrawler"

SCRAPYD_CONF = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
username = {username}
password = {password}
max_proc = {max_proc}
poll_interval = 0.2
eggs_dir = {dir}/eggs
logs_dir = {dir}/logs
dbs_dir = {dir}/dbs
items_dir =
jobs_to_keep = 50
finished_to_keep = 200
"""


def build_egg(workdir: Path) -> Path:
    """`scrapyd-deploy --build-egg` on a copy of the project (it writes build files)."""
    source = workdir / "project"
    shutil.copytree(ROOT / "bandcrawler", source / "bandcrawler",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.py", "pyproject.toml", "scrapy.cfg"):
        shutil.copy(ROOT / name, source / name)
    egg = workdir / "bandcrawler.egg"
    deploy = [sys.executable, "-c", "from scrapyd_client.deploy import main; main()"]
    done = subprocess.run([*deploy, f"--build-egg={egg}"], cwd=source, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return egg


class Scrapyd:
    """`with Scrapyd(directory, env) as scrapyd:` runs scrapyd until the block ends."""

    def __init__(self, directory: Path, env: dict[str, str], max_proc: int = 4):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.password = secrets.token_urlsafe(12)
        self.credentials = {"SCRAPYD_USERNAME": USERNAME, "SCRAPYD_PASSWORD": self.password}
        (self.dir / "scrapyd.conf").write_text(SCRAPYD_CONF.format(
            port=self.port, username=USERNAME, password=self.password, max_proc=max_proc,
            dir=self.dir))
        self.env = env
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> Scrapyd:
        # scrapyd reads ./scrapyd.conf; its jobs inherit this environment (the database,
        # Elasticsearch and index settings), and import bandcrawler from the egg only.
        self._log = (self.dir / "scrapyd.out").open("w")
        self._process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=self.dir,
                                         env=self.env, stdout=self._log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while self._answer() is None:
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError(f"scrapyd did not start: {self.dir / 'scrapyd.out'}")
            time.sleep(0.2)
        return self

    def _answer(self) -> dict | None:
        try:
            return self.call("daemonstatus.json")
        except OSError:
            return None

    def __exit__(self, *exc) -> None:
        assert self._process is not None
        self._process.terminate()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()

    def deploy(self, version: str = "1") -> str:
        """Build and upload the egg with scrapyd-deploy and a scrapy.cfg target for us."""
        workdir = self.dir / "deploy"
        egg = build_egg(workdir)
        source = workdir / "project"
        (source / "scrapy.cfg").write_text(
            "[settings]\ndefault = bandcrawler.settings\n\n"
            f"[deploy:test]\nurl = {self.url}\nproject = {PROJECT}\n"
            "username = ${SCRAPYD_USERNAME}\npassword = ${SCRAPYD_PASSWORD}\n")
        deploy = [sys.executable, "-c", "from scrapyd_client.deploy import main; main()"]
        done = subprocess.run([*deploy, "test", "--version", version, f"--egg={egg}"],
                              cwd=source, env={**self.env, **self.credentials},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        return done.stdout + done.stderr

    def call(self, endpoint: str, *, auth: bool = True, post: dict | None = None,
             **params: str) -> dict:
        url = self.url + endpoint + (f"?{urlencode(params)}" if params else "")
        request = Request(url, data=urlencode(post).encode() if post is not None else None)
        if auth:
            token = base64.b64encode(f"{USERNAME}:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except HTTPError as exc:
            return {"status": "error", "http_status": exc.code}

    def jobs(self) -> dict[str, list[dict]]:
        return self.call("listjobs.json", project=PROJECT)

    def wait_until_idle(self, expected_finished: int, timeout: float = 240) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            jobs = self.jobs()
            if (not jobs["pending"] and not jobs["running"]
                    and len(jobs["finished"]) >= expected_finished):
                return jobs
            if time.monotonic() > deadline:
                raise AssertionError(f"scrapyd jobs did not finish in {timeout}s: {jobs}")
            time.sleep(0.5)

    def log(self, job: dict) -> str:
        return (self.dir / "logs" / PROJECT / job["spider"] / f"{job['id']}.log").read_text()
