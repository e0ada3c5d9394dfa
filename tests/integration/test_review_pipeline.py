"""The whole state machine on good and bad review files: moto's interpreter, our handlers, local Spark."""

from __future__ import annotations

import gzip
import json

import duckdb
import pytest

from shoplake.local.runtime import bucket_name

pytestmark = pytest.mark.spark

# A small object: cleaned and flattened in one Glue job run (smallObjectBytes).
PUBLISH_STEPS = [
    "Validate object",
    "Check for new content",
    "Choose the job runs",
    "Clean and flatten records",
    "Check cleaned batch",
    "Flattened already?",
    "Refresh warehouse",
    "Published",
]
# A larger one: the clean job, its manifest checked, then the flatten job.
TWO_RUN_STEPS = [
    "Validate object",
    "Check for new content",
    "Choose the job runs",
    "Clean records",
    "Check cleaned batch",
    "Flattened already?",
    "Flatten records",
    "Refresh warehouse",
    "Published",
]


@pytest.fixture
def large_object_cloud(tmp_path, monkeypatch):
    """A local stack whose every object is "large" (smallObjectBytes 0): two Glue job runs each."""
    from shoplake.local.runtime import LocalCloud

    home = tmp_path / "home"
    monkeypatch.setenv("SHOPLAKE_HOME", str(home))
    with LocalCloud(home, retry_time_scale=0.001, run_transforms=False, small_object_bytes=0) as c:
        yield c


def line(**fields) -> str:
    return json.dumps(fields)


def r2014(asin, reviewer, t, overall=5.0, **extra):
    return line(
        reviewerID=reviewer,
        asin=asin,
        reviewerName="Ann",
        helpful=[1, 2],
        reviewText="Great",
        overall=overall,
        summary="Nice",
        unixReviewTime=t,
        reviewTime="01 1, 2014",
        **extra,
    )


def r2023(asin, user, ts_ms, rating=4.0):
    return line(
        rating=rating,
        title="Good",
        text="Works",
        images=[],
        asin=asin,
        parent_asin=asin,
        user_id=user,
        timestamp=ts_ms,
        helpful_vote=3,
        verified_purchase=True,
    )


# V = 6 valid lines, D = 2 of them repeat an earlier identity, M = 3 bad lines
GOOD_FILE = [
    r2014("B001", "R1", 1388534400),
    r2014("B001", "R2", 1388620800, overall=3.0),
    r2023("B002", "U1", 1600000000000),
    r2014("B001", "R1", 1388534400),  # duplicate of line 1 (same identity)
    r2023("B003", "U2", 1600000001000, rating=1.0),
    r2023("B002", "U1", 1600000000000, rating=2.0),  # duplicate identity of line 3, other content
    '{"asin": "B009", "reviewerID": "R9", "overall": 7.0, "unixReviewTime": 1388534400}',  # invalid_rating
    '{"asin": "B009", "overall": 5.0',  # malformed_json
    '{"foo": 1}',  # unknown_format
]


