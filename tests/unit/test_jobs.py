"""The clean and flatten jobs on a local lake: manifests, published files, rejections, reruns."""

from __future__ import annotations

import gzip
import importlib.util
import io
import re
from pathlib import Path

import pytest

from shoplake.core import layout
from shoplake.core.errors import ConfigurationError, PublishedOutputMissing, ReconciliationError, UndecodableObject
from shoplake.core.jobs import accounting, clean, flatten, scan
from shoplake.core.jobs.common import JobArgs, parse_args, read_json, write_json
from shoplake.core.storage import get_store
from shoplake.datasets import DATASETS
from shoplake.datasets.reviews.contract import REVIEWS
from shoplake.datasets.reviews.sample import write_sample
from tests.unit.review_lines import LINE_2014, LINE_2018, LINE_2023, review_id
from tests.unit.work_area import work_frame

# The tables a reviews run publishes, in the order of the manifests' "tables" and "row_counts".
OUTPUT_TABLES = ("reviews", "review_images", "reviews_quarantine")

REPO = Path(__file__).resolve().parents[2]
PROCESSED = "s3://processed"
LOOSE_2014 = (
    "{'reviewerID': 'A9', 'asin': 'B9', 'reviewerName': \"O'Brien\", 'helpful': [0, 1], "
    "'reviewText': 'It\\'s \"great\"', 'overall': 4.0, 'summary': 'ok', "
    "'unixReviewTime': 1252800000, 'reviewTime': '09 13, 2009'}"
)
ID_2014 = review_id("0000013714", "A2SUAM1J3GNN3B", 1_252_800_000_000)
ID_2018 = review_id("B00002018", "A2018", 1_388_880_000_000)
ID_2023 = review_id("B0C2023", "AGU2023", 1_588_687_728_923)
ID_LOOSE = review_id("B9", "A9", 1_252_800_000_000)


def job_args(source_uri: str, run_id: str = "run-1", **extra: str) -> dict[str, str]:
    return {
        "dataset": "reviews",
        "source_uri": source_uri,
        "run_id": run_id,
        "processed_root": PROCESSED,
        "ingested_at": "2026-11-23T07:00:00.123Z",
        "storage_backend": "local",
        "source_etag": "etag-1",
        **extra,
    }


def land(key: str, data: bytes) -> str:
    uri = f"s3://raw/{key}"
    get_store("local").put_bytes(uri, data)
    return uri


def lines(*texts: str, newline: str = "\n") -> bytes:
    return "".join(t + newline for t in texts).encode()


def local(uri: str) -> str:
    return get_store("local").spark_path(uri)


def files_under(prefix: str) -> list[str]:
    """Every file under a prefix, hidden ones (.crc) included: what is really on disk."""
    root = Path(local(prefix))
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def rows(df, *order: str) -> list[dict]:
    return [r.asDict(recursive=True) for r in df.orderBy(*order).collect()]


def without_timings(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k not in ("timings", "committed_at")}


# --- arguments ---------------------------------------------------------------------------------


def test_glue_style_arguments_are_parsed_and_extras_ignored():
    argv = [
        "glue/flatten.py", "--JOB_ID", "j_1", "--dataset", "reviews", "--source_uri=s3://raw/reviews/a.json",
        "--job-bookmark-option", "job-bookmark-disable", "--run_id", "r1", "--processed_root", "s3://p",
        "--ingested_at", "2026-11-23T07:00:00.123Z", "--storage_backend", "local", "--enable-metrics",
        "--source_etag", "abc",
    ]  # fmt: skip
    assert parse_args(argv, flatten.REQUIRED_ARGS, flatten.OPTIONAL_ARGS) == {
        "pipeline_version": "1",
        "dataset": "reviews",
        "source_uri": "s3://raw/reviews/a.json",
        "run_id": "r1",
        "processed_root": "s3://p",
        "ingested_at": "2026-11-23T07:00:00.123Z",
        "storage_backend": "local",
        "source_etag": "abc",
    }
    assert parse_args([*argv, "--pipeline_version", "2"], ("run_id",), flatten.OPTIONAL_ARGS) == {
        "pipeline_version": "2",
        "run_id": "r1",
    }


