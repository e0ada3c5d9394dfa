"""The change-capture datasets (cdc_<table>) and Parquet as a record format, through the clean and
flatten jobs: typed batches as the extractor writes them (microseconds, UTC), tombstones, every
reason code, columns matched in any case, a batch delivered twice, files that are not Parquet or
lack the key, and the sample's truth."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shoplake.core.errors import UndecodableObject
from shoplake.core.jobs import clean, flatten, scan
from shoplake.core.storage import get_store
from shoplake.datasets import DATASETS, dataset_for_key
from shoplake.datasets.changes_sample import write_sample
from tests.unit.work_area import work_rows

pytestmark = pytest.mark.spark

PROCESSED = "s3://processed"
US = pa.timestamp("us", tz="UTC")


def args(dataset: str, uri: str, run_id: str = "run-cdc") -> dict[str, str]:
    return {"dataset": dataset, "source_uri": uri, "run_id": run_id, "processed_root": PROCESSED,
            "ingested_at": "2026-12-02T07:00:00Z", "storage_backend": "local", "source_etag": "etag"}  # fmt: skip


def land(key: str, table: pa.Table | bytes) -> str:
    uri = f"s3://raw/{key}"
    if isinstance(table, pa.Table):
        sink = io.BytesIO()
        pq.write_table(table, sink)
        table = sink.getvalue()
    get_store("local").put_bytes(uri, table)
    return uri


def work(spark, dataset: str, kind: str, run_id: str = "run-cdc") -> list[dict]:
    return work_rows(spark, dataset, kind, run_id)


def t(h: int, m: int, s: int, us: int) -> datetime:
    return datetime(2026, 12, 1, h, m, s, us, tzinfo=UTC)


def naive(d: datetime) -> datetime:
    return d.astimezone(UTC).replace(tzinfo=None)


def sales_batch() -> pa.Table:
    """Three versions and a tombstone, typed as the extractor writes them."""
    return pa.table({
        "sale_id": pa.array([7, 8, 7, 9], pa.int64()),
        "user_id": pa.array([1, 2, 1, None], pa.int64()),
        "product_id": pa.array(["SKU-1", "SKU-2", "SKU-1", None]),
        "quantity": pa.array([2, 1, 2, None], pa.int32()),
        "total_amount": pa.array([Decimal("1000.00"), Decimal("9.99"), Decimal("1000.00"), None], pa.decimal128(12, 2)),
        "status": pa.array(["PENDING", "PENDING", "SHIPPED", None]),
        "created_at": pa.array([t(9, 0, 0, 1), t(9, 0, 0, 2), t(9, 0, 0, 1), None], US),
        "updated_at": pa.array([t(9, 0, 0, 1), t(9, 0, 0, 2), t(10, 30, 0, 999999), None], US),
        "change_op": ["upsert", "upsert", "upsert", "delete"],
        "changed_at": pa.array([t(9, 0, 0, 1), t(9, 0, 0, 2), t(10, 30, 0, 999999), t(23, 59, 59, 999999)], US),
    })  # fmt: skip


def test_a_typed_batch_keeps_microseconds_utc_and_tombstones(spark, home):
    uri = land("cdc/fact_sales/date=2026-12-01/batch-a.parquet", sales_batch())
    assert dataset_for_key("cdc/fact_sales/date=2026-12-01/batch-a.parquet").name == "cdc_fact_sales"
    manifest = clean.run(spark, args("cdc_fact_sales", uri))
    assert manifest["counts"] == {"records_read": 4, "processed": 4, "quarantined": 0, "duplicates": 0}
    assert manifest["record_format"] == "parquet" and manifest["layout"] == "change_batch"
    keys = ("line_number", "sale_id", "status", "total_amount", "quantity", "updated_at", "change_op", "changed_at",
            "change_date")  # fmt: skip
    got = [{k: r[k] for k in keys} for r in work(spark, "cdc_fact_sales", "records")]
    assert got == [
        {"line_number": 1, "sale_id": 7, "status": "PENDING", "total_amount": Decimal("1000.00"), "quantity": 2,
         "updated_at": naive(t(9, 0, 0, 1)), "change_op": "upsert", "changed_at": naive(t(9, 0, 0, 1)),
         "change_date": "2026-12-01"},
        {"line_number": 2, "sale_id": 8, "status": "PENDING", "total_amount": Decimal("9.99"), "quantity": 1,
         "updated_at": naive(t(9, 0, 0, 2)), "change_op": "upsert", "changed_at": naive(t(9, 0, 0, 2)),
         "change_date": "2026-12-01"},
        {"line_number": 3, "sale_id": 7, "status": "SHIPPED", "total_amount": Decimal("1000.00"), "quantity": 2,
         "updated_at": naive(t(10, 30, 0, 999999)), "change_op": "upsert", "changed_at": naive(t(10, 30, 0, 999999)),
         "change_date": "2026-12-01"},
        {"line_number": 4, "sale_id": 9, "status": None, "total_amount": None, "quantity": None, "updated_at": None,
         "change_op": "delete", "changed_at": naive(t(23, 59, 59, 999999)), "change_date": "2026-12-01"},
    ]  # fmt: skip
    published = flatten.run(spark, args("cdc_fact_sales", uri))
    assert published["row_counts"]["cdc_fact_sales"] == 4


def test_every_reason_code_of_a_text_batch(spark, home):
    """Another exporter's batch, every column text: each row breaks one rule."""
    good = {"sale_id": "1", "user_id": "2", "product_id": "P", "quantity": "1", "total_amount": "5.00",
            "status": "PENDING", "created_at": "2026-12-01T10:00:00.000001+00:00",
            "updated_at": "2026-12-01T10:00:00.000001Z", "change_op": "UPSERT",
            "changed_at": "2026-12-01T11:00:00.000001+01:00"}  # fmt: skip
    cases = [
        ({}, None),
        ({"sale_id": None}, "missing_sale_id"),
        ({"sale_id": "x"}, "invalid_sale_id"),
        ({"change_op": "merge"}, "invalid_change_op"),
        ({"changed_at": None}, "missing_changed_at"),
        ({"changed_at": "2026-12-01T10:00:00"}, "invalid_changed_at"),
        ({"user_id": "1.5"}, "invalid_user_id"),
        ({"quantity": "3000000000"}, "invalid_quantity"),
        ({"total_amount": "1.005"}, "invalid_total_amount"),
        ({"created_at": "2026-12-01 10:00"}, "invalid_created_at"),
        ({"updated_at": "soon"}, "invalid_updated_at"),
        ({"status": None}, "incomplete_upsert"),
        ({"sale_id": "2", "change_op": "delete", "user_id": None, "status": None}, None),
    ]
    rows = [good | {k: v for k, v in change.items()} for change, _ in cases]
    table = pa.table({k: pa.array([r[k] for r in rows], pa.string()) for k in good})
    uri = land("cdc/fact_sales/date=2026-12-01/text.parquet", table)
    manifest = clean.run(spark, args("cdc_fact_sales", uri))
    expected = [r for _, r in cases if r]
    assert manifest["counts"] == {"records_read": 13, "processed": 2, "quarantined": 11, "duplicates": 0}
    assert [(q["line_number"], q["reason"]) for q in work(spark, "cdc_fact_sales", "quarantine")] == [
        (i + 1, r) for i, (_, r) in enumerate(cases) if r
    ]
    assert sorted(manifest["quarantine_reasons"]) == sorted(expected)
    first = work(spark, "cdc_fact_sales", "records")[0]
    # +01:00 is converted: the same instant in UTC, microseconds kept; the op is lower-cased.
    assert (first["changed_at"], first["change_op"]) == (datetime(2026, 12, 1, 10, 0, 0, 1), "upsert")


