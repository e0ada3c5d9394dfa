"""The state machine's reject path, executed by moto's interpreter with the project's handlers."""

from __future__ import annotations

import hashlib
import json

import pytest

from shoplake.local.runtime import bucket_name

REJECT_STEPS = ["Validate object", "Quarantine object", "Notify rejection", "Rejected"]


def _reason_file(cloud, run_id):
    uri = f"s3://{bucket_name('quarantine')}/objects/{run_id}/_reason.json"
    return json.loads(cloud.store.get_bytes(uri))


def test_unsupported_file_is_quarantined_with_its_reason_and_notified(cloud, tmp_path):
    # Given a CSV landed under the reviews prefix
    src = tmp_path / "report.xlsx"
    src.write_bytes(b"asin,rating\nB000,5\n")

    # When it runs through the pipeline
    event = cloud.land(src)
    result = cloud.process(event)

    # Then the execution ends in Rejected, the object sits in quarantine byte for byte, with its reason
    assert result.status == "REJECTED"
    assert [s["state"] for s in result.steps] == REJECT_STEPS
    expected_message = "'reviews/report.xlsx' is not one of .json[.gz], .jsonl[.gz], .ndjson[.gz], .csv[.gz]"
    quarantined = f"s3://{bucket_name('quarantine')}/objects/{result.execution}/reviews/report.xlsx"
    assert result.rejection == {
        "quarantine_uri": quarantined,
        "reason": "unsupported_file_type",
        "message": expected_message,
    }
    assert cloud.store.get_bytes(quarantined) == b"asin,rating\nB000,5\n"
    assert cloud.store.metadata(quarantined) == {
        "shoplake-reason": "unsupported_file_type",
        "shoplake-run-id": result.execution,
    }
    assert _reason_file(cloud, result.execution) == {
        "source_uri": f"s3://{bucket_name('raw')}/reviews/report.xlsx",
        "source_version_id": event["detail"]["object"]["version-id"],
        "run_id": result.execution,
        "reason": "unsupported_file_type",
        "message": expected_message,
        "size": 19,
        "etag": hashlib.md5(b"asin,rating\nB000,5\n").hexdigest(),
    }
    assert result.notifications == [
        {
            "subject": "shoplake object rejected",
            "message": {
                "outcome": "REJECTED",
                "execution": cloud.refs["ReviewPipeline"].replace(":stateMachine:", ":execution:")
                + f":{result.execution}",
                "object": f"s3://{bucket_name('raw')}/reviews/report.xlsx",
                "reason": "unsupported_file_type",
                "message": expected_message,
                "quarantine_uri": quarantined,
            },
        }
    ]
    assert result.counts == {"records_read": 0, "processed": 0, "quarantined": 0, "duplicates": 0}


@pytest.mark.parametrize(
    ("key", "data", "reason"),
    [
        ("reviews/empty.jsonl", b"", "empty_object"),
        ("reviews/2026/11/", b"", "folder_marker"),
        ("reviews/dump.jsonl.zip", b"PK\x03\x04", "unsupported_file_type"),
    ],
)
def test_objects_that_can_never_be_processed_are_rejected(cloud, key, data, reason):
    result = cloud.process(cloud.put_raw(key, data))

    assert (result.status, result.rejection["reason"]) == ("REJECTED", reason)
    assert [s["state"] for s in result.steps] == REJECT_STEPS
    assert _reason_file(cloud, result.execution)["reason"] == reason


def test_object_above_the_stage_limit_is_rejected(tmp_path, monkeypatch):
    from shoplake.local.runtime import LocalCloud

    monkeypatch.setenv("SHOPLAKE_HOME", str(tmp_path))
    with LocalCloud(tmp_path, max_object_bytes=10) as cloud:
        result = cloud.process(cloud.put_raw("reviews/big.jsonl", b"{}\n" * 4))
    assert (result.status, result.rejection["reason"]) == ("REJECTED", "object_too_large")
    assert result.rejection["message"] == "'reviews/big.jsonl' has 12 bytes; the limit is 10"


def test_redelivered_event_starts_no_second_execution(cloud):
    # Given one S3 event, delivered twice (EventBridge delivers at least once)
    event = cloud.put_raw("reviews/report.xlsx", b"a,b\n")
    first = cloud.deliver(event)[0]["response"]
    second = cloud.deliver(event)[0]["response"]

    # Then both deliveries report the same execution, and only one exists
    cloud.wait(first["execution_arn"])
    sfn = cloud.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=cloud.refs["ReviewPipeline"])["executions"]
    assert second == first
    assert first["started"] is True
    assert [e["name"] for e in executions] == [first["execution_name"]]


def test_same_object_version_without_the_idempotency_record_still_starts_once(cloud):
    # Given the idempotency record is gone (expired), the deterministic name still protects
    event = cloud.put_raw("reviews/report.xlsx", b"a,b\n")
    first = cloud.deliver(event)[0]["response"]
    table = cloud.client("dynamodb")
    for item in table.scan(TableName=cloud.refs["IdempotencyTable"])["Items"]:
        table.delete_item(TableName=cloud.refs["IdempotencyTable"], Key={"id": item["id"]})
    again = dict(event, id="another-delivery-id")
    second = cloud.deliver(again)[0]["response"]
    cloud.wait(first["execution_arn"])

    executions = cloud.client("stepfunctions").list_executions(stateMachineArn=cloud.refs["ReviewPipeline"])
    assert second["execution_arn"] == first["execution_arn"]
    assert second["started"] is False
    assert len(executions["executions"]) == 1
