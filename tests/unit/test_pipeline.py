"""Lambda-side logic: validation from the event alone, execution input, clean check, quarantine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shoplake.core import errors, layout, pipeline
from shoplake.core.storage import LocalObjectStore

EVENTS = Path(__file__).resolve().parents[1] / "events"
MIB = 1024 * 1024


def execution_input(key: str, size: int = 100, **extra) -> pipeline.ExecutionInput:
    base = json.loads((EVENTS / "validate_input.json").read_text())
    base["source"].update(key=key, size=size, uri=f"s3://raw/{key}", bucket="raw")
    return pipeline.ExecutionInput.model_validate({**base, **extra})


@pytest.mark.parametrize(
    ("key", "suffix", "compression"),
    [
        ("reviews/a.json", ".json", "none"),
        ("reviews/a.jsonl", ".jsonl", "none"),
        ("reviews/2026/11/a.NDJSON", ".ndjson", "none"),
        ("reviews/a.json.gz", ".json.gz", "gzip"),
        ("reviews/a.jsonl.gz", ".jsonl.gz", "gzip"),
        ("reviews/a.ndjson.gz", ".ndjson.gz", "gzip"),
    ],
)
def test_accepted_extensions(key, suffix, compression):
    assert pipeline.validate_object(execution_input(key), max_object_bytes=MIB) == {
        "accepted": True,
        "dataset": "reviews",
        "suffix": suffix,
        "compression": compression,
        "small": False,
    }


def test_an_object_up_to_small_object_bytes_is_small():
    small = [pipeline.validate_object(execution_input("reviews/a.jsonl", size), MIB, small_object_bytes=1000)["small"]
             for size in (1, 1000, 1001)]  # fmt: skip
    assert small == [True, True, False]


@pytest.mark.parametrize(
    ("key", "size", "error", "message"),
    [
        ("reviews/2026/", 0, errors.FolderMarker, "'reviews/2026/' is a folder marker, not a data file"),
        ("orders/a.jsonl", 10, errors.UnknownDataset, "'orders/a.jsonl' is under no dataset prefix"),
        ("reviews/a.jsonl", 0, errors.EmptyObject, "'reviews/a.jsonl' has zero bytes"),
        (
            "reviews/a.xlsx",
            10,
            errors.UnsupportedFileType,
            "'reviews/a.xlsx' is not one of .json[.gz], .jsonl[.gz], .ndjson[.gz], .csv[.gz]",
        ),
        (
            "reviews/a.jsonl.bz2",
            10,
            errors.UnsupportedFileType,
            "'reviews/a.jsonl.bz2' is not one of .json[.gz], .jsonl[.gz], .ndjson[.gz], .csv[.gz]",
        ),
        ("reviews/.jsonl", 10, errors.UnsupportedFileType, None),
        (
            "reviews/big.jsonl",
            MIB + 1,
            errors.ObjectTooLarge,
            "'reviews/big.jsonl' has 1048577 bytes; the limit is 1048576",
        ),
    ],
)
def test_rejections_are_typed_errors_with_their_reason(key, size, error, message):
    with pytest.raises(error) as caught:
        pipeline.validate_object(execution_input(key, size), max_object_bytes=MIB)
    assert type(caught.value) is error
    if message is not None:
        assert str(caught.value) == message


def test_reason_codes_are_the_snake_cased_error_names():
    assert [(e.__name__, e.reason_code()) for e in errors.rejection_errors()] == [
        ("UnknownDataset", "unknown_dataset"),
        ("FolderMarker", "folder_marker"),
        ("EmptyObject", "empty_object"),
        ("UnsupportedFileType", "unsupported_file_type"),
        ("ObjectTooLarge", "object_too_large"),
        ("UndecodableObject", "undecodable_object"),
        ("MissingColumns", "missing_columns"),
        ("MalformedDocument", "malformed_document"),
    ]


def test_execution_name_is_deterministic_per_object_version_and_valid_for_step_functions():
    a = pipeline.execution_name("reviews", "raw", "reviews/a.jsonl", "v1")
    assert a == pipeline.execution_name("reviews", "raw", "reviews/a.jsonl", "v1")
    assert a != pipeline.execution_name("reviews", "raw", "reviews/a.jsonl", "v2")
    assert a == "reviews-" + a.split("-", 1)[1]
    assert len(a) == len("reviews-") + 32 and len(a) <= 80


def _build(store, etag="e1", version_id="v1"):
    return pipeline.build_execution_input(
        bucket="raw",
        key="reviews/a.jsonl",
        size=10,
        etag=etag,
        version_id=version_id,
        sequencer="00AB",
        event_id="ev-1",
        event_time=datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        pipeline_version="1",
        store=store,
        processed_bucket="processed",
    )


def test_execution_input_from_an_object_created_event(tmp_path):
    inp = _build(LocalObjectStore(tmp_path))
    assert inp.model_dump() == {
        "dataset": "reviews",
        "run_id": pipeline.execution_name("reviews", "raw", "reviews/a.jsonl", "v1"),
        "source_id": layout.source_id("s3://raw/reviews/a.jsonl"),
        "source": {
            "uri": "s3://raw/reviews/a.jsonl",
            "bucket": "raw",
            "key": "reviews/a.jsonl",
            "size": 10,
            "etag": "e1",
            "version_id": "v1",
            "sequencer": "00AB",
        },
        "event": {"id": "ev-1", "time": "2026-11-23T07:00:00Z"},
        "unchanged": False,
        "pipeline_version": "1",
    }


def test_same_content_already_published_by_the_same_pipeline_version_is_unchanged(tmp_path):
    store = LocalObjectStore(tmp_path)
    manifest = layout.source_manifest_uri("s3://processed", "reviews", layout.source_id("s3://raw/reviews/a.jsonl"))
    store.put_bytes(manifest, json.dumps({"source_etag": "e1", "pipeline_version": "1"}).encode())

    assert _build(store, etag="e1", version_id="v2").unchanged is True
    assert _build(store, etag="e2", version_id="v3").unchanged is False
    store.put_bytes(manifest, json.dumps({"source_etag": "e1", "pipeline_version": "0"}).encode())
    assert _build(store, etag="e1", version_id="v4").unchanged is False


def test_check_clean_raises_the_typed_error_for_a_rejected_file(tmp_path):
    store = LocalObjectStore(tmp_path)
    inp = execution_input("reviews/a.jsonl.gz")
    uri = layout.clean_manifest_uri("s3://processed", "reviews", inp.run_id)
    store.put_bytes(
        uri,
        json.dumps(
            {"status": "REJECTED", "rejection": {"reason": "undecodable_object", "message": "gzip stream truncated"}}
        ).encode(),
    )
    with pytest.raises(errors.UndecodableObject, match=r"^s3://raw/reviews/a.jsonl.gz: gzip stream truncated$"):
        pipeline.check_clean(inp, store, "processed")


def test_check_clean_passes_the_counts_of_an_accepted_file(tmp_path):
    store = LocalObjectStore(tmp_path)
    inp = execution_input("reviews/a.jsonl")
    counts = {"records_read": 3, "processed": 1, "quarantined": 1, "duplicates": 1}
    store.put_bytes(
        layout.clean_manifest_uri("s3://processed", "reviews", inp.run_id),
        json.dumps({"status": "ACCEPTED", "counts": counts, "quarantine_reasons": {"malformed_json": 1}}).encode(),
    )
    assert pipeline.check_clean(inp, store, "processed") == {
        "counts": counts,
        "quarantine_reasons": {"malformed_json": 1},
    }


def test_check_clean_without_a_manifest_fails_loudly(tmp_path):
    with pytest.raises(errors.PublishedOutputMissing):
        pipeline.check_clean(execution_input("reviews/a.jsonl"), LocalObjectStore(tmp_path), "processed")


def test_rejection_reason_reads_the_lambda_error_cause():
    cause = json.dumps({"errorType": "EmptyObject", "errorMessage": "'reviews/a.jsonl' has zero bytes"})
    assert pipeline.rejection_reason({"Error": "EmptyObject", "Cause": cause}) == (
        "empty_object",
        "'reviews/a.jsonl' has zero bytes",
    )


def test_rejection_reason_refuses_errors_that_are_not_rejections():
    with pytest.raises(errors.ShoplakeError, match="'States.TaskFailed' is not a rejection error"):
        pipeline.rejection_reason({"Error": "States.TaskFailed", "Cause": "boom"})


def test_quarantine_copies_the_announced_object_version_from_s3(monkeypatch):
    import boto3
    from moto import mock_aws

    from shoplake.core.storage import S3ObjectStore, _s3_client

    for k, v in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        _s3_client.cache_clear()
        s3 = boto3.client("s3")
        for bucket in ("raw", "quarantine"):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket="raw", VersioningConfiguration={"Status": "Enabled"})
        first = s3.put_object(Bucket="raw", Key="reviews/a.xlsx", Body=b"first")["VersionId"]
        s3.put_object(Bucket="raw", Key="reviews/a.xlsx", Body=b"second, overwritten before quarantine ran")
        inp = execution_input("reviews/a.xlsx", size=5)
        inp = inp.model_copy(update={"source": inp.source.model_copy(update={"version_id": first})})
        cause = json.dumps({"errorType": "UnsupportedFileType", "errorMessage": "not a dump"})
        inp = pipeline.ExecutionInput.model_validate(
            {**inp.model_dump(), "error": {"Error": "UnsupportedFileType", "Cause": cause}}
        )

        result = pipeline.quarantine_object(inp, S3ObjectStore(), "quarantine")

        key = f"objects/{inp.run_id}/reviews/a.xlsx"
        assert result == {
            "quarantine_uri": f"s3://quarantine/{key}",
            "reason": "unsupported_file_type",
            "message": "not a dump",
        }
        obj = s3.get_object(Bucket="quarantine", Key=key)
        assert obj["Body"].read() == b"first"
        assert obj["Metadata"] == {"shoplake-reason": "unsupported_file_type", "shoplake-run-id": inp.run_id}
        _s3_client.cache_clear()
