"""Scenario 6: every subcommand, given bad arguments or a bad configuration, says one line.

Usage errors exit 2, runtime errors exit 1; never a traceback, never a secret in the output.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from bandcrawler.cli import main
from tests.support.commands import Deployment
from tests.support.servers import handler_server

SECRET = "s3cr3t-do-not-print"

USAGE = [
    (), ("frobnicate",), ("band",), ("band", "add"), ("band", "add", "X", "--website"),
    ("band", "add", "X", "--website", "notaurl"), ("band", "add", "X", "--ical", "ftp://a/b"),
    ("band", "list", "--bogus"), ("saga",), ("saga", "resume", "--now"), ("saga", "frob"),
    ("reindex", "extra"), ("schedule",), ("schedule", "--scrapyd", "notaurl"),
    ("schedule", "--scrapyd"), ("search", "--radius", "far"), ("search", "--radius", "-5km"),
    ("search", "--from", "tomorrow"), ("search", "--to", "2020-13-01"),
    ("search", "--lat", "48.8"), ("search", "--lat", "abc", "--lon", "2"),
    ("search", "--lat", "1000", "--lon", "2"), ("search", "--lat", "1", "--lon", "-181"),
    ("search", "--near", "Paris", "--lat", "1", "--lon", "2"), ("search", "--near", " "),
    ("search", "--limit", "0"), ("search", "--limit", "x"), ("search", "--limit", "99999999"),
    ("search", "--status", "weird"), ("search", "--from", "2027-01-02", "--to", "2027-01-01"),
    ("-s", "NOEQUALS", "band", "list"), ("-s",), ("demo", "--dir"),
]


def _one_line(done) -> str:
    err = getattr(done, "stderr", None)
    err, out = (done.err, done.out) if err is None else (err, done.stdout)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err + out
    assert lines[0].startswith("bandcrawler"), lines[0]
    return lines[0]


@pytest.fixture
def deployment(tmp_path):
    return Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", "http://127.0.0.1:1", "cli")


@pytest.mark.parametrize("args", USAGE, ids=" ".join)
def test_a_usage_error_is_one_line_and_exit_code_2(args, capsys):
    # In process: argparse decides before any setting or database is read.
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    assert exited.value.code == 2, (args, captured.err)
    _one_line(captured)


@pytest.mark.parametrize(("args", "says"), [
    (("search", "--radius", "-5km"), "argument --radius: invalid radius '-5km': must be greater"),
    (("search", "--radius=-5km"), "argument --radius: invalid radius '-5km': must be greater"),
    (("search", "--radius", "0mi"), "invalid radius '0mi': must be greater than zero"),
    (("search", "--country", "Narnia"), "argument --country: not a country name or ISO code"),
])
def test_a_bad_value_is_named_with_what_is_wrong_with_it(args, says, capsys):
    with pytest.raises(SystemExit):
        main(list(args))
    assert says in _one_line(capsys.readouterr())


def test_a_usage_error_from_the_real_command_is_one_line(deployment):
    done = deployment.bandcrawler("search", "--lat", "1000", "--lon", "2", check=False)
    assert done.returncode == 2
    _one_line(done)


RUNTIME = [
    ({"BANDCRAWLER_DATABASE_URL": "sqlite:////nonexistent/dir/x.db"}, ("band", "list"),
     "unable to open database"),
    ({"BANDCRAWLER_DATABASE_URL": "sqlite:///{tmp}"}, ("saga", "status"),
     "unable to open database"),  # a directory, not a file
    ({"BANDCRAWLER_DATABASE_URL": "notaurl"}, ("band", "list"), "URL"),
    # (Empty is not set, the default: tests/e2e/test_empty_environment.py. Blank is no URL.)
    ({"BANDCRAWLER_DATABASE_URL": " "}, ("band", "list"), "URL"),
    ({"BANDCRAWLER_DATABASE_URL": "foo://x"}, ("band", "list"), "foo"),
    ({"BANDCRAWLER_DATABASE_URL": f"postgresql://u:{SECRET}@127.0.0.1:1/db"}, ("band", "list"),
     "database"),
    ({"ELASTICSEARCH_TIMEOUT": "abc"}, ("band", "list"), "ELASTICSEARCH_TIMEOUT"),
    ({"BANDCRAWLER_GEOCODER_MIN_DELAY": "soon"}, ("band", "list"),
     "BANDCRAWLER_GEOCODER_MIN_DELAY"),
    ({"BANDCRAWLER_GEOCODER_MISS_TTL": "-1"}, ("band", "list"),
     "BANDCRAWLER_GEOCODER_MISS_TTL"),
    ({"BANDCRAWLER_BULK_MAX_DOCS": "many"}, ("reindex",), "BANDCRAWLER_BULK_MAX_DOCS"),
    ({"BANDCRAWLER_BULK_MAX_AGE": "nan"}, ("reindex",), "BANDCRAWLER_BULK_MAX_AGE"),
    ({"BANDCRAWLER_GEOCODER_OPTIONS": "{bad"}, ("band", "list"), "not JSON"),
    ({"BANDCRAWLER_GEOCODER_OPTIONS": "[1]"}, ("band", "list"), "JSON object"),
    ({"BANDCRAWLER_GEOCODER": "nosuch"}, ("search", "--near", "Paris"), "nosuch"),
    ({"ELASTICSEARCH_URL": "notaurl"}, ("reindex",), "reindex failed"),
    ({"ELASTICSEARCH_URL": f"http://elastic:{SECRET}@127.0.0.1:1"}, ("reindex",),
     "reindex failed"),
    ({"ELASTICSEARCH_URL": f"http://elastic:{SECRET}@127.0.0.1:1"},
     ("search", "--lat", "1", "--lon", "2"), "search failed"),
    ({"BANDCRAWLER_INDEX": "BAD/Alias"}, ("reindex",), "reindex failed"),
]


def test_a_runtime_error_is_one_line_naming_the_problem_and_exit_code_1(tmp_path, es_url):
    def run(case):
        env, args, _ = case
        deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, "cli")
        deployment.env.update({k: v.replace("{tmp}", str(tmp_path)) for k, v in env.items()})
        return deployment.bandcrawler(*args, check=False)

    with ThreadPoolExecutor(4) as pool:  # settings are read at import: one process per case
        results = list(pool.map(run, RUNTIME))
    for (env, args, says), done in zip(RUNTIME, results, strict=True):
        assert done.returncode == 1, (env, args, done.stdout, done.stderr)
        line = _one_line(done)
        assert says in line, (env, args, line)
        assert SECRET not in done.stdout + done.stderr


def _unauthorized(request):
    body = json.dumps({"error": {"type": "security_exception",
                                 "reason": "unable to authenticate user [elastic]"},
                       "status": 401}).encode()
    request.send_response(401)
    request.send_header("Content-Type", "application/json")
    request.send_header("X-Elastic-Product", "Elasticsearch")
    request.send_header("WWW-Authenticate", 'Basic realm="security"')
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)


def test_a_wrong_elasticsearch_password_is_one_line_and_never_printed(tmp_path):
    with handler_server(_unauthorized) as url:
        deployment = Deployment(f"sqlite:///{tmp_path / 'db.db'}", url, "concerts")
        deployment.env.update({"ELASTICSEARCH_USERNAME": "elastic",
                               "ELASTICSEARCH_PASSWORD": SECRET})
        for args in (("reindex",), ("search", "--lat", "1", "--lon", "2")):
            done = deployment.bandcrawler(*args, check=False)
            assert done.returncode == 1, done.stderr
            line = _one_line(done)
            assert "401" in line or "authenticat" in line, line
            assert SECRET not in done.stdout + done.stderr
        deployment.bandcrawler("band", "add", "X", "--website", "http://127.0.0.1:1/")
        log = tmp_path / "crawl.log"  # scanned with the outputs by no_secret_in_any_output
        crawl = deployment.crawl("jsonld", "-s", "LOG_LEVEL=DEBUG", "-s", f"LOG_FILE={log}")
        assert SECRET not in crawl.stdout + crawl.stderr
        assert "DEBUG" in log.read_text()


def test_a_scrapyd_password_is_never_printed(deployment):
    deployment.bandcrawler("band", "add", "X", "--website", "http://127.0.0.1:1/")
    deployment.env.update({"SCRAPYD_USERNAME": "u", "SCRAPYD_PASSWORD": SECRET})
    done = deployment.bandcrawler("schedule", "--scrapyd", f"http://u:{SECRET}@127.0.0.1:1",
                                  check=False)
    assert done.returncode == 1
    _one_line(done)
    assert SECRET not in done.stdout + done.stderr