def test_missing_or_invalid_arguments_are_configuration_errors():
    with pytest.raises(ConfigurationError, match=r"^missing job arguments: --run_id, --storage_backend$"):
        parse_args(["x", "--dataset", "reviews"], ("dataset", "run_id", "storage_backend"))
    good = job_args("s3://raw/reviews/a.json")
    for bad, message in [
        ({"ingested_at": "2026-11-23T07:00:00"}, "timestamp has no time zone: '2026-11-23T07:00:00'"),
        ({"ingested_at": "yesterday"}, "not an ISO-8601 timestamp: 'yesterday'"),
        ({"storage_backend": "ftp"}, "--storage_backend must be one of ('local', 's3'): 'ftp'"),
        ({"run_id": "a/b"}, "--run_id must be a single path segment: 'a/b'"),
        ({"run_id": "a:b"}, "--run_id must be a single path segment: 'a:b'"),
        ({"source_uri": "/tmp/a.json"}, "--source_uri: not an s3:// URI: '/tmp/a.json'"),
        ({"dataset": "orders"}, f"unknown dataset 'orders'; known: {sorted(DATASETS)}"),
    ]:
        with pytest.raises(ConfigurationError) as caught:
            JobArgs.from_dict(good | bad)
        assert str(caught.value) == message
    with pytest.raises(ConfigurationError, match="^missing job arguments: source_etag$"):
        JobArgs.from_dict(good | {"source_etag": ""}, need_etag=True)


# --- the pre-scan ------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [1, 3, 1 << 20])
def test_scan_counts_physical_lines_as_hadoop_does_across_chunks(monkeypatch, chunk):
    monkeypatch.setattr(scan, "_CHUNK", chunk)
    # LF, CRLF, a lone CR, a blank line, a two-byte character, a last line without terminator
    data = "a\r\nb\r\n\r\n  \nc\rdé\n\ufeff{}\nlast".encode()
    assert scan.scan_object(io.BytesIO(data), gzipped=False) == scan.ObjectScan(
        decoded_bytes=len(data), physical_lines=8, head=data.decode()
    )
    assert scan.scan_object(io.BytesIO(gzip.compress(data)), gzipped=True).physical_lines == 8
    assert scan.scan_object(io.BytesIO(b""), gzipped=False).physical_lines == 0
    with pytest.raises(UndecodableObject, match=r"^invalid UTF-8 at byte 5$"):
        scan.scan_object(io.BytesIO("abcé".encode() + b"\xff"), gzipped=False)


# --- clean + flatten ---------------------------------------------------------------------------


