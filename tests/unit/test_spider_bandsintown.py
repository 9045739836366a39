"""Specifications of the Bandsintown spider's pure helpers: Retry-After and the app id mask."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bandcrawler.middlewares.retry_after import retry_after
from bandcrawler.spiders.bandsintown import AppIdRedactor

APP_ID = "s3cr3t-app-id"


def record(msg: object, *args: object) -> logging.LogRecord:
    return logging.LogRecord("scrapy.core.engine", logging.DEBUG, __file__, 1, msg, args, None)


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0), (b"120", 120.0), (" 30 ", 30.0), ("0", 0.0),
])
def test_retry_after_in_seconds_is_that_many_seconds(header, seconds):
    assert retry_after(header) == seconds


def test_retry_after_as_an_http_date_is_the_seconds_until_then():
    when = datetime.now(UTC) + timedelta(seconds=90)
    seconds = retry_after(format_datetime(when, usegmt=True).encode("latin-1"))
    assert seconds is not None and 80 <= seconds <= 90


def test_retry_after_as_a_past_http_date_means_now():
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_retry_after_as_a_date_without_a_zone_is_read_as_utc():
    when = datetime.now(UTC) + timedelta(seconds=90)
    seconds = retry_after(when.strftime("%a, %d %b %Y %H:%M:%S"))
    assert seconds is not None and 80 <= seconds <= 90


@pytest.mark.parametrize("header", [None, "", b"", "soon", "1.5", "-5", "Wed, 99 Foo 2015"])
def test_retry_after_that_is_neither_seconds_nor_a_date_is_none(header):
    assert retry_after(header) is None


def test_the_app_id_in_a_log_message_is_masked():
    line = record(f"Crawled (200) <GET https://rest.example/a/events?app_id={APP_ID}&date=up>")
    assert AppIdRedactor().filter(line) is True
    assert line.getMessage() == "Crawled (200) <GET https://rest.example/a/events?app_id=***&date=up>"


def test_the_app_id_in_a_log_records_arguments_is_masked():
    line = record("Gave up retrying %(request)s (failed %(times)d times)",
                  {"request": f"<GET https://rest.example/a/events?APP_ID={APP_ID}>", "times": 3})
    AppIdRedactor().filter(line)
    assert line.getMessage() == (
        "Gave up retrying <GET https://rest.example/a/events?APP_ID=***> (failed 3 times)")
    assert APP_ID not in str(line.msg) and not line.args


def test_the_app_id_is_masked_up_to_a_quote_or_the_end_of_the_url():
    line = record("%s said %r", "<GET https://rest.example/a?app_id=abc>", f"app_id={APP_ID}")
    AppIdRedactor().filter(line)
    assert line.getMessage() == "<GET https://rest.example/a?app_id=***> said 'app_id=***'"


def test_a_line_without_an_app_id_is_left_as_it_is():
    line = record("Spider opened: %s", "bandsintown")
    assert AppIdRedactor().filter(line) is True
    assert (line.msg, line.args) == ("Spider opened: %s", ("bandsintown",))


def test_a_malformed_record_is_passed_on_untouched():
    line = record("app_id=%s and %s", APP_ID)  # one argument for two placeholders
    assert AppIdRedactor().filter(line) is True
    assert (line.msg, line.args) == ("app_id=%s and %s", (APP_ID,))
