"""Run bandcrawler's commands as a user would: separate processes, configured by environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Deployment:
    """One database, one Elasticsearch and one index alias, as environment variables."""

    def __init__(self, database_url: str, es_url: str, alias: str):
        self.env = {
            **os.environ,
            "BANDCRAWLER_DATABASE_URL": database_url,
            "ELASTICSEARCH_URL": es_url,
            "BANDCRAWLER_INDEX": alias,
            "BANDCRAWLER_LOG_LEVEL": "INFO",
        }

    def run(self, *args: str, check: bool = True, timeout: float = 180
            ) -> subprocess.CompletedProcess:
        done = subprocess.run(list(args), cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n"
                                 f"{done.stderr[-4000:]}")
        return done

    def bandcrawler(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "bandcrawler", *args, check=check)

    def bandcrawler_json(self, *args: str):
        return json.loads(self.bandcrawler(*args, "--json").stdout)

    def crawl(self, spider: str, *args: str) -> subprocess.CompletedProcess:
        """`scrapy crawl SPIDER` without politeness delays (the site is local)."""
        return self.run(sys.executable, "-m", "scrapy", "crawl", spider,
                        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                        "-s", "BANDCRAWLER_BULK_MAX_AGE=1", *args)