@pytest.mark.spark
def test_clean_and_flatten_publish_a_mixed_file(spark, home):
    # Given a file mixing the three generations, a loose 2014 line, a blank line, a malformed
    # line and a duplicate of line 1
    uri = land(
        "reviews/2026/mixed.jsonl",
        lines(LINE_2014, LINE_2018, "", LINE_2023, LOOSE_2014, "not json", LINE_2014),
    )
    sid = layout.source_id(uri)

    # When it is cleaned
    cleaned = clean.run(spark, job_args(uri))

    # Then the clean manifest accounts for every non-blank line
    expected_clean = {
        "dataset": "reviews",
        "source_uri": uri,
        "run_id": "run-1",
        "status": "ACCEPTED",
        "rejection": None,
        "counts": {"records_read": 6, "processed": 4, "quarantined": 1, "duplicates": 1},
        "quarantine_reasons": {"malformed_json": 1},
        "source_formats": {"amazon_2014": 2, "amazon_2018": 1, "amazon_2023": 1},
        "record_format": "jsonl",
        "layout": None,
        "unknown_fields": [],
    }
    assert without_timings(cleaned) == expected_clean
    assert list(cleaned["timings"]) == ["clean_seconds", "clean_steps"]
    assert list(cleaned["timings"]["clean_steps"]) == [
        "scan_and_plan",
        "parse_and_write",
        "find_duplicates",
        "count",
        "write_quarantine",
    ]
    assert read_json(get_store("local"), layout.clean_manifest_uri(PROCESSED, "reviews", "run-1")) == cleaned

    # When it is flattened
    manifest = flatten.run(spark, job_args(uri))

    # Then the run manifest lists exactly the Parquet files on disk, by table
    prefixes = {t: layout.run_prefix(PROCESSED, t, sid, "run-1") for t in OUTPUT_TABLES}
    on_disk = {t: [prefix + f for f in files_under(prefix)] for t, prefix in prefixes.items()}
    assert without_timings(manifest) == {
        "dataset": "reviews",
        "source_uri": uri,
        "source_id": sid,
        "source_etag": "etag-1",
        "pipeline_version": "1",
        "run_id": "run-1",
        "counts": expected_clean["counts"],
        "quarantine_reasons": {"malformed_json": 1},
        "source_formats": {"amazon_2014": 2, "amazon_2018": 1, "amazon_2023": 1},
        "record_format": "jsonl",
        "layout": None,
        "unknown_fields": [],
        "repeats_dropped": {"review_images": 0},
        "tables": on_disk,
        "row_counts": {"reviews": 4, "review_images": 7, "reviews_quarantine": 1},
    }
    assert list(manifest["timings"]) == ["clean_seconds", "flatten_seconds", "flatten_steps"]
    assert list(manifest["timings"]["flatten_steps"]) == [
        "read_and_plan",
        "derive_review_images",
        "write_reviews",
        "write_review_images",
        "write_reviews_quarantine",
        "count_back",
    ]
    assert manifest["timings"]["clean_seconds"] == cleaned["timings"]["clean_seconds"]
    # no _SUCCESS, no .crc left
    assert [f for files in on_disk.values() for f in files if not f.endswith(".parquet")] == []
    # one file per review_year directory
    assert [f.split("/")[0] for f in files_under(prefixes["reviews"])] == [
        "review_year=2009", "review_year=2014", "review_year=2020"
    ]  # fmt: skip
    assert [f.split("/")[0] for f in files_under(prefixes["review_images"])] == [
        "review_year=2014", "review_year=2020"
    ]  # fmt: skip
    # the commit: the source manifest is the run manifest without timings; the work area is gone
    store = get_store("local")
    source_manifest = read_json(store, layout.source_manifest_uri(PROCESSED, "reviews", sid))
    assert source_manifest == {k: v for k, v in manifest.items() if k != "timings"}
    assert read_json(store, layout.run_manifest_uri(PROCESSED, "reviews", "run-1")) == manifest
    assert files_under(layout.work_prefix(PROCESSED, "reviews", "run-1")) == []

    # And the published tables hold the rows
    published = spark.read.parquet(local(prefixes["reviews"]))
    assert rows(published.select("review_year", "line_number", "review_id", "source_format"), "line_number") == [
        {"review_year": 2009, "line_number": 1, "review_id": ID_2014, "source_format": "amazon_2014"},
        {"review_year": 2014, "line_number": 2, "review_id": ID_2018, "source_format": "amazon_2018"},
        {"review_year": 2020, "line_number": 4, "review_id": ID_2023, "source_format": "amazon_2023"},
        {"review_year": 2009, "line_number": 5, "review_id": ID_LOOSE, "source_format": "amazon_2014"},
    ]
    images = spark.read.parquet(local(prefixes["review_images"]))
    assert rows(images.select("review_year", "review_id", "variant"), "review_year", "variant") == [
        {"review_year": 2014, "review_id": ID_2018, "variant": "original"},
        {"review_year": 2014, "review_id": ID_2018, "variant": "original"},
        {"review_year": 2020, "review_id": ID_2023, "variant": "large"},
        {"review_year": 2020, "review_id": ID_2023, "variant": "large"},
        {"review_year": 2020, "review_id": ID_2023, "variant": "medium"},
        {"review_year": 2020, "review_id": ID_2023, "variant": "small"},
        {"review_year": 2020, "review_id": ID_2023, "variant": "small"},
    ]
    assert rows(spark.read.parquet(local(prefixes["reviews_quarantine"])), "line_number") == [
        {"source_uri": uri, "line_number": 6, "reason": "malformed_json", "raw_record": "not json", "run_id": "run-1"}
    ]
    # the files hold the contract's columns; the partition column lives only in the path
    file_columns = spark.read.parquet(local(on_disk["reviews"][0])).columns
    assert file_columns == [c.name for c in REVIEWS.records_table.columns]