def query(cloud, sql):
    with duckdb.connect(str(cloud.home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def snapshot(cloud):
    return {
        t: query(cloud, f"select * exclude (review_year) from raw.{t} order by all")
        if t != "reviews_quarantine"
        else query(cloud, f"select * from raw.{t} order by all")
        for t in ("reviews", "review_images", "reviews_quarantine")
    }


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(GOOD_FILE) + "\n")
    return path


def test_good_file_is_published_with_counts_that_reconcile(cloud, good_file):
    result = cloud.ingest(good_file)

    assert result.status == "SUCCEEDED", result.error
    assert [s["state"] for s in result.steps] == PUBLISH_STEPS
    assert result.counts == {"records_read": 9, "processed": 4, "quarantined": 3, "duplicates": 2}
    assert result.quarantine_reasons == {"invalid_rating": 1, "malformed_json": 1, "unknown_format": 1}
    assert query(
        cloud, "select product_id, reviewer_id, rating, line_number from raw.reviews order by line_number"
    ) == [
        ("B001", "R1", 5, 1),
        ("B001", "R2", 3, 2),
        ("B002", "U1", 4, 3),
        ("B003", "U2", 1, 5),
    ]
    assert query(cloud, "select line_number, reason from raw.reviews_quarantine order by line_number") == [
        (7, "invalid_rating"),
        (8, "malformed_json"),
        (9, "unknown_format"),
    ]
    assert result.notifications == []
    assert result.announcements == [
        {
            "dataset": "reviews",
            "run_id": result.execution,
            "source_uri": f"s3://{bucket_name('raw')}/reviews/batch.jsonl",
            # every raw table the run changed, as the transform DAG's assets
            "assets": [
                "shoplake://warehouse/raw/reviews",
                "shoplake://warehouse/raw/review_images",
                "shoplake://warehouse/raw/reviews_quarantine",
                "shoplake://warehouse/raw/pipeline_runs",
            ],
            "warehouse": "duckdb",
            "tables": {
                "reviews": {"files": 2, "rows": 4},
                "review_images": {"files": 0, "rows": 0},
                "reviews_quarantine": {"files": 1, "rows": 3},
            },
            "counts": {"records_read": 9, "processed": 4, "quarantined": 3, "duplicates": 2},
        }
    ]


def test_ingesting_the_same_file_twice_leaves_every_table_unchanged(cloud, good_file):
    first = cloud.ingest(good_file)
    before = snapshot(cloud)

    second = cloud.ingest(good_file)

    assert (first.status, second.status, second.unchanged) == ("SUCCEEDED", "SUCCEEDED", True)
    assert [s["state"] for s in second.steps] == ["Validate object", "Check for new content", "Unchanged"]
    assert second.announcements == []  # nothing new for the transform DAG
    assert second.counts == first.counts
    assert snapshot(cloud) == before


def test_new_content_under_the_same_name_replaces_the_earlier_output(cloud, good_file, tmp_path):
    cloud.ingest(good_file)
    good_file.write_text("\n".join(GOOD_FILE[:2]) + "\n")

    result = cloud.ingest(good_file)

    assert result.counts == {"records_read": 2, "processed": 2, "quarantined": 0, "duplicates": 0}
    assert query(cloud, "select count(*), count(distinct run_id) from raw.reviews") == [(2, 1)]
    assert query(cloud, "select count(*) from raw.reviews_quarantine") == [(0,)]
    # the earlier run's files are gone from the lake, not only from the views
    runs = {p.name for p in (cloud.home / "lake" / bucket_name("processed") / "reviews").glob("source=*/run=*")}
    assert runs == {f"run={result.execution}"}


def test_truncated_gzip_is_rejected_as_a_whole_and_not_retried(cloud, tmp_path):
    data = gzip.compress(("\n".join(GOOD_FILE) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])

    result = cloud.ingest(path)

    assert result.status == "REJECTED"
    assert result.rejection["reason"] == "undecodable_object"
    assert [s["state"] for s in result.steps] == [
        "Validate object",
        "Check for new content",
        "Choose the job runs",
        "Clean and flatten records",
        "Check cleaned batch",
        "Quarantine object",
        "Notify rejection",
        "Rejected",
    ]
    # one job run: its clean rejected the file, so it flattened nothing
    assert [r["job"] for r in cloud.glue.runs] == ["shoplake-local-clean_and_flatten"]
    assert not (cloud.home / "lake" / bucket_name("processed") / "reviews").exists()


def test_a_larger_object_takes_two_job_runs_with_the_check_between(large_object_cloud, good_file):
    result = large_object_cloud.ingest(good_file)

    assert result.status == "SUCCEEDED"
    assert [s["state"] for s in result.steps] == TWO_RUN_STEPS
    assert [r["job"] for r in large_object_cloud.glue.runs] == ["shoplake-local-clean", "shoplake-local-flatten"]
    assert result.counts == {"records_read": 9, "processed": 4, "quarantined": 3, "duplicates": 2}


def test_a_failing_one_run_job_is_retried_then_caught_and_notified(cloud, good_file):
    def breaks(job, args):
        raise OSError("disk full")

    cloud.glue.fault = breaks

    result = cloud.ingest(good_file)

    assert result.status == "FAILED"
    assert [r["job"] for r in cloud.glue.runs] == ["shoplake-local-clean_and_flatten"] * 3
    assert result.error["error"] == "States.TaskFailed"


def test_glue_failure_is_retried_then_caught_and_notified(large_object_cloud, good_file):
    cloud = large_object_cloud

    def flatten_breaks(job, args):
        if job.endswith("-flatten"):
            raise OSError("disk full")

    cloud.glue.fault = flatten_breaks

    result = cloud.ingest(good_file)

    assert result.status == "FAILED"
    assert [r["job"] for r in cloud.glue.runs] == ["shoplake-local-clean"] + ["shoplake-local-flatten"] * 3
    assert result.error["error"] == "States.TaskFailed"
    assert json.loads(result.error["cause"])["ErrorMessage"] == "OSError: disk full"
    assert [s["state"] for s in result.steps][-2:] == ["Notify failure", "Failed"]
    [note] = result.notifications
    assert note["subject"] == "shoplake pipeline failed"
    assert note["message"]["outcome"] == "FAILED"
    assert note["message"]["object"] == f"s3://{bucket_name('raw')}/reviews/batch.jsonl"
    assert note["message"]["error"]["Error"] == "States.TaskFailed"
    # nothing was published: no commit point for the source, no warehouse refresh
    assert cloud.store.list(f"s3://{bucket_name('processed')}/_manifests/") == []
    assert not (cloud.home / "warehouse.duckdb").exists()


def test_pipeline_runs_records_each_publishing_execution(cloud, good_file):
    result = cloud.ingest(good_file)

    [row] = query(
        cloud,
        "select dataset, source_uri, run_id, records_read, processed, quarantined, duplicates, quarantine_reasons, "
        "clean_seconds > 0, flatten_seconds > 0, committed_at is not null from raw.pipeline_runs",
    )
    assert row == (
        "reviews",
        f"s3://{bucket_name('raw')}/reviews/batch.jsonl",
        result.execution,
        9,
        4,
        3,
        2,
        {"invalid_rating": 1, "malformed_json": 1, "unknown_format": 1},
        True,
        True,
        True,
    )