def test_columns_match_in_any_case_and_unknown_ones_are_reported(spark, home):
    batch = (
        sales_batch()
        .rename_columns([c.upper() for c in sales_batch().column_names])
        .append_column("source_lsn", pa.array(["0/1"] * 4))
    )
    uri = land("cdc/fact_sales/upper.parquet", batch)
    manifest = clean.run(spark, args("cdc_fact_sales", uri))
    assert manifest["counts"]["processed"] == 4
    assert manifest["unknown_fields"] == ["source_lsn"]


def test_a_batch_repeating_a_version_counts_a_duplicate(spark, home):
    batch = sales_batch()
    uri = land("cdc/fact_sales/twice.parquet", pa.concat_tables([batch, batch.slice(0, 1)]))
    manifest = clean.run(spark, args("cdc_fact_sales", uri))
    assert manifest["counts"] == {"records_read": 5, "processed": 4, "quarantined": 0, "duplicates": 1}


def test_a_naive_timestamp_column_is_refused(spark, home):
    """Parquet times not adjusted to UTC have no zone: their rows are quarantined, not guessed."""
    batch = sales_batch().set_column(9, "changed_at", pa.array([naive(t(9, 0, 0, 1))] * 4, pa.timestamp("us")))
    uri = land("cdc/fact_sales/naive.parquet", batch)
    manifest = clean.run(spark, args("cdc_fact_sales", uri))
    assert manifest["quarantine_reasons"] == {"invalid_changed_at": 4}