@pytest.mark.spark
def test_bom_crlf_and_blank_lines_keep_physical_line_numbers(spark, home):
    # Given a CRLF file starting with a BOM on a malformed line, with blank lines in between
    uri = land("reviews/crlf.json", lines("\ufeffnot json", LINE_2014, "", " \t ", LINE_2018, newline="\r\n"))
    # When cleaned
    manifest = clean.run(spark, job_args(uri))
    # Then blank lines are not read, but line numbers count them; the BOM is not in the raw record
    assert manifest["counts"] == {"records_read": 3, "processed": 2, "quarantined": 1, "duplicates": 0}
    work = layout.work_prefix(PROCESSED, "reviews", "run-1")
    records = work_frame(spark, "reviews", "records", "run-1")
    assert rows(records.select("line_number", "review_id", "review_text"), "line_number") == [
        {"line_number": 2, "review_id": ID_2014, "review_text": "I bought this for my husband."},
        {"line_number": 5, "review_id": ID_2018, "review_text": "Fits well."},
    ]
    quarantine = spark.read.parquet(local(work + "quarantine/"))
    assert rows(quarantine.select("line_number", "reason", "raw_record"), "line_number") == [
        {"line_number": 1, "reason": "malformed_json", "raw_record": "not json"}
    ]


@pytest.mark.spark
def test_gzip_input_is_read_like_plain_text(spark, home):
    uri = land("reviews/batch.ndjson.gz", gzip.compress(lines(LINE_2023, "oops", LINE_2014, LINE_2023)))
    manifest = clean.run(spark, job_args(uri))
    assert without_timings(manifest) == {
        "dataset": "reviews",
        "source_uri": uri,
        "run_id": "run-1",
        "status": "ACCEPTED",
        "rejection": None,
        "counts": {"records_read": 4, "processed": 2, "quarantined": 1, "duplicates": 1},
        "quarantine_reasons": {"malformed_json": 1},
        "source_formats": {"amazon_2014": 1, "amazon_2023": 1},
        "record_format": "jsonl",
        "layout": None,
        "unknown_fields": [],
    }
    records = work_frame(spark, "reviews", "records", "run-1")
    assert rows(records.select("line_number", "review_id"), "line_number") == [
        {"line_number": 1, "review_id": ID_2023},
        {"line_number": 3, "review_id": ID_2014},
    ]


@pytest.mark.spark
@pytest.mark.parametrize(
    ("key", "decoy"),
    [
        ("reviews/batch[1]{a,b}.jsonl", "reviews/batch1a.jsonl"),  # Spark would expand a glob
        ("reviews/2026-11-23T07:00:00 batch.jsonl", None),  # a colon trips Hadoop's local checksum reader
    ],
    ids=["glob-characters", "colon-and-space"],
)
def test_keys_spark_treats_specially_are_read_literally(spark, home, key, decoy):
    # Given an object whose key Spark could misread (and a decoy that the glob would also match)
    uri = land(key, lines(LINE_2014, LINE_2018))
    if decoy:
        land(decoy, lines(LINE_2023))
    # When it is cleaned and flattened
    clean.run(spark, job_args(uri))
    manifest = flatten.run(spark, job_args(uri))
    # Then exactly that object was read
    assert manifest["source_formats"] == {"amazon_2014": 1, "amazon_2018": 1}
    assert manifest["row_counts"] == {"reviews": 2, "review_images": 2, "reviews_quarantine": 0}


