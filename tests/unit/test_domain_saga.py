"""The saga's rules, without a database: pending step, monotonic merges, attempts, back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bandcrawler.domain.saga import Report, merge_report, new_row, summarize

NOW = "2026-12-02T00:00:00Z"


def test_the_first_step_not_done_at_the_latest_version_is_pending():
    row = new_row("c1")
    assert merge_report(row, Report("c1", version=3), NOW).pending_step == "geocode"
    assert merge_report(row, Report("c1", geocoded=True), NOW).pending_step == "persist"
    assert merge_report(row, Report("c1", persisted_version=3), NOW).pending_step == "index"
    assert merge_report(row, Report("c1", indexed_version=3), NOW).complete


def test_versions_only_grow_so_the_order_of_reports_does_not_matter():
    row = new_row("c1")
    for report in (Report("c1", version=2, geocoded=True), Report("c1", indexed_version=2),
                   Report("c1", persisted_version=2), Report("c1", persisted_version=1),
                   Report("c1", version=1)):
        state = merge_report(row, report, NOW)
    assert (state.version, state.persisted_version, state.indexed_version) == (2, 2, 2)
    assert state.complete


def test_an_error_counts_an_attempt_and_backs_off_until_the_step_is_done():
    row = new_row("c1")
    merge_report(row, Report("c1", version=1, geocoded=True, persisted_version=1), NOW)
    first = merge_report(row, Report("c1", error="index: unavailable"), NOW)
    second = merge_report(row, Report("c1", error="index: unavailable"), NOW)
    assert (first.attempts, second.attempts) == (1, 2)
    assert second.last_error == "index: unavailable"
    retry = datetime.fromisoformat(second.next_retry_at.replace("Z", "+00:00"))
    assert timedelta(seconds=50) < retry - datetime.now(UTC) <= timedelta(seconds=60)
    done = merge_report(row, Report("c1", indexed_version=1), NOW)
    assert done.complete and done.attempts == 0 and done.last_error is None


def test_the_summary_counts_pending_steps_and_their_first_reason_line():
    summary = summarize([(None, None), ("index", "unavailable: refused\ntrace"),
                         ("index", "unavailable: refused"), ("geocode", None)])
    assert summary["concerts"] == 4 and summary["complete"] == 1
    assert summary["pending"] == {"geocode": 1, "index": 2}
    assert {"step": "index", "reason": "unavailable: refused", "count": 2} in summary["reasons"]
    assert {"step": "geocode", "reason": "not yet run", "count": 1} in summary["reasons"]