def test_files_that_are_not_batches_are_rejected_whole(spark, home):
    junk = land("cdc/fact_sales/junk.parquet", b"PAR1 this is not parquet")
    with pytest.raises(UndecodableObject, match="not a readable Parquet file"):
        scan.scan_parquet(get_store("local").open_read(junk))
    assert clean.run(spark, args("cdc_fact_sales", junk))["rejection"]["reason"] == "undecodable_object"
    keyless = land("cdc/fact_sales/keyless.parquet", sales_batch().drop_columns(["sale_id"]))
    manifest = clean.run(spark, args("cdc_fact_sales", keyless))
    assert manifest["status"] == "REJECTED"
    assert manifest["rejection"] == {
        "reason": "missing_columns",
        "message": "s3://raw/cdc/fact_sales/keyless.parquet: the schema lacks the column sale_id required by the "
        "change_batch layout of cdc_fact_sales (schema: user_id, product_id, quantity, total_amount, status, "
        "created_at, updated_at, change_op, changed_at)",
    }


def test_parquet_is_only_accepted_where_a_dataset_takes_it():
    cdc = DATASETS["cdc_dim_users"]
    assert (cdc.prefix, cdc.extensions, cdc.compressions) == ("cdc/dim_users/", (".parquet",), ())
    assert cdc.accepts("cdc/dim_users/date=2026-12-01/batch-1.parquet")
    assert not cdc.accepts("cdc/dim_users/batch-1.parquet.gz") and not cdc.accepts("cdc/dim_users/b.csv")
    assert not DATASETS["transactions"].accepts("transactions/x.parquet")


@pytest.mark.parametrize("table", ["fact_sales", "dim_users", "dim_products"])
def test_the_samples_truth(spark, home, tmp_path, table):
    path = tmp_path / "batch.parquet"
    stats = write_sample(table, path, 400, corrupt_share=0.05, duplicate_share=0.02)
    dataset = f"cdc_{table}"
    uri = land(f"cdc/{table}/date=2026-12-01/batch.parquet", path.read_bytes())
    manifest = clean.run(spark, args(dataset, uri))
    assert manifest["counts"] == {"records_read": 400, "processed": stats.valid, "quarantined": stats.corrupt,
                                  "duplicates": stats.duplicates}  # fmt: skip
    assert manifest["quarantine_reasons"] == {r: n for r, n in stats.corrupt_by_reason.items() if n}