@pytest.mark.spark
def test_line_numbers_are_physical_across_text_partitions(spark, home):
    # Given a plain file that Spark reads as several partitions
    texts = []
    for i in range(60):
        if i % 7 == 3:
            texts.append("bad line")
        elif i % 5 == 4:
            texts.append("")
        else:
            texts.append(f'{{"asin": "B{i:03d}", "reviewerID": "R", "overall": 5.0, "unixReviewTime": 1388880000}}')
    uri = land("reviews/split.jsonl", lines(*texts))
    expected_records = [n for n, t in enumerate(texts, start=1) if t.startswith("{")]
    expected_bad = [n for n, t in enumerate(texts, start=1) if t == "bad line"]
    saved = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "512")
    try:
        assert spark.read.text(local(uri)).rdd.getNumPartitions() > 3
        # When cleaned
        manifest = clean.run(spark, job_args(uri))
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", saved)
    # Then every line number is the line's position in the file
    work = layout.work_prefix(PROCESSED, "reviews", "run-1")
    records = work_frame(spark, "reviews", "records", "run-1")
    assert [r.line_number for r in records.orderBy("line_number").collect()] == expected_records
    assert [r.product_id for r in records.orderBy("line_number").collect()] == [
        f"B{n - 1:03d}" for n in expected_records
    ]
    quarantine = spark.read.parquet(local(work + "quarantine/"))
    assert [r.line_number for r in quarantine.orderBy("line_number").collect()] == expected_bad
    assert manifest["counts"]["records_read"] == len(expected_records) + len(expected_bad)


@pytest.mark.spark
def test_counts_of_a_generated_dump_match_its_known_truth(spark, home, tmp_path):
    # Given a gzipped CRLF dump with a BOM whose every line's fate is known
    path = tmp_path / "sample.jsonl.gz"
    truth = write_sample(path, 1500, start_line_bom=True, crlf=True, seed=3)
    uri = land("reviews/sample.jsonl.gz", path.read_bytes())
    # When cleaned
    manifest = clean.run(spark, job_args(uri))
    # Then the counts are the truth
    assert manifest["counts"] == {
        "records_read": truth.valid + truth.duplicates + truth.corrupt,
        "processed": truth.valid,
        "quarantined": truth.corrupt,
        "duplicates": truth.duplicates,
    }
    assert manifest["quarantine_reasons"] == {r: n for r, n in truth.corrupt_by_reason.items() if n}
    assert manifest["source_formats"] == truth.by_format


UNDECODABLE = [
    ("reviews/cut.jsonl.gz", gzip.compress(lines(LINE_2014) * 20)[:-8],
     "gzip stream truncated: Compressed file ended before the end-of-stream marker was reached"),
    ("reviews/fake.jsonl.gz", lines(LINE_2014), "corrupt gzip stream: Not a gzipped file (b'{\"')"),
    ("reviews/latin1.jsonl", b'{"asin": "B1"}\n{"asin": "\xff"}\n', "invalid UTF-8 at byte 25"),
    ("reviews/binary.json", b'{"asin": "B1"}\n\x00\x00\x00\n', "binary content: NUL byte at byte 15"),
]  # fmt: skip


@pytest.mark.spark
@pytest.mark.parametrize(("key", "data", "message"), UNDECODABLE, ids=["truncated-gzip", "not-gzip", "utf8", "nul"])
def test_an_undecodable_file_is_rejected_whole_and_publishes_nothing(spark, home, key, data, message):
    uri = land(key, data)
    # (and a file an earlier attempt of this run left in the work area)
    get_store("local").put_bytes(layout.work_prefix(PROCESSED, "reviews", "run-1") + "records/part-0.parquet", b"x")
    # When cleaned, the job succeeds with a REJECTED manifest
    manifest = clean.run(spark, job_args(uri))
    assert without_timings(manifest) == {
        "dataset": "reviews",
        "source_uri": uri,
        "run_id": "run-1",
        "status": "REJECTED",
        "rejection": {"reason": "undecodable_object", "message": message},
        "counts": None,
        "quarantine_reasons": {},
        "source_formats": {},
    }
    # and nothing but that manifest is in the processed bucket
    assert files_under(PROCESSED + "/") == ["_work/reviews/run-1/clean_manifest.json"]
    # Then flatten refuses the run with the typed rejection
    with pytest.raises(UndecodableObject) as caught:
        flatten.run(spark, job_args(uri))
    assert str(caught.value) == f"{uri}: {message}"
    assert files_under(PROCESSED + "/") == ["_work/reviews/run-1/clean_manifest.json"]


