"""The `shoplake` CLI as a user runs it: ingest (lines and --json), sql, runs, sample, up."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner

from shoplake.tooling.cli import main
from tests.integration.test_review_pipeline import GOOD_FILE

pytestmark = pytest.mark.spark


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLAKE_HOME", str(tmp_path / "home"))
    return CliRunner()


def test_ingest_json_reports_the_counts_and_sql_agrees(runner, tmp_path):
    good = tmp_path / "batch.jsonl"
    good.write_text("\n".join(GOOD_FILE) + "\n")
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")

    result = runner.invoke(main, ["ingest", str(good), str(bad), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [(r["file"], r["status"], r["counts"], r["quarantine_reasons"]) for r in report] == [
        (
            str(good),
            "SUCCEEDED",
            {"records_read": 9, "processed": 4, "quarantined": 3, "duplicates": 2},
            {"invalid_rating": 1, "malformed_json": 1, "unknown_format": 1},
        ),
        (str(bad), "REJECTED", {"records_read": 0, "processed": 0, "quarantined": 0, "duplicates": 0}, {}),
    ]
    assert report[1]["rejection"]["reason"] == "unsupported_file_type"
    assert all(r["execution"].startswith("reviews-") for r in report)

    counts = runner.invoke(
        main,
        [
            "sql",
            "select (select count(*) from raw.reviews), (select count(*) from raw.reviews_quarantine)",
            "--format",
            "csv",
        ],
    )
    assert counts.stdout.splitlines()[1] == "4,3"

    runs = runner.invoke(main, ["runs", "--json"])
    assert sorted((r["file"], r["status"]) for r in json.loads(runs.stdout)) == [
        (str(good), "SUCCEEDED"),
        (str(bad), "REJECTED"),
    ]


def test_ingest_prints_one_line_per_file_and_fails_only_on_failed_executions(runner, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    result = runner.invoke(main, ["ingest", str(bad)])
    assert result.exit_code == 0
    assert result.stdout.startswith("REJECTED  ")
    assert "reason=unsupported_file_type" in result.stdout


def test_sql_reports_errors_clearly(runner, tmp_path):
    result = runner.invoke(main, ["sql", "select 1"])
    assert result.exit_code == 1
    assert "no warehouse at" in result.output


def test_sample_writes_the_requested_rows(runner, tmp_path):
    out = tmp_path / "s.jsonl"
    result = runner.invoke(main, ["sample", "--rows", "200", "--out", str(out), "--corrupt-share", "0.1"])
    assert result.exit_code == 0, result.output
    lines = [line for line in out.read_text().splitlines() if line.strip()]
    assert len(lines) == 200


def test_up_processes_a_file_dropped_in_the_landing_folder(tmp_path, monkeypatch):
    from shoplake.local.watch import watch

    home = tmp_path / "home"
    monkeypatch.setenv("SHOPLAKE_HOME", str(home))
    landing = home / "landing"
    landing.mkdir(parents=True)
    results, stop = [], threading.Event()

    def report(r):
        results.append(r)
        stop.set()

    watcher = threading.Thread(
        target=watch, kwargs=dict(landing=landing, dataset="reviews", report=report, poll_seconds=0.2, stop=stop)
    )
    watcher.start()
    (landing / "drop.jsonl").write_text("\n".join(GOOD_FILE) + "\n")
    # Generous: the watch runs the whole pipeline and a transform, minutes on a loaded 2-core machine.
    watcher.join(timeout=600)

    assert not watcher.is_alive()
    [r] = results
    assert (r.file, r.status, r.counts["processed"]) == ("drop.jsonl", "SUCCEEDED", 4)
    assert not (landing / "drop.jsonl").exists()
    assert [p.name for p in (landing / ".processed").rglob("*.jsonl")] == ["drop.jsonl"]