@pytest.mark.spark
def test_lines_spark_did_not_read_fail_the_job_loudly(spark, home, monkeypatch):
    # Given a scan that saw one line more than Spark will read
    uri = land("reviews/short.jsonl", lines(LINE_2014, LINE_2018))
    real_scan = scan.scan_object

    def scan_with_an_extra_line(stream, *, gzipped):
        seen = real_scan(stream, gzipped=gzipped)
        return scan.ObjectScan(seen.decoded_bytes, seen.physical_lines + 1)

    monkeypatch.setattr(clean, "scan_object", scan_with_an_extra_line)
    # When cleaned, Then the job fails and writes no manifest
    with pytest.raises(ReconciliationError, match=r"^rows went missing: Spark read 2 lines, the object has 3$"):
        clean.run(spark, job_args(uri))
    assert not get_store("local").exists(layout.clean_manifest_uri(PROCESSED, "reviews", "run-1"))


def test_the_reconciliation_invariant():
    stats = [
        {"partition": p, "status": st, "reason": r, "source_format": f, "records": n, "lines": n}
        for p, st, r, f, n in [
            (0, "processed", None, "amazon_2018", 5),
            (0, "blank", None, None, 2),
            (1, "quarantined", "invalid_rating", "amazon_2018", 1),
            (1, "quarantined", "malformed_json", None, 2),
            (1, "duplicate", None, "amazon_2014", 1),
        ]
    ]
    summary = accounting.summarise(stats, ["malformed_json", "invalid_rating"])
    assert summary.counts == {"records_read": 9, "processed": 5, "quarantined": 3, "duplicates": 1}
    assert summary.quarantine_reasons == {"malformed_json": 2, "invalid_rating": 1}
    assert summary.source_formats == {"amazon_2018": 5}
    assert summary.lines_per_partition == {0: 7, 1: 4}
    accounting.reconcile(summary, scan.ObjectScan(decoded_bytes=1, physical_lines=11))
    summary.records_read = 10
    with pytest.raises(ReconciliationError, match=r"^records_read 10 != processed 5 \+ quarantined 3 \+ duplicates 1$"):
        accounting.reconcile(summary, scan.ObjectScan(decoded_bytes=1, physical_lines=11))


def test_only_parquet_files_are_published_and_the_rest_is_deleted(home):
    # Given what a Spark write can leave beside its data files
    store = get_store("local")
    prefix = "s3://processed/reviews/source=s1/run=r1/"
    for name in ("_SUCCESS", "review_year=2009/part-0.parquet", "review_year=2009/.part-0.parquet.crc"):
        store.put_bytes(prefix + name, b"x")
    # When the run's files are collected
    files = flatten._parquet_files(store, prefix)
    # Then only the Parquet file is listed, and nothing else is left
    assert files == [prefix + "review_year=2009/part-0.parquet"]
    assert files_under(prefix) == ["review_year=2009/part-0.parquet"]


def load_glue_script(name: str):
    spec = importlib.util.spec_from_file_location(f"glue_{name}", REPO / "glue" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.spark
def test_a_second_run_of_a_source_replaces_the_first(spark, home):
    # Given a source published by run-1
    uri = land("reviews/replace.jsonl", lines(LINE_2014, LINE_2018))
    sid = layout.source_id(uri)
    clean.run(spark, job_args(uri, "run-1"))
    first = flatten.run(spark, job_args(uri, "run-1"))
    assert first["row_counts"]["reviews"] == 2

    # When new content lands at the same key and the Glue entry scripts run it as run-2
    # (with the arguments Glue adds itself)
    land("reviews/replace.jsonl", lines(LINE_2023))
    glue_extras = ["--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_2", "--job-bookmark-option", "job-bookmark-disable"]
    argv = [f"--{k}={v}" for k, v in job_args(uri, "run-2", source_etag="etag-2").items()]
    load_glue_script("clean").main(["glue/clean.py", *glue_extras, *argv])
    second = load_glue_script("flatten").main(["glue/flatten.py", *glue_extras, *argv])

    # Then only run-2's files are left for the source, and the source manifest names run-2
    assert second["run_id"] == "run-2"
    assert second["row_counts"] == {"reviews": 1, "review_images": 5, "reviews_quarantine": 0}
    for table in OUTPUT_TABLES:
        source_files = files_under(layout.source_prefix(PROCESSED, table, sid))
        assert source_files and all(f.startswith("run=run-2/") for f in source_files), source_files
        assert second["tables"][table] == [layout.source_prefix(PROCESSED, table, sid) + f for f in source_files]
    store = get_store("local")
    assert read_json(store, layout.source_manifest_uri(PROCESSED, "reviews", sid))["run_id"] == "run-2"
    assert files_under(PROCESSED + "/_manifests/") == [
        "reviews/runs/run-1.json", "reviews/runs/run-2.json", f"reviews/sources/{sid}.json"
    ]  # fmt: skip
    assert files_under(PROCESSED + "/_work/") == []
    published = spark.read.parquet(local(layout.table_root(PROCESSED, "reviews")))
    assert [(r.run_id, r.review_id, r.review_year) for r in published.collect()] == [("run-2", ID_2023, 2020)]

    # And a retry of the committed flatten changes nothing and returns the committed manifest
    assert flatten.run(spark, job_args(uri, "run-2", source_etag="etag-2")) == second
    assert files_under(layout.source_prefix(PROCESSED, "reviews", sid)) == [
        f.removeprefix(layout.source_prefix(PROCESSED, "reviews", sid)) for f in second["tables"]["reviews"]
    ]

    # And a retry that finds only the source manifest (the commit stopped before the run
    # manifest) writes the run manifest, without the timings it lost
    store.delete([layout.run_manifest_uri(PROCESSED, "reviews", "run-2")])
    recovered = flatten.run(spark, job_args(uri, "run-2", source_etag="etag-2"))
    assert recovered == second | {"timings": {"clean_seconds": None, "flatten_seconds": None}}
    assert read_json(store, layout.run_manifest_uri(PROCESSED, "reviews", "run-2")) == recovered


@pytest.mark.spark
def test_a_clean_manifest_of_another_source_is_refused(spark, home):
    # Given a clean manifest at this run's place that another source's clean wrote
    clean_uri = layout.clean_manifest_uri(PROCESSED, "reviews", "run-1")
    other = {"dataset": "reviews", "source_uri": "s3://raw/reviews/b.jsonl", "run_id": "run-1", "status": "ACCEPTED"}
    write_json(get_store("local"), clean_uri, other)
    # When flatten runs for source a, Then it refuses before reading any data
    with pytest.raises(PublishedOutputMissing) as caught:
        flatten.run(spark, job_args("s3://raw/reviews/a.jsonl"))
    assert str(caught.value) == f"the clean manifest at {clean_uri} is for another source or run: {other}"


@pytest.mark.spark
def test_a_file_of_only_bad_lines_publishes_an_empty_reviews_table(spark, home):
    uri = land("reviews/bad.jsonl", lines("nope", "", '{"foo": 1}'))
    clean.run(spark, job_args(uri))
    manifest = flatten.run(spark, job_args(uri))
    assert manifest["counts"] == {"records_read": 2, "processed": 0, "quarantined": 2, "duplicates": 0}
    assert manifest["quarantine_reasons"] == {"malformed_json": 1, "unknown_format": 1}
    assert manifest["row_counts"] == {"reviews": 0, "review_images": 0, "reviews_quarantine": 2}
    assert manifest["tables"]["reviews"] == []
    assert manifest["tables"]["review_images"] == []
    assert len(manifest["tables"]["reviews_quarantine"]) == 1


@pytest.mark.spark
def test_a_review_repeating_an_image_url_publishes_the_image_once_and_counts_the_repeat(spark, home):
    # Given a 2018 review whose image list names one URL twice (seen in a 1 M-line dump) and a
    # 2023 review whose images repeat one object
    repeated_2018 = LINE_2018.replace('"https://img/2.jpg"]', '"https://img/2.jpg", "https://img/1.jpg"]')
    image = '{"small_image_url": "https://s/9.jpg", "medium_image_url": null, "large_image_url": null}'
    repeated_2023 = LINE_2023.replace('"images": [', f'"images": [{image}, {image}, ')
    uri = land("reviews/repeats.jsonl", lines(repeated_2018, repeated_2023))
    # When it is cleaned and flattened
    clean.run(spark, job_args(uri))
    manifest = flatten.run(spark, job_args(uri))
    # Then each (review, variant, url) is published once, and the two repeats are counted
    assert manifest["repeats_dropped"] == {"review_images": 2}
    assert manifest["row_counts"] == {"reviews": 2, "review_images": 8, "reviews_quarantine": 0}
    prefix = layout.run_prefix(PROCESSED, "review_images", layout.source_id(uri), "run-1")
    images = spark.read.parquet(local(prefix))
    published = rows(images.select("review_id", "variant", "image_url"), "review_id", "variant", "image_url")
    assert published == sorted([
        {"review_id": ID_2018, "variant": "original", "image_url": "https://img/1.jpg"},
        {"review_id": ID_2018, "variant": "original", "image_url": "https://img/2.jpg"},
        {"review_id": ID_2023, "variant": "large", "image_url": "https://l/1.jpg"},
        {"review_id": ID_2023, "variant": "large", "image_url": "https://l/2.jpg"},
        {"review_id": ID_2023, "variant": "medium", "image_url": "https://m/1.jpg"},
        {"review_id": ID_2023, "variant": "small", "image_url": "https://s/1.jpg"},
        {"review_id": ID_2023, "variant": "small", "image_url": "https://s/2.jpg"},
        {"review_id": ID_2023, "variant": "small", "image_url": "https://s/9.jpg"},
    ], key=lambda r: (r["review_id"], r["variant"], r["image_url"]))  # fmt: skip
    # and the review still says how many images its source listed
    reviews = spark.read.parquet(local(layout.run_prefix(PROCESSED, "reviews", layout.source_id(uri), "run-1")))
    assert rows(reviews.select("review_id", "image_count"), "review_id") == sorted(
        [{"review_id": ID_2018, "image_count": 3}, {"review_id": ID_2023, "image_count": 4}],
        key=lambda r: r["review_id"],
    )


@pytest.mark.spark
def test_a_derived_table_whose_key_repeats_with_other_values_is_not_published(spark):
    # Given derived rows that share the unique key but differ elsewhere (a transform defect)
    table = REVIEWS.table("review_images")
    df = spark.createDataFrame(
        [
            ("r1", "u", "small", "s3://a", "run"),
            ("r1", "u", "small", "s3://b", "run"),
            ("r1", "u", "small", "s3://b", "run"),
        ],
        "review_id string, image_url string, variant string, source_uri string, run_id string",
    )
    # When flatten prepares it, Then it refuses, naming the table and the key
    with pytest.raises(ReconciliationError, match=r"^review_images: 1 rows repeat the unique key"):
        flatten._without_exact_repeats(df, table)


REAL_REVIEWS = REPO.parent / "shared" / "real-data" / "amazon-reviews"


def _duckdb_reference():
    """bench/duckdb_reviews.py: the same contract written again in DuckDB SQL, by other means."""
    spec = importlib.util.spec_from_file_location("duckdb_reviews", REPO / "bench" / "duckdb_reviews.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(p.name for p in REAL_REVIEWS.iterdir()) if REAL_REVIEWS.exists() else [])
def test_every_real_review_dump_is_accounted_for_as_the_duckdb_reference_counts_it(spark, home, tmp_path, name):
    # Given a published Amazon review file (2014 strict, 2018, 2023, mixed, gzip, CRLF with a BOM)
    path = REAL_REVIEWS / name
    uri = land(f"reviews/{name}", path.read_bytes())
    # When the pipeline's jobs clean and flatten it, and the DuckDB reference reads the same file
    cleaned = clean.run(spark, job_args(uri))
    published = flatten.run(spark, job_args(uri))
    reference = _duckdb_reference().run(
        path, tmp_path / "duckdb", source_uri=uri, run_id="run-1", ingested_at="2026-11-23 07:00:00"
    )
    # Then both engines account for every record the same way, reason by reason and table by table
    assert cleaned["status"] == "ACCEPTED"
    for key in ("counts", "quarantine_reasons", "source_formats"):
        assert cleaned[key] == reference[key], key
    assert published["row_counts"] == reference["row_counts"]
    # and every non-blank physical line (counted in plain Python) is a record read
    data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    # (split on line ends only: str.splitlines would also split on U+2028 inside a review's text)
    records = [line for line in re.split(r"\r\n|\r|\n", data.decode("utf-8-sig")) if line.strip()]
    assert cleaned["counts"]["records_read"] == len(records)
